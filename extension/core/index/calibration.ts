/**
 * Calibrated relevance: turns the raw evidence of the two retrievers (a cosine, a BM25 score) into one
 * number in 0..1 that means the same thing for every query, calibrated against THIS library.
 *
 * Why: reciprocal-rank fusion scores are ranks. The first hit of any query — also of nonsense — gets the
 * top score. A relevance must instead say how good the match is compared with what chance gives here.
 *
 *  - Cosine: compared with two distributions measured once per index on a fixed sample of its entries
 *    (the rows with the smallest uids — uids are hashes, so this is a reproducible pseudo-random sample):
 *      null:     cosines of random query–entry pairs (the titles of sampled entries embedded as queries
 *                against OTHER sampled entries; entry–entry pairs when no query embedder was available);
 *      positive: cosines of each sampled title-as-query against its own entry (a known match).
 *    Up to the null's 99.9th percentile (what an unrelated entry reaches by chance) the cosine can only
 *    be "weak"; between that and the positives' median it rises to the strong threshold. When the model
 *    does not separate positives from the null (random weights: the test fixture), the cosine is never
 *    more than weak — the relevance refuses to vouch for a model that cannot tell.
 *  - BM25: divided by the query's own maximum attainable score, the BM25 of a document that IS the query
 *    (every distinct query term at the query's own frequency, document length = query length), with
 *    LanceDB's formula (k1 = 1.2, b = 0.75, idf = ln(1 + (N − df + 0.5)/(df + 0.5))) and document
 *    frequencies / average length estimated on the same sample. 1 ≈ the entry contains the query.
 *
 * The relevance is the larger of the two calibrated values (each retriever vouches on its own).
 * The record is stored in a side table of the same LanceDB database (IndexStore.readSideRecord), so it
 * lives wherever the index lives (a local folder or object storage), and is recomputed when the table
 * has changed by more than a quarter of its rows or its model changed.
 */
import type { IndexStore } from './store';
import { ftsTokens } from './terms';

export type Band = 'strong' | 'related' | 'weak';

/** Relevance at or above these is 'strong' / 'related'; below RELATED it is 'weak'. */
export const STRONG = 0.6;
export const RELATED = 0.3;

export function bandOf(relevance: number): Band {
  return relevance >= STRONG ? 'strong' : relevance >= RELATED ? 'related' : 'weak';
}

export const CALIBRATION_VERSION = 1;
/** Entries whose words estimate document frequencies and the average length. */
const WORD_SAMPLE = 2000;
/** Entries whose vectors form the random pairs (n·(n−1)/2 entry pairs). */
const VECTOR_SAMPLE = 200;
/** Titles embedded as queries (positives; queries × entries null pairs). */
const QUERY_SAMPLE = 48;
const K1 = 1.2;
const B = 0.75;
/** Quantiles stored per distribution: 0, 0.1 %, …, 100 % would be 1001 numbers; this grid keeps the tail. */
const QUANTILE_GRID = [
  ...Array.from({ length: 99 }, (_, i) => (i + 1) / 100),
  0.995, 0.999,
];

export interface CosineCalibration {
  /** Cosine at each QUANTILE_GRID point of the null (random pairs). */
  null: number[];
  /** Cosine at each QUANTILE_GRID point of the positives (own title → own entry); absent without a query embedder. */
  positive?: number[];
  pairs: number;
}

export interface Calibration {
  version: number;
  /** Rows in the table when computed (staleness check). */
  rows: number;
  /** Rows with a vector when computed: the indexer stores every row lexically first and embeds later. */
  vectors: number;
  embedderId: string | null;
  /** Text queries (adhoc_query vectors) vs entries; `entry` for similar-paper queries (proximity vs proximity). */
  query?: CosineCalibration;
  entry?: CosineCalibration;
  words: {
    /** Table size N in LanceDB's idf. */
    docs: number;
    /** Average document length in index terms (stop words removed). */
    avgdl: number;
    /** Entries sampled; df below is scaled to the table size. */
    sample: number;
    /** Estimated document frequency per index term (terms seen in the sample). */
    df: Record<string, number>;
  };
}

export interface CalibrationOptions {
  /** The model's query encoder (adhoc_query): gives the query null and the positives. Optional. */
  embedQueries?: (texts: string[]) => Promise<Float32Array[]>;
}

const SIDE_RECORD = 'calibration';
/** How long a loaded calibration is trusted before the row count is checked again (ms). */
const RECHECK_MS = 30_000;

interface Cached { cal: Calibration | null; checkedAt: number; pending?: Promise<Calibration | null> }
const cache = new WeakMap<IndexStore, Cached>();

/**
 * The store's calibration: from memory, else from its side record, else computed now (and stored).
 * null for an empty table. Concurrent callers share one computation.
 */
export async function calibrationFor(store: IndexStore, opts: CalibrationOptions = {}): Promise<Calibration | null> {
  const now = Date.now();
  const c = cache.get(store);
  if (c?.pending) return c.pending;
  if (c && c.cal && now - c.checkedAt < RECHECK_MS && !(opts.embedQueries && c.cal.vectors >= 2 && !c.cal.query?.positive)) return c.cal;
  const pending = (async () => {
    const rows = await store.count();
    const vectors = store.hasVectors ? await store.count('has_vector') : 0;
    const embedderId = store.space?.embedderId ?? null;
    let cal = c?.cal ?? parse(await store.readSideRecord(SIDE_RECORD));
    const wantsQuery = Boolean(opts.embedQueries) && vectors >= 2;
    if (!cal || stale(cal, rows, vectors, embedderId) || (wantsQuery && !cal.query?.positive)) {
      cal = rows > 0 ? await computeCalibration(store, opts) : null;
      // A database that cannot be written (read-only folder or bucket) still gets a calibration: kept
      // in memory, recomputed by the next session.
      if (cal) await store.writeSideRecord(SIDE_RECORD, JSON.stringify(cal)).catch(() => undefined);
    }
    cache.set(store, { cal, checkedAt: Date.now() });
    return cal;
  })();
  cache.set(store, { cal: c?.cal ?? null, checkedAt: c?.checkedAt ?? 0, pending });
  try {
    return await pending;
  } catch (e) {
    cache.delete(store);
    throw e;
  }
}

/**
 * Recompute when the model changed, the table grew or shrank by a quarter, or the number of embedded rows
 * doubled or halved (while a library is being embedded for the first time: a few recomputations, not one per batch).
 */
function stale(cal: Calibration, rows: number, vectors: number, embedderId: string | null): boolean {
  if (cal.version !== CALIBRATION_VERSION || cal.embedderId !== embedderId) return true;
  if (Math.abs(rows - cal.rows) > Math.max(20, cal.rows * 0.25)) return true;
  return (cal.vectors < 2 && vectors >= 2) || vectors > 2 * Math.max(1, cal.vectors) || vectors < cal.vectors / 2;
}

function parse(json: string | undefined): Calibration | null {
  if (!json) return null;
  try {
    const c = JSON.parse(json) as Calibration;
    return c && c.version === CALIBRATION_VERSION && c.words ? c : null;
  } catch {
    return null; // a damaged record is recomputed
  }
}

/** Computes the calibration of the store's current table (no caching, no writing). Exported for tests. */
export async function computeCalibration(store: IndexStore, opts: CalibrationOptions = {}): Promise<Calibration> {
  const rows = await store.count();
  const sample = await sampleRows(store, rows, WORD_SAMPLE);
  // Words: document frequencies and lengths as the FTS index counts them.
  const dfSample = new Map<string, number>();
  let totalLen = 0;
  for (const r of sample) {
    const terms = ftsTokens(r.fts_text).map((t) => t.term);
    totalLen += terms.length;
    for (const t of new Set(terms)) dfSample.set(t, (dfSample.get(t) ?? 0) + 1);
  }
  const scale = sample.length ? rows / sample.length : 1;
  const df: Record<string, number> = {};
  for (const [t, n] of dfSample) df[t] = round(n * scale, 2);
  const cal: Calibration = {
    version: CALIBRATION_VERSION,
    rows,
    vectors: store.hasVectors ? await store.count('has_vector') : 0,
    embedderId: store.space?.embedderId ?? null,
    words: { docs: rows, avgdl: sample.length ? totalLen / sample.length : 1, sample: sample.length, df },
  };
  if (store.hasVectors) {
    const withVec = sample.filter((r) => r.vector).slice(0, VECTOR_SAMPLE);
    if (withVec.length >= 2) {
      const vecs = withVec.map((r) => unit(r.vector!));
      const entryNull: number[] = [];
      for (let i = 0; i < vecs.length; i++) for (let j = i + 1; j < vecs.length; j++) entryNull.push(dot(vecs[i], vecs[j]));
      cal.entry = { null: quantiles(entryNull), pairs: entryNull.length };
      cal.query = cal.entry;
      const titled = withVec.map((r, i) => ({ r, v: vecs[i] })).filter((x) => x.r.title.trim()).slice(0, QUERY_SAMPLE);
      if (opts.embedQueries && titled.length >= 2) {
        const qv = (await opts.embedQueries(titled.map((x) => x.r.title))).map(unit);
        const nul: number[] = [];
        const pos: number[] = [];
        qv.forEach((q, i) => {
          pos.push(dot(q, titled[i].v));
          vecs.forEach((v, j) => { if (withVec[j] !== titled[i].r) nul.push(dot(q, v)); });
        });
        cal.query = { null: quantiles(nul), positive: quantiles(pos), pairs: nul.length };
      }
    }
  }
  return cal;
}

interface SampleRow { title: string; fts_text: string; vector?: Float32Array }

/**
 * A fixed sample: the rows with the smallest uids (uids are SHA-256 based, so this is a reproducible
 * pseudo-random sample). A uid range filter keeps the read small on large tables.
 */
async function sampleRows(store: IndexStore, rows: number, n: number): Promise<SampleRow[]> {
  const cols = ['uid', 'title', 'fts_text', ...(store.hasVectors ? ['vector'] : [])];
  let where: string | undefined;
  if (rows > n * 2) {
    // uids are 32 hex digits; rows below this 6-digit prefix are ≈ (2n/rows) of the table.
    const bound = Math.min(0xffffff, Math.ceil(((2 * n) / rows) * 0x1000000)).toString(16).padStart(6, '0');
    where = `uid < '${bound}'`;
  }
  let q = store.table.query().select(cols);
  if (where) q = q.where(where);
  const got = await q.toArray();
  got.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
  return got.slice(0, n).map((r) => ({
    title: String(r.title ?? ''),
    fts_text: String(r.fts_text ?? ''),
    ...(r.vector ? { vector: toF32(r.vector) } : {}),
  }));
}

// ---------------------------------------------------------------------------------------------
// Applying a calibration to one query's evidence

export interface WordsQuery {
  /** Distinct index terms of the query. */
  terms: Set<string>;
  /** The BM25 of the query against itself (its maximum attainable score); 0 = no indexable term. */
  selfScore: number;
}

/** Prepares the per-query part of the BM25 normalisation (tokenise once per query). */
export function wordsQuery(text: string, cal: Calibration | null): WordsQuery {
  const tokens = ftsTokens(text).map((t) => t.term);
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  if (!cal) return { terms: new Set(tf.keys()), selfScore: 0 };
  const { docs, avgdl, sample, df } = cal.words;
  // A term never seen in the sample: in a fully sampled table it is in no entry (df 0); otherwise
  // it is rarer than one sampled row, so half a row's share is the estimate.
  const unseen = sample >= docs ? 0 : (0.5 * docs) / Math.max(1, sample);
  const norm = K1 * (1 - B + (B * tokens.length) / Math.max(1e-9, avgdl));
  let self = 0;
  for (const [t, f] of tf) {
    const d = Math.min(docs, df[t] ?? unseen);
    const idf = Math.log(1 + (docs - d + 0.5) / (d + 0.5));
    self += (idf * f * (K1 + 1)) / (f + norm);
  }
  return { terms: new Set(tf.keys()), selfScore: self };
}

/** BM25 as a fraction of the query's own maximum (clamped to 0..1). */
export function normaliseBm25(bm25: number, q: WordsQuery): number {
  return q.selfScore > 0 ? clamp01(bm25 / q.selfScore) : 0;
}

/**
 * Relevance from the normalised BM25: a linear map with 0.5 → STRONG. An entry that contains
 * every query term about as often as the query does scores ≈ 0.6–0.9 (its extra words dilute it);
 * one that shares a third of the query's weight ≈ 0.2–0.3, i.e. related.
 */
export function wordsRelevance(bm25Normalised: number): number {
  return clamp01((bm25Normalised / 0.5) * STRONG);
}

/** Where a cosine lies in the null: the fraction of random query–entry pairs below it (0..1). */
export function cosinePercentile(cos: number, c: CosineCalibration): number {
  return interpolateCdf(cos, c.null);
}

/**
 * Relevance from a cosine (see the file comment): null median → 0, null 99.9th percentile → RELATED
 * (chance level stays weak), positive median → STRONG, 1 → 1. Without positives the strong anchor is
 * halfway from the null's tail to 1. A model whose positives do not clear the null's tail is capped
 * below RELATED.
 */
export function cosineRelevance(cos: number, c: CosineCalibration): number {
  const med = at(c.null, 0.5);
  const tail = at(c.null, 0.999);
  const strongAt = c.positive ? at(c.positive, 0.5) : tail + (1 - tail) / 2;
  // ×0.999: a cosine at chance level stays just below the 'related' threshold.
  if (cos <= tail) return clamp01((cos - med) / Math.max(1e-9, tail - med)) * RELATED * 0.999;
  if (strongAt <= tail) return RELATED * 0.999; // the model does not separate matches from chance
  if (cos <= strongAt) return RELATED + ((cos - tail) / (strongAt - tail)) * (STRONG - RELATED);
  return Math.min(1, STRONG + ((cos - strongAt) / Math.max(1e-9, 1 - strongAt)) * (1 - STRONG));
}

/**
 * Whether the model's query cosines separate a paper's own title (positive median) from chance (the null's
 * 99.9th percentile) on this library; undefined when no positives were measured (no query embedder).
 */
export function modelSeparates(c: CosineCalibration | undefined): boolean | undefined {
  if (!c?.positive) return undefined;
  return at(c.positive, 0.5) > at(c.null, 0.999);
}

function at(q: number[], p: number): number {
  const i = QUANTILE_GRID.indexOf(p);
  if (i >= 0) return q[i];
  // not on the grid: nearest lower point
  let j = 0;
  while (j + 1 < QUANTILE_GRID.length && QUANTILE_GRID[j + 1] <= p) j++;
  return q[j];
}

function interpolateCdf(x: number, q: number[]): number {
  if (x < q[0]) return 0;
  for (let i = 1; i < q.length; i++) {
    if (x <= q[i]) {
      const span = q[i] - q[i - 1];
      const f = span > 0 ? (x - q[i - 1]) / span : 1;
      return QUANTILE_GRID[i - 1] + f * (QUANTILE_GRID[i] - QUANTILE_GRID[i - 1]);
    }
  }
  return 1 - (1 - QUANTILE_GRID[QUANTILE_GRID.length - 1]) / 2;
}

function quantiles(xs: number[]): number[] {
  const s = Float64Array.from(xs).sort();
  return QUANTILE_GRID.map((p) => round(s[Math.min(s.length - 1, Math.max(0, Math.round(p * (s.length - 1))))], 5));
}

function unit(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i] * v[i];
  n = Math.sqrt(n) || 1;
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] / n;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function toF32(v: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  const maybe = v as { toArray?: () => ArrayLike<number> };
  return Float32Array.from(typeof maybe?.toArray === 'function' ? maybe.toArray() : (v as ArrayLike<number>));
}

function clamp01(x: number): number {
  return Math.max(0, Math.min(1, x));
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
