/**
 * Hybrid retrieval over the index: cosine vector search and BM25 full-text search (both LanceDB),
 * ordered by WEIGHTED reciprocal rank fusion. Filters run inside LanceDB (prefilter), not after the
 * top-k cut, so excluding keys never returns fewer than k hits when more exist.
 *
 * The order comes from fusion; what a hit SHOWS is its calibrated `relevance` (calibration.ts): the
 * evidence of each retriever compared with what chance gives in this library. `minScore` filters on it.
 */
import type { IndexStore, StoredEntry } from './store';
import { sqlIn } from './schema';
import {
  bandOf, calibrationFor, cosinePercentile, cosineRelevance, modelSeparates, normaliseBm25, wordsQuery, wordsRelevance, RELATED,
  type Band, type Calibration, type CosineCalibration,
} from './calibration';
import { sharedWords } from './terms';

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
  /** Drop hits whose calibrated relevance is below this (0..1). */
  minScore?: number;
  /**
   * Weight of the vector ranking in the fusion, 0..1 (the full-text ranking gets 1 − w). Only the order
   * depends on it, not the relevance. Given: used as given. Omitted: DEFAULT_VECTOR_WEIGHT, or 0 when
   * the index's calibration shows the model's cosines at chance level (the random-weight test model).
   */
  vectorWeight?: number;
  /** 'entry' when queryVector is a stored paper vector (similar papers): calibrated against entry–entry pairs. */
  queryKind?: 'text' | 'entry';
  /**
   * The model's query encoder, used only when the index's calibration has to be (re)computed: with
   * it the cosine is calibrated on real query vectors (see calibration.ts). Optional.
   */
  embedQueries?: (texts: string[]) => Promise<Float32Array[]>;
}

/** What each retriever said about a hit (the numbers behind the relevance, for a tooltip). */
export interface Evidence {
  /** Cosine to the query vector (when the vector retriever found the hit). */
  cosine?: number;
  /** LanceDB's BM25 `_score` (when the full-text retriever found the hit). */
  bm25?: number;
  /** Fraction of random query–entry pairs of this library with a lower cosine. */
  cosinePercentile?: number;
  /** BM25 divided by the query's own maximum attainable BM25 (0..1). */
  bm25Normalised?: number;
}

export type Why = 'meaning' | 'words';

export interface Hit {
  key: string;
  title: string;
  file: string;
  line: number;
  fields: StoredEntry;
  /** Weighted reciprocal-rank-fusion score normalised to [0,1] (1 = ranked first by every retriever that ran): the ORDER, not a relevance. */
  score: number;
  /** Calibrated relevance 0..1 (calibration.ts): comparable across queries; what the UI shows. */
  relevance: number;
  band: Band;
  evidence: Evidence;
  /** Which evidence vouches for the hit: 'meaning' (cosine), 'words' (shared terms), or both. */
  why: Why[];
  /** Words of the title/abstract that share an index term (stem) with the query, lower-cased, for highlighting. */
  terms: string[];
  /** Cosine similarity to the query vector when the vector retriever found this entry (= evidence.cosine). */
  cosine?: number;
  /** Which retrievers ran for this query; 'lexical' also when no vector was available (no model). */
  mode: SearchMode;
}

/** The usual constant of reciprocal rank fusion (Cormack et al. 2009). */
export const RRF_K = 60;
/**
 * Equal weights = plain RRF. Not tuned: the only model available to measure with here has random
 * weights (its vector half is noise, so any measurement would push the weight to 0); see the README.
 */
export const DEFAULT_VECTOR_WEIGHT = 0.5;
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
  if (!useVector && !text) return [];
  const w = clampWeight(q.vectorWeight ?? DEFAULT_VECTOR_WEIGHT);
  // The two retrievers and the calibration read run concurrently (LanceDB executes each on its own threads).
  const [vec, txt, cal] = await Promise.all([
    useVector ? vectorList(store, q.queryVector!, where, pool) : undefined,
    text ? textList(store, text, where, pool) : undefined,
    calibrationFor(store, { embedQueries: q.embedQueries }),
  ]);
  // A model whose cosines, measured on this library, do not tell a paper's own title from chance
  // (calibration.ts: the random-weight test model) gets no say in the order; its evidence is still reported.
  const wVec = q.vectorWeight === undefined && (q.queryKind ?? 'text') === 'text' && modelSeparates(cal?.query) === false ? 0 : w;
  const lists: Weighted[] = [];
  if (vec) lists.push({ items: vec, weight: wVec });
  if (txt) lists.push({ items: txt, weight: 1 - w });
  const mode: SearchMode = useVector && text ? 'hybrid' : useVector ? 'vector' : 'lexical';
  const scorer = relevanceScorer(cal, text, q.queryKind ?? 'text');
  // With a relevance floor, rank the whole pool so the floor never leaves fewer than k when more pass.
  const minScore = q.minScore ?? 0;
  const fused = fuse(lists, minScore > 0 ? pool : k, 0).map((f) => ({ ...f, ...scorer(f) }));
  const kept = fused.filter((f) => f.relevance >= minScore).slice(0, k);
  return toHits(store, kept, mode, scorer);
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
  if (vector) return search(store, { ...opts, k, queryVector: vector, excludeKeys, queryKind: 'entry' });
  const e = entries[0];
  return search(store, { ...opts, k, text: `${e.title}\n${e.abstract}`, excludeKeys });
}

export class UnknownKeyError extends Error {
  constructor(readonly key: string) {
    super(`no entry with key "${key}" in the index`);
    this.name = 'UnknownKeyError';
  }
}

interface Ranked { uid: string; key: string; cosine?: number; bm25?: number }
/** One retriever's ranking and its weight in the fusion. */
export interface Weighted { items: Ranked[]; weight: number }

function filterClause(q: SearchQuery): string | undefined {
  const parts: string[] = [];
  if (q.excludeKeys?.length) parts.push(`NOT (${sqlIn('key', q.excludeKeys)})`);
  if (q.files) parts.push(q.files.length ? sqlIn('file', q.files) : 'false');
  return parts.length ? parts.join(' AND ') : undefined;
}

// Both retrievers return only (uid, key): the display columns (long abstracts) are read once, for
// the final k, by uid through the scalar index — measured 2× faster than carrying them (bench/search.ts).
async function vectorList(store: IndexStore, v: Float32Array, where: string | undefined, n: number): Promise<Ranked[]> {
  let query = store.table.vectorSearch(Array.from(v)).distanceType('cosine').select(['uid', 'key']).limit(n);
  if (where) query = query.where(where);
  const rows = await query.toArray();
  return rows.map((r) => ({ uid: r.uid, key: r.key, cosine: clampCos(1 - Number(r._distance)) }));
}

/**
 * Rows written after the FTS index was last updated are matched by a scan whose results LanceDB 0.31
 * truncates to the limit in table order, not by score (measured: an entry's own title missing from the
 * top 30 of a 54-row table whose rows the indexer's vector pass had rewritten). Asking for that many more
 * rows makes the top `n` exact; the backlog is bounded by finishWrites' compaction rule. Cached briefly.
 */
const ftsBacklog = new WeakMap<IndexStore, { rows: number; at: number }>();
const BACKLOG_TTL_MS = 2_000;
async function unindexedFtsRows(store: IndexStore): Promise<number> {
  const c = ftsBacklog.get(store);
  if (c && Date.now() - c.at < BACKLOG_TTL_MS) return c.rows;
  const idx = (await store.table.listIndices()).find((i) => i.columns.includes('fts_text'));
  const rows = idx ? (idx.numUnindexedRows ?? 0) : 0;
  ftsBacklog.set(store, { rows, at: Date.now() });
  return rows;
}

async function textList(store: IndexStore, text: string, where: string | undefined, n: number): Promise<Ranked[]> {
  // Double quotes would make a phrase query, which LanceDB refuses on an index built without positions.
  // The limit is widened by the rows outside the index (unindexedFtsRows): their matches come back
  // truncated in scan order, so without it the best one can be cut before the sort below.
  const limit = n + (await unindexedFtsRows(store));
  let query = store.table.query().fullTextSearch(text.replace(/"/g, ' '), { columns: 'fts_text' }).select(['uid', 'key', '_score']).limit(limit);
  if (where) query = query.where(where);
  try {
    const rows = (await query.toArray()).map((r) => ({ uid: r.uid, key: r.key, bm25: Number(r._score) }));
    // Measured (LanceDB 0.31): rows written after the full-text index was built are searched, but
    // returned in scan order, not by score. The indexer folds them into the index on a schedule
    // (indexer.ts); until then the order is restored here.
    return rows.sort((a, b) => b.bm25 - a.bm25).slice(0, n);
  } catch (e) {
    // An empty table has no full-text index yet (LanceDB cannot build one over zero rows).
    if ((await store.count()) === 0) return [];
    throw e;
  }
}

function clampCos(c: number): number {
  return Math.max(-1, Math.min(1, c));
}

export interface FusedHit { uid: string; key: string; score: number; cosine?: number; bm25?: number }

/**
 * Weighted reciprocal rank fusion: score = Σ wᵢ / (RRF_K + rankᵢ), normalised by its maximum
 * (Σ wᵢ of the lists that ran) / (RRF_K + 1), collapsing rows that share a key (best fused score
 * wins). Lists of weight 0 still contribute their evidence (cosine, bm25), not to the order.
 * A plain `Ranked[][]` is fused with equal weights. Pure; exported for tests.
 */
export function fuse(lists: Weighted[] | Ranked[][], k: number, minScore = 0): FusedHit[] {
  const weighted: Weighted[] = lists.map((l) => (Array.isArray(l) ? { items: l, weight: 1 } : l));
  let total = weighted.reduce((s, l) => s + l.weight, 0);
  // All the weight on a retriever that did not run (vector weight 1, no model): fall back to equal weights.
  if (total <= 0) weighted.forEach((l) => (l.weight = 1)), (total = weighted.length);
  const byUid = new Map<string, FusedHit>();
  for (const list of weighted) {
    list.items.forEach((item, i) => {
      const cur = byUid.get(item.uid) ?? { uid: item.uid, key: item.key, score: 0 };
      cur.score += list.weight / (RRF_K + i + 1);
      if (item.cosine !== undefined) cur.cosine = item.cosine;
      if (item.bm25 !== undefined) cur.bm25 = item.bm25;
      byUid.set(item.uid, cur);
    });
  }
  const best = total / (RRF_K + 1);
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

function clampWeight(w: number): number {
  if (!Number.isFinite(w)) return DEFAULT_VECTOR_WEIGHT;
  return Math.max(0, Math.min(1, w));
}

/** Total order: score, then cosine, then BM25, then key/uid so equal scores rank reproducibly. */
function better(a: FusedHit, b: FusedHit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  const ca = a.cosine ?? -2;
  const cb = b.cosine ?? -2;
  if (ca !== cb) return ca > cb;
  const ba = a.bm25 ?? -1;
  const bb = b.bm25 ?? -1;
  if (ba !== bb) return ba > bb;
  if (a.key !== b.key) return a.key < b.key;
  return a.uid < b.uid;
}

interface Scored { relevance: number; band: Band; evidence: Evidence; why: Why[] }
interface Scorer {
  (f: FusedHit): Scored;
  /** Distinct index terms of the query text (for `terms`). */
  queryTerms: Set<string>;
}

/**
 * Per-query relevance: calibrated cosine and BM25, the larger one wins. `why` names the evidence
 * that vouches: 'words' when the hit shares query terms (full-text found it), 'meaning' when the
 * vector found it and its cosine is at least 'related' — or when the vector is all there is.
 */
export function relevanceScorer(cal: Calibration | null, text: string, kind: 'text' | 'entry'): Scorer {
  const wq = wordsQuery(text, cal);
  const cosCal: CosineCalibration | undefined = kind === 'entry' ? cal?.entry : cal?.query;
  const scorer = ((f: FusedHit): Scored => {
    const evidence: Evidence = {};
    let rv = 0;
    let rw = 0;
    if (f.cosine !== undefined) {
      evidence.cosine = round(f.cosine);
      if (cosCal) {
        evidence.cosinePercentile = round(cosinePercentile(f.cosine, cosCal));
        rv = cosineRelevance(f.cosine, cosCal);
      }
    }
    if (f.bm25 !== undefined) {
      evidence.bm25 = round(f.bm25);
      evidence.bm25Normalised = round(normaliseBm25(f.bm25, wq));
      rw = wordsRelevance(evidence.bm25Normalised);
    }
    const why: Why[] = [];
    if (f.cosine !== undefined && (rv >= RELATED || f.bm25 === undefined)) why.push('meaning');
    if (f.bm25 !== undefined) why.push('words');
    const relevance = round(Math.max(rv, rw));
    return { relevance, band: bandOf(relevance), evidence, why };
  }) as Scorer;
  scorer.queryTerms = wq.terms;
  return scorer;
}

async function toHits(store: IndexStore, fused: (FusedHit & Scored)[], mode: SearchMode, scorer: Scorer): Promise<Hit[]> {
  const entries = await store.entriesByUid(fused.map((f) => f.uid));
  const hits: Hit[] = [];
  for (const f of fused) {
    const e = entries.get(f.uid);
    if (!e) continue; // deleted between the two reads
    const terms = scorer.queryTerms.size ? sharedWords(`${e.title}\n${e.abstract}`, scorer.queryTerms) : [];
    const hit: Hit = {
      key: e.key, title: e.title, file: e.file, line: e.line, fields: e, score: f.score,
      relevance: f.relevance, band: f.band, evidence: f.evidence, why: f.why, terms, mode,
    };
    if (f.cosine !== undefined) hit.cosine = f.cosine;
    hits.push(hit);
  }
  return hits;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
