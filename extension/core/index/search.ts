/**
 * Hybrid retrieval over the index: cosine vector search and BM25 full-text search (both LanceDB),
 * fused by reciprocal rank fusion. Filters run inside LanceDB (prefilter), not after the top-k cut,
 * so excluding keys never returns fewer than k hits when more exist.
 */
import type { IndexStore, StoredEntry } from './store';
import { sqlIn } from './schema';
import { ANN_NPROBES } from './annParams';

export type SearchMode = 'hybrid' | 'lexical' | 'vector';

export interface SearchQuery {
  /** adhoc_query (free text) or proximity (similar entry) vector of the store's embedder. */
  queryVector?: Float32Array;
  /** Text for full-text search (the same text the query vector came from, usually). */
  text?: string;
  k: number;
  /** Citation keys never to return (already cited, or the entry itself). */
  excludeKeys?: readonly string[];
  /** Only entries from these source files. */
  files?: readonly string[];
  /** Drop hits whose fused score is below this (0..1). */
  minScore?: number;
}

export interface Hit {
  key: string;
  title: string;
  file: string;
  line: number;
  fields: StoredEntry;
  /** Reciprocal-rank-fusion score normalised to [0,1]: 1 = ranked first by every retriever that ran. */
  score: number;
  /** Cosine similarity to the query vector when the vector retriever found this entry. */
  cosine?: number;
  /** Which retrievers ran for this query; 'lexical' also when no vector was available (no model). */
  mode: SearchMode;
}

/** The usual constant of reciprocal rank fusion (Cormack et al. 2009). */
export const RRF_K = 60;
/** Bounds what reaches the FTS tokenizer: a cursor paragraph is short; a pasted book is not a query. */
const MAX_QUERY_CHARS = 4000;

export async function search(store: IndexStore, q: SearchQuery): Promise<Hit[]> {
  const k = Math.max(0, Math.floor(q.k));
  if (k === 0) return [];
  const where = filterClause(q);
  // Over-fetch so that rows sharing a key (same key in two files) can be collapsed and still fill k.
  const pool = Math.max(k * 3, 30);
  const useVector = Boolean(q.queryVector) && store.hasVectors;
  if (useVector && q.queryVector!.length !== store.space!.dim) {
    throw new Error(`query vector has ${q.queryVector!.length} dimensions; the index table holds ${store.space!.dim}-d vectors of ${store.space!.embedderId}`);
  }
  const text = (q.text ?? '').slice(0, MAX_QUERY_CHARS).trim();
  // The two retrievers run concurrently (LanceDB executes each on its own worker threads).
  const lists = await Promise.all([
    ...(useVector ? [vectorList(store, q.queryVector!, where, pool)] : []),
    ...(text ? [textList(store, text, where, pool)] : []),
  ]);
  if (lists.length === 0) return [];
  const mode: SearchMode = useVector && text ? 'hybrid' : useVector ? 'vector' : 'lexical';
  return toHits(store, fuse(lists, k, q.minScore ?? 0), mode);
}

/** Entries similar to `key` by its stored vector; lexical on its title+abstract when it has none. */
export async function similarTo(store: IndexStore, key: string, k: number, opts: Omit<SearchQuery, 'k' | 'queryVector' | 'text'> = {}): Promise<Hit[]> {
  const entries = await store.entriesByKey(key);
  if (entries.length === 0) throw new UnknownKeyError(key);
  let vector: Float32Array | undefined;
  for (const e of entries) {
    vector = await store.vectorOf(e.uid);
    if (vector) break;
  }
  const excludeKeys = [...(opts.excludeKeys ?? []), key];
  if (vector) return search(store, { ...opts, k, queryVector: vector, excludeKeys });
  const e = entries[0];
  return search(store, { ...opts, k, text: `${e.title}\n${e.abstract}`, excludeKeys });
}

export class UnknownKeyError extends Error {
  constructor(readonly key: string) {
    super(`no entry with key "${key}" in the index`);
    this.name = 'UnknownKeyError';
  }
}

interface Ranked { uid: string; key: string; cosine?: number }

function filterClause(q: SearchQuery): string | undefined {
  const parts: string[] = [];
  if (q.excludeKeys?.length) parts.push(`NOT (${sqlIn('key', q.excludeKeys)})`);
  if (q.files) parts.push(q.files.length ? sqlIn('file', q.files) : 'false');
  return parts.length ? parts.join(' AND ') : undefined;
}

// Both retrievers return only (uid, key): the display columns (long abstracts) are read once, for
// the final k, by uid through the scalar index — measured 2× faster than carrying them (bench/search.ts).
async function vectorList(store: IndexStore, v: Float32Array, where: string | undefined, n: number): Promise<Ranked[]> {
  let query = store.table.vectorSearch(Array.from(v)).distanceType('cosine').nprobes(ANN_NPROBES).select(['uid', 'key']).limit(n);
  if (where) query = query.where(where);
  const rows = await query.toArray();
  return rows.map((r) => ({ uid: r.uid, key: r.key, cosine: clampCos(1 - Number(r._distance)) }));
}

async function textList(store: IndexStore, text: string, where: string | undefined, n: number): Promise<Ranked[]> {
  let query = store.table.query().fullTextSearch(text, { columns: 'fts_text' }).select(['uid', 'key', '_score']).limit(n);
  if (where) query = query.where(where);
  try {
    return (await query.toArray()).map((r) => ({ uid: r.uid, key: r.key }));
  } catch (e) {
    // An empty table has no full-text index yet (LanceDB cannot build one over zero rows).
    if ((await store.count()) === 0) return [];
    throw e;
  }
}

function clampCos(c: number): number {
  return Math.max(-1, Math.min(1, c));
}

export interface FusedHit { uid: string; key: string; score: number; cosine?: number }

/** Reciprocal rank fusion, collapsing rows that share a key (best fused score wins). Pure; exported for tests. */
export function fuse(lists: Ranked[][], k: number, minScore: number): FusedHit[] {
  const byUid = new Map<string, FusedHit>();
  for (const list of lists) {
    list.forEach((item, i) => {
      const cur = byUid.get(item.uid) ?? { uid: item.uid, key: item.key, score: 0 };
      cur.score += 1 / (RRF_K + i + 1);
      if (item.cosine !== undefined) cur.cosine = item.cosine;
      byUid.set(item.uid, cur);
    });
  }
  const best = lists.length / (RRF_K + 1);
  const byKey = new Map<string, FusedHit>();
  for (const h of byUid.values()) {
    h.score = Math.min(1, h.score / best);
    const prev = byKey.get(h.key);
    if (!prev || better(h, prev)) byKey.set(h.key, h);
  }
  return [...byKey.values()]
    .filter((h) => h.score >= minScore)
    .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
    .slice(0, k);
}

/** Total order: score, then cosine, then key/uid so equal scores rank reproducibly. */
function better(a: FusedHit, b: FusedHit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  const ca = a.cosine ?? -2;
  const cb = b.cosine ?? -2;
  if (ca !== cb) return ca > cb;
  if (a.key !== b.key) return a.key < b.key;
  return a.uid < b.uid;
}

async function toHits(store: IndexStore, fused: FusedHit[], mode: SearchMode): Promise<Hit[]> {
  const entries = await store.entriesByUid(fused.map((f) => f.uid));
  const hits: Hit[] = [];
  for (const f of fused) {
    const e = entries.get(f.uid);
    if (!e) continue; // deleted between the two reads
    const hit: Hit = { key: e.key, title: e.title, file: e.file, line: e.line, fields: e, score: f.score, mode };
    if (f.cosine !== undefined) hit.cosine = f.cosine;
    hits.push(hit);
  }
  return hits;
}
