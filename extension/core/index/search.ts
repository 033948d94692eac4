/**
 * Hybrid retrieval over the index: cosine vector search and BM25 full-text search (both LanceDB),
 * fused by reciprocal rank fusion. Filters run inside LanceDB (prefilter), not after the top-k cut,
 * so excluding keys never returns fewer than k hits when more exist.
 */
import { DISPLAY_COLUMNS, toEntry, type IndexStore, type StoredEntry } from './store';
import { sqlIn } from './schema';

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
  const lists: Ranked[][] = [];
  const useVector = Boolean(q.queryVector) && store.hasVectors;
  if (useVector && q.queryVector!.length !== store.space!.dim) {
    throw new Error(`query vector has ${q.queryVector!.length} dimensions; the index table holds ${store.space!.dim}-d vectors of ${store.space!.embedderId}`);
  }
  const text = (q.text ?? '').slice(0, MAX_QUERY_CHARS).trim();
  if (useVector) lists.push(await vectorList(store, q.queryVector!, where, pool));
  if (text) lists.push(await textList(store, text, where, pool));
  if (lists.length === 0) return [];
  const mode: SearchMode = useVector && text ? 'hybrid' : useVector ? 'vector' : 'lexical';
  return fuse(lists, k, q.minScore ?? 0, mode);
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

interface Ranked { entry: StoredEntry; cosine?: number }

function filterClause(q: SearchQuery): string | undefined {
  const parts: string[] = [];
  if (q.excludeKeys?.length) parts.push(`NOT (${sqlIn('key', q.excludeKeys)})`);
  if (q.files) parts.push(q.files.length ? sqlIn('file', q.files) : 'false');
  return parts.length ? parts.join(' AND ') : undefined;
}

async function vectorList(store: IndexStore, v: Float32Array, where: string | undefined, n: number): Promise<Ranked[]> {
  let query = store.table.vectorSearch(Array.from(v)).distanceType('cosine').select([...DISPLAY_COLUMNS]).limit(n);
  if (where) query = query.where(where);
  const rows = await query.toArray();
  return rows.map((r) => ({ entry: toEntry(r), cosine: clampCos(1 - Number(r._distance)) }));
}

async function textList(store: IndexStore, text: string, where: string | undefined, n: number): Promise<Ranked[]> {
  let query = store.table.query().fullTextSearch(text, { columns: 'fts_text' }).select([...DISPLAY_COLUMNS]).limit(n);
  if (where) query = query.where(where);
  try {
    return (await query.toArray()).map((r) => ({ entry: toEntry(r) }));
  } catch (e) {
    // An empty table has no full-text index yet (LanceDB cannot build one over zero rows).
    if ((await store.count()) === 0) return [];
    throw e;
  }
}

function clampCos(c: number): number {
  return Math.max(-1, Math.min(1, c));
}

/** Reciprocal rank fusion, collapsing rows that share a key (best fused score wins). */
export function fuse(lists: Ranked[][], k: number, minScore: number, mode: SearchMode): Hit[] {
  const byUid = new Map<string, { entry: StoredEntry; raw: number; cosine?: number }>();
  for (const list of lists) {
    list.forEach((item, i) => {
      const cur = byUid.get(item.entry.uid) ?? { entry: item.entry, raw: 0 };
      cur.raw += 1 / (RRF_K + i + 1);
      if (item.cosine !== undefined) cur.cosine = item.cosine;
      byUid.set(item.entry.uid, cur);
    });
  }
  const best = lists.length / (RRF_K + 1);
  const byKey = new Map<string, Hit>();
  for (const { entry, raw, cosine } of byUid.values()) {
    const hit: Hit = { key: entry.key, title: entry.title, file: entry.file, line: entry.line, fields: entry, score: raw / best, mode };
    if (cosine !== undefined) hit.cosine = cosine;
    const prev = byKey.get(entry.key);
    if (!prev || better(hit, prev)) byKey.set(entry.key, hit);
  }
  return [...byKey.values()]
    .filter((h) => h.score >= minScore)
    .sort((a, b) => (better(a, b) ? -1 : better(b, a) ? 1 : 0))
    .slice(0, k);
}

/** Total order: score, then cosine, then file/line/key so equal scores rank reproducibly. */
function better(a: Hit, b: Hit): boolean {
  if (a.score !== b.score) return a.score > b.score;
  const ca = a.cosine ?? -2;
  const cb = b.cosine ?? -2;
  if (ca !== cb) return ca > cb;
  if (a.file !== b.file) return a.file < b.file;
  if (a.line !== b.line) return a.line < b.line;
  return a.key < b.key;
}
