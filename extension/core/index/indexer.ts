/**
 * Incremental, crash-safe indexing of bibliography files into an IndexStore.
 *
 * Rules (documented here because the UI, the CLI and the tests rely on them):
 * - Row identity is (file, key). The same key in two files gives two rows (a thesis.bib and a
 *   paper.bib often share entries); search collapses them to one hit per key. Within ONE file a
 *   repeated key keeps the first entry and reports the later ones as a warning.
 * - What gets embedded is decided by a content hash of title+abstract. A stored vector with the
 *   same content hash is reused from ANY row (any file), so renamed/moved files and entries moved
 *   between files cost no embedding. Unchanged entries cost zero embedder calls.
 * - Metadata-only changes (authors, year, line, …) rewrite the row without touching its vector.
 * - Without an embedder (no model / offline) rows are still stored with `vector = null`; search is
 *   lexical and says so (Hit.mode). When a model appears later, those rows are embedded then.
 *   Entries with neither title nor abstract are never embedded (vector null, lexical only).
 * - Lexical first, then meaning: new entries are written WITHOUT vectors first and the full-text index
 *   is built, so a 10k-entry library is searchable (lexically) seconds after the run starts; then
 *   embeddings fill in batch by batch. LanceDB 0.31 searches rows written after the full-text index
 *   was built (measured: added, merged and deleted rows are all answered correctly), and the table is
 *   compacted on a schedule during long runs so it does not fragment.
 * - Every paper is embedded once per model: before calling the model, vectors are taken from the
 *   table (any row with the same content hash) and from the shared vector cache (other workspaces,
 *   the CLI); every new vector is added to that cache.
 * - Line numbers live in the positions table (schema.ts): a line inserted at the top of a file
 *   rewrites that file's positions in two commits and no paper row.
 * - Crash safety: every write is one atomic LanceDB commit of one batch, made BEFORE the batch is
 *   reported as progress; the table is the only progress record. Deletions of vanished entries
 *   happen last, so their vectors remain available for reuse until the new rows are written.
 * - A file that cannot be read or parsed keeps its existing rows (bad input loses nothing).
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { SourceDiagnostic } from '../types';
import type { EntryCache, parseBibliography } from '../bib';
import { checkVectors, type Embedder } from './embedder';
import { recordToRow, type IndexRow, type PositionRow } from './schema';
import type { IndexStore, StoredRowState } from './store';
import type { VectorCacheLike } from './vectorCache';
import { approxTokens, EtaEstimator } from './eta';

export interface IndexFilesOptions {
  store: IndexStore;
  /** null = no model available: rows are stored without vectors. */
  embedder: Embedder | null;
  cache?: EntryCache;
  signal?: AbortSignal;
  /** Called after each committed write (and once per parsed file): done/total work items. */
  onProgress?: (done: number, total: number, message?: string) => void;
  /** Entries per embedder call and per commit. Default 32. */
  batchSize?: number;
  /** The shared vector cache (every paper embedded once per model across workspaces). */
  vectorCache?: VectorCacheLike | null;
  /** Where cache failures are reported (a cache is an optimisation: indexing goes on). */
  onWarning?: (message: string) => void;
  /**
   * Called after each committed embedding batch with table-wide numbers: rows with a vector of the
   * rows that can have one ("3,120 of 10,569 papers embedded").
   */
  onEmbedProgress?: (embedded: number, embeddable: number, remainingMs?: number) => void;
  /** Compact the table after this many embedding batches (default 16). */
  compactEvery?: number;
  /**
   * 'all' (default): `paths` is the complete set of bibliography files of the workspace; rows of any
   * other file are removed. 'only': synchronise just these files and leave every other row alone
   * (a file watcher's single-file update).
   */
  scope?: 'all' | 'only';
  /**
   * Reads and parses one file. Default: in this thread. The extension passes its worker's `parse`
   * so decoding a large .bib never runs on the extension host's thread.
   */
  parse?: (file: string) => Promise<Pick<ReturnType<typeof parseBibliography>, 'records' | 'diagnostics' | 'linkedBibliographies'>>;
  /**
   * Precomputed vectors (e.g. Semantic Scholar's SPECTER2, core/remote/s2VectorSource.ts), asked
   * before the embedder for the rows it `covers` (a DOI / arXiv id). Its vectors must be in the
   * store's vector space; rows it has no vector for go to the embedder (when there is one).
   */
  vectorSource?: VectorSource;
}

export interface VectorSource {
  /** Recorded in the rows' `vector_source` column. */
  readonly name: string;
  covers(row: IndexRow): boolean;
  /** uid → vector for the rows it has one for. */
  vectorsFor(rows: readonly IndexRow[], opts: { signal?: AbortSignal }): Promise<Map<string, Float32Array>>;
}

export interface IndexSummary {
  /** Files read and parsed. */
  files: number;
  /** Entries now indexed from those files. */
  entries: number;
  /** Entries sent to the embedder in this run. */
  embedded: number;
  /** Entries whose vector came from `vectorSource` in this run. */
  sourced: number;
  /** Entries written with a vector reused from the table or the shared vector cache. */
  reused: number;
  /** Of `reused`, the vectors that came from the shared vector cache. */
  fromCache: number;
  /** Entries whose stored line changed (positions rewritten, no paper row touched). */
  moved: number;
  /** Rows deleted because their entry is gone. */
  removed: number;
  /** Entries (new or changed) written without a vector: no model, or neither title nor abstract. */
  withoutVector: number;
  /** Rows whose metadata changed but whose text did not (rewritten without embedding). */
  updated: number;
  /** Rows left exactly as they were. */
  unchanged: number;
  /** Entries per file read (after the duplicate-key rule), in the order read. */
  perFile: { file: string; entries: number }[];
  /** Wall time per phase, for benchmarks and logs. */
  timingsMs: { parse: number; diff: number; write: number; finish: number; lexicalReadyMs?: number };
  /** True when no vectors could be made (no embedder, or a lexical-only store). */
  lexicalOnly: boolean;
  diagnostics: SourceDiagnostic[];
}

const META_CHUNK = 1000;

export function indexFiles(paths: readonly string[], opts: IndexFilesOptions): Promise<IndexSummary> {
  return opts.store.exclusive(() => indexFilesNow(paths, opts));
}

async function indexFilesNow(paths: readonly string[], opts: IndexFilesOptions): Promise<IndexSummary> {
  const { store, signal } = opts;
  const embedder = store.hasVectors ? opts.embedder : null;
  const source = store.hasVectors ? opts.vectorSource : undefined;
  if (embedder && store.space && (embedder.id !== store.space.embedderId || embedder.dim !== store.space.dim)) {
    throw new Error(`embedder ${embedder.id} (${embedder.dim}-d) does not match the index table's ${store.space.embedderId} (${store.space.dim}-d)`);
  }
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 32));
  const progress = opts.onProgress ?? (() => {});
  const diagnostics: SourceDiagnostic[] = [];

  const clock = phaseClock();
  // 1. Parse. Linked bibliographies (e.g. a Markdown front matter `bibliography:`) are followed once.
  const queue = [...new Set(paths.map((p) => path.resolve(p)))];
  const seen = new Set(queue);
  const readable = new Set<string>();
  const unreadable = new Set<string>();
  const desired = new Map<string, IndexRow>();
  const perFile: IndexSummary['perFile'] = [];
  for (let i = 0; i < queue.length; i++) {
    throwIfAborted(signal);
    const file = queue[i];
    const parsed = await parseOne(file, opts.cache, opts.parse);
    if ('error' in parsed) {
      unreadable.add(file);
      diagnostics.push({ file, line: 1, severity: 'error', message: `${parsed.error}; the entries indexed from it before are kept` });
      continue;
    }
    readable.add(file);
    diagnostics.push(...parsed.diagnostics);
    const firstLine = new Map<string, number>();
    for (const rec of parsed.records) {
      const prev = firstLine.get(rec.key);
      if (prev !== undefined) {
        if (!parsed.diagnostics.some((d) => d.key === rec.key && d.line === rec.line)) {
          diagnostics.push({ file, line: rec.line, key: rec.key, severity: 'warning', message: `duplicate key "${rec.key}" (first defined at line ${prev}); this entry is ignored` });
        }
        continue;
      }
      firstLine.set(rec.key, rec.line);
      const row = recordToRow({ ...rec, file });
      desired.set(row.uid, row);
    }
    perFile.push({ file, entries: firstLine.size });
    for (const linked of parsed.linked) {
      const abs = path.resolve(path.dirname(file), linked);
      if (!seen.has(abs)) { seen.add(abs); queue.push(abs); }
    }
    progress(0, 0, `parsed ${path.basename(file)}`);
  }

  // 2. Diff against what is stored.
  const parseMs = clock();
  const stored = await store.state();
  const inScope = (f: string) => (opts.scope === 'only' ? readable.has(f) : !unreadable.has(f));
  const byUid = new Map<string, StoredRowState>();
  const duplicated = new Set<string>();
  for (const s of stored) {
    if (byUid.has(s.uid)) duplicated.add(s.uid);
    byUid.set(s.uid, s);
  }
  const vectorHashes = new Set(stored.filter((s) => s.has_vector).map((s) => s.content_hash));
  const metaOnly: IndexRow[] = [];
  const toReuse: IndexRow[] = [];
  const toEmbed: IndexRow[] = [];
  const noVector: IndexRow[] = [];
  let unchanged = 0;
  for (const row of desired.values()) {
    const old = byUid.get(row.uid);
    const wantsVector = (embedder !== null && embeddable(row)) || source?.covers(row) === true;
    const vectorOk = (s: StoredRowState) => s.has_vector || !wantsVector;
    if (old && !duplicated.has(row.uid) && old.content_hash === row.content_hash && vectorOk(old)) {
      if (old.meta_hash === row.meta_hash) unchanged++;
      else metaOnly.push(row);
    } else if (store.hasVectors && vectorHashes.has(row.content_hash)) {
      toReuse.push(row);
    } else if (wantsVector) {
      toEmbed.push(row);
    } else {
      noVector.push(row);
    }
  }
  const removed = stored.filter((s) => inScope(s.file) && !desired.has(s.uid)).map((s) => s.uid);

  const diffMs = clock();
  const t0 = performance.now();
  // 3. Write. Rows whose uid appears twice (not produced by this code; e.g. a foreign writer) are
  //    removed first so that the merge below has one match per uid.
  const total = metaOnly.length + toReuse.length + toEmbed.length + noVector.length;
  let done = 0;
  const committed = (n: number, what: string) => { done += n; progress(done, total, what); };
  if (duplicated.size) await store.deleteUids([...duplicated]);

  // 3a. Positions: only files where some entry's line changed (or that are new) are rewritten.
  const moved = await writePositions(store, desired, readable);

  for (const batch of chunks(metaOnly, META_CHUNK)) {
    throwIfAborted(signal);
    await store.updateMeta(batch);
    committed(batch.length, 'updated metadata');
  }
  for (const batch of chunks(noVector, META_CHUNK)) {
    throwIfAborted(signal);
    await store.upsert(batch.map((r) => ({ ...r, vector: null })));
    committed(batch.length, embedder ? 'stored entries without text' : 'stored entries (no model: lexical only)');
  }
  let reused = 0;
  for (const batch of chunks(toReuse, META_CHUNK)) {
    throwIfAborted(signal);
    const vectors = await store.vectorsByContentHash(batch.map((r) => r.content_hash));
    const rows = batch.map((r) => ({ ...r, vector: vectors.get(r.content_hash) ?? null, vector_source: source?.name ?? 'local' }));
    // A vector can vanish between the diff and this read only if another writer deleted it; embed those.
    const missing = rows.filter((r) => r.vector === null && embedder !== null && embeddable(r));
    const ready = rows.filter((r) => !missing.includes(r));
    await store.upsert(ready);
    reused += ready.filter((r) => r.vector !== null).length;
    toEmbed.push(...missing);
    committed(ready.length, 'reused stored vectors');
  }
  // 3b. The shared vector cache: papers embedded for another workspace (or by the CLI) cost nothing.
  let fromCache = 0;
  const cache = embedder ? opts.vectorCache : null;
  if (cache && toEmbed.length) {
    let cached = new Map<string, Float32Array>();
    try {
      cached = await cache.get(toEmbed.map((r) => r.content_hash));
    } catch (e) {
      opts.onWarning?.(`the shared vector cache could not be read (${firstLine(e)}); embedding with the model instead`);
    }
    const hit = toEmbed.filter((r) => cached.has(r.content_hash));
    for (const batch of chunks(hit, META_CHUNK)) {
      throwIfAborted(signal);
      await store.upsert(batch.map((r) => ({ ...r, vector: cached.get(r.content_hash)! })));
      committed(batch.length, 'reused cached vectors');
    }
    fromCache = hit.length;
    reused += hit.length;
    const rest = toEmbed.filter((r) => !cached.has(r.content_hash));
    toEmbed.length = 0;
    toEmbed.push(...rest);
  }
  // 3c. Lexical first: what still needs the model is stored (and full-text indexed) before any model call.
  if (embedder && toEmbed.length) {
    for (const batch of chunks(toEmbed, META_CHUNK)) {
      throwIfAborted(signal);
      await store.upsert(batch.map((r) => ({ ...r, vector: null })));
    }
    await store.finishWrites();
    progress(done, total, 'searchable (full text); embedding');
  }
  const lexicalReadyMs = Math.round(performance.now() - t0);
  let embedded = 0;
  let sourced = 0;
  if ((embedder || source) && toEmbed.length) {
    const before = await store.embeddingProgress();
    let embeddedRows = 0;
    const known = new Map<string, Float32Array>();
    const compactEvery = Math.max(1, opts.compactEvery ?? 16);
    let batches = 0;
    // Time left, from the token counts of what remains (core/index/eta.ts; checked by bench/eta.ts).
    const tokensOf = (r: IndexRow) => approxTokens(`${r.title} [SEP] ${r.has_abstract ? r.abstract : ''}`);
    const eta = new EtaEstimator(toEmbed.map(tokensOf));
    eta.start(performance.now());
    // Precomputed vectors are asked for in larger batches (one API call serves up to 500 ids).
    for (const batch of chunks(toEmbed, source ? Math.max(batchSize, 500) : batchSize)) {
      throwIfAborted(signal);
      const fromSource = source ? await source.vectorsFor(batch.filter((r) => source.covers(r)), { signal }) : new Map<string, Float32Array>();
      sourced += fromSource.size;
      // Identical title+abstract within this run (the same paper in two files) is embedded once.
      const need = embedder ? [...new Map(batch.filter((r) => !fromSource.has(r.uid) && !known.has(r.content_hash) && embeddable(r)).map((r) => [r.content_hash, r])).values()] : [];
      if (embedder && need.length) {
        const vectors = await embedder.embedPapers(need.map((r) => ({ title: r.title, abstract: r.has_abstract ? r.abstract : null })), { signal });
        checkVectors(vectors, need.length, embedder.dim, embedder.id);
        need.forEach((r, i) => known.set(r.content_hash, vectors[i]));
        embedded += need.length;
      }
      await store.upsert(batch.map((r) => (fromSource.has(r.uid)
        ? { ...r, vector: fromSource.get(r.uid)!, vector_source: source!.name }
        : { ...r, vector: known.get(r.content_hash) ?? null, vector_source: 'local' })));
      if (cache && need.length) {
        await cache.put(need.map((r) => ({ contentHash: r.content_hash, vector: known.get(r.content_hash)! })))
          .catch((e) => opts.onWarning?.(`the shared vector cache could not be written (${firstLine(e)})`));
      }
      embeddedRows += batch.length;
      eta.batchDone(batch.map(tokensOf), performance.now());
      committed(batch.length, 'embedded entries');
      opts.onEmbedProgress?.(Math.min(before.embeddable, before.embedded + embeddedRows), before.embeddable, eta.remainingMs(performance.now()));
      if (++batches % compactEvery === 0) await store.compact();
    }
    // The rows just rewritten with their vectors are outside the full-text index (LanceDB searches them,
    // but unranked: see search.ts textList); fold them in unless they are a handful (a one-entry edit).
    if (batches % compactEvery !== 0 && embeddedRows >= Math.min(256, Math.max(16, before.total * 0.05))) await store.compact();
  }
  throwIfAborted(signal);
  await store.deleteUids(removed);
  const writeMs = clock();
  await store.finishWrites();
  const finishMs = clock();

  return {
    files: readable.size,
    entries: desired.size,
    embedded,
    sourced,
    reused,
    fromCache,
    moved,
    removed: removed.length,
    updated: metaOnly.length,
    withoutVector: noVector.length,
    unchanged,
    perFile,
    timingsMs: { parse: parseMs, diff: diffMs, write: writeMs, finish: finishMs, lexicalReadyMs },
    lexicalOnly: embedder === null,
    diagnostics,
  };
}

/** Removes the rows of files that no longer exist (a watcher's delete event). */
export function removeFiles(store: IndexStore, files: readonly string[]): Promise<number> {
  return store.exclusive(async () => {
    const abs = new Set(files.map((f) => path.resolve(f)));
    const uids = (await store.state([...abs])).map((s) => s.uid);
    await store.deleteUids(uids);
    await store.finishWrites();
    return uids.length;
  });
}

/**
 * Rewrites the positions of the files (of this run) in which an entry is new or moved; returns how
 * many entries moved. Two commits for any number of shifted lines.
 */
async function writePositions(store: IndexStore, desired: Map<string, IndexRow>, files: Set<string>): Promise<number> {
  const stored = await store.positions([...files]);
  const changed = new Set<string>();
  let moved = 0;
  for (const r of desired.values()) {
    const line = stored.get(r.uid);
    if (line !== r.line) {
      changed.add(r.file);
      if (line !== undefined) moved++;
    }
  }
  // A file whose entries were only removed also needs its stale positions dropped (deleteUids does it).
  if (changed.size === 0) return 0;
  const rows: PositionRow[] = [];
  for (const r of desired.values()) if (changed.has(r.file)) rows.push({ uid: r.uid, file: r.file, key: r.key, line: r.line });
  await store.writePositions([...changed], rows);
  return moved;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** Returns a function giving the ms since the previous call. */
function phaseClock(): () => number {
  let last = performance.now();
  return () => {
    const now = performance.now();
    const ms = Math.round(now - last);
    last = now;
    return ms;
  };
}

function embeddable(r: IndexRow): boolean {
  return r.title.trim().length > 0 || r.abstract.trim().length > 0;
}

type Parsed =
  | { records: ReturnType<typeof parseBibliography>['records']; diagnostics: SourceDiagnostic[]; linked: string[] }
  | { error: string };

async function parseOne(file: string, cache: EntryCache | undefined, parse: IndexFilesOptions['parse']): Promise<Parsed> {
  if (parse) {
    try {
      const res = await parse(file);
      return { records: res.records, diagnostics: res.diagnostics, linked: res.linkedBibliographies ?? [] };
    } catch (e) {
      return { error: `cannot parse ${file}: ${(e as Error).message.split('\n')[0]}` };
    }
  }
  let bytes: Uint8Array;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return { error: `cannot read ${file}: ${code === 'ENOENT' ? 'file not found' : code === 'EACCES' ? 'permission denied' : (e as Error).message}` };
  }
  try {
    // Loaded on first use: the extension host always passes `parse` (its worker), so it never loads the parsers.
    const { parseBibliography: parseInThread } = await import('../bib');
    const res = parseInThread(file, bytes, cache ? { cache } : undefined);
    return { records: res.records, diagnostics: res.diagnostics, linked: res.linkedBibliographies ?? [] };
  } catch (e) {
    // The parser is meant to report, not throw; if it throws anyway, the file is skipped, not the run.
    return { error: `cannot parse ${file}: ${(e as Error).message.split('\n')[0]}` };
  }
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('indexing cancelled', 'AbortError');
}

function chunks<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
