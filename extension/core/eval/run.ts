/**
 * Runs an evaluation: the same queries through the lexical, vector and hybrid rankings of one index,
 * averaged into recall@5/10, nDCG@10 and MRR (metrics.ts). The ranking comes in as a dependency so
 * the CLI (IndexStore + search) and tests share this code.
 */
import type { IndexStore } from '../index/store';
import type { Embedder } from '../index/embedder';
import { search } from '../index/search';
import { meanMetrics, queryMetrics, type Metrics } from './metrics';
import { entryIds } from './manuscript';

export interface EvalQuery {
  id: string;
  text: string;
  /** Normalised ids of the answers (keys or DOIs, see manuscript.ts citedId / trec.ts normaliseId). */
  relevant: string[];
  /** Keys the product would hide for this query (cited elsewhere in the paragraph). */
  excludeKeys?: string[];
}

const QUERY_BATCH = 32;

export type EvalMode = 'lexical' | 'vector' | 'hybrid';

export interface EvalResult {
  queries: number;
  /** Answers (query, relevant id) that are not in the collection: they count as misses. */
  missing: number;
  lexical: Metrics;
  vector: Metrics | null;
  hybrid: Metrics | null;
}

export interface Ranker {
  /** Whether vector and hybrid rankings exist (a model was given). */
  readonly hasVectors: boolean;
  /** Every id the collection answers to. */
  collectionIds(): Promise<Set<string>>;
  /** The ids of each result, best first, `depth` results. */
  rank(q: EvalQuery, mode: EvalMode, depth: number): Promise<string[][]>;
  /** Called once with all queries before ranking (e.g. to embed them in batches). */
  prepare?(queries: readonly EvalQuery[]): Promise<void>;
}

export async function evaluate(queries: readonly EvalQuery[], ranker: Ranker, depth = 10): Promise<EvalResult> {
  const ids = await ranker.collectionIds();
  let missing = 0;
  for (const q of queries) for (const r of q.relevant) if (!ids.has(r)) missing++;
  await ranker.prepare?.(queries);
  const modes: EvalMode[] = ranker.hasVectors ? ['lexical', 'vector', 'hybrid'] : ['lexical'];
  const per: Record<EvalMode, Metrics[]> = { lexical: [], vector: [], hybrid: [] };
  for (const q of queries) {
    const relevant = new Set(q.relevant);
    for (const m of modes) per[m].push(queryMetrics(await ranker.rank(q, m, Math.max(10, depth)), relevant));
  }
  return {
    queries: queries.length,
    missing,
    lexical: meanMetrics(per.lexical),
    vector: ranker.hasVectors ? meanMetrics(per.vector) : null,
    hybrid: ranker.hasVectors ? meanMetrics(per.hybrid) : null,
  };
}

/**
 * The product's ranking over an IndexStore: `search()` with text only (lexical), the query vector
 * only (vector), or both fused with `vectorWeight` (hybrid). Query vectors are embedded once per query.
 */
export function storeRanker(store: IndexStore, embedder: Embedder | null, vectorWeight?: number): Ranker {
  const useVectors = Boolean(embedder) && store.hasVectors;
  const vectors = new Map<string, Float32Array>();
  const embedQueries = useVectors ? (t: string[]) => embedder!.embedQueries(t) : undefined;
  return {
    hasVectors: useVectors,
    async collectionIds() {
      const rows = await store.table.query().select(['key', 'doi', 'arxiv_id', 'url']).toArray();
      return new Set(rows.flatMap((r) => entryIds({ key: r.key, doi: r.doi ?? null, arxiv_id: r.arxiv_id ?? null, url: r.url ?? null })));
    },
    async prepare(queries) {
      if (!useVectors) return;
      const texts = [...new Set(queries.map((q) => q.text))].filter((t) => !vectors.has(t));
      for (let i = 0; i < texts.length; i += QUERY_BATCH) {
        const batch = texts.slice(i, i + QUERY_BATCH);
        (await embedder!.embedQueries(batch)).forEach((v, j) => vectors.set(batch[j], v));
      }
    },
    async rank(q, mode, depth) {
      let v: Float32Array | undefined;
      if (mode !== 'lexical') {
        v = vectors.get(q.text);
        if (!v) vectors.set(q.text, (v = (await embedder!.embedQueries([q.text]))[0]));
      }
      const hits = await search(store, {
        k: depth,
        text: mode === 'vector' ? undefined : q.text,
        queryVector: v,
        excludeKeys: q.excludeKeys,
        vectorWeight,
        embedQueries,
      });
      return hits.map((h) => entryIds(h.fields));
    },
  };
}

