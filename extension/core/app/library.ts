/**
 * THE application layer: one personal index of bibliographies, as used by the extension host
 * (extension/host/services.ts, thin) and by the CLI (extension/cli/). No `vscode` import; the
 * editor-specific parts (file discovery, watchers, progress UI) stay in the host.
 *
 * It owns the rules both front ends must share:
 * - which table a model's vectors live in (one per workspace × vector space; lexical without a model),
 *   re-opened when the model changes;
 * - indexing with the shared vector cache, lexical first, crash-safe (core/index/indexer.ts);
 * - searching: hybrid when the model is ready and the table holds its vectors, else lexical, and
 *   always reporting how far embedding has got;
 * - the compact catalogue of entries (no abstracts) and "which entry is at file:line".
 */
import type { Embedder } from '../index/embedder';
import { indexFiles, removeFiles, type IndexFilesOptions, type IndexSummary, type VectorSource } from '../index/indexer';
import type { VectorSpace } from '../index/schema';
import { search, similarTo, type Hit, type SearchMode } from '../index/search';
import { oneEntryPerKey } from '../index/paper';
import { IndexStore, type CatalogEntry, type EmbeddingProgress, type StoredEntry } from '../index/store';
import { VectorCache, type VectorCacheLike } from '../index/vectorCache';

export interface ModelProvider {
  /** The embedder of the current model, loading it on first use; null = no model (lexical only). */
  ensure(): Promise<Embedder | null>;
}

export interface LibraryLog {
  info(message: string): void;
  warn(message: string): void;
}

export interface LibraryOptions {
  /** Folder (or object-store URI) holding the index tables. */
  dbDir: string;
  /** Identity of the workspace (folder URIs); part of the table name. */
  workspace: string;
  model: ModelProvider;
  /** Folder of the shared vector cache; null = no cache. */
  vectorCacheDir: string | null;
  /** Reads and parses one file (the extension passes its worker's `parse`). */
  parse?: IndexFilesOptions['parse'];
  log?: LibraryLog;
  /** LanceDB storageOptions when `dbDir` is an object-store URI (branch remote, core/remote/objectStore.ts). */
  storageOptions?: Record<string, string>;
  /** Never create or rebuild a table (queries of a shared index on object storage). */
  readOnly?: boolean;
  /**
   * The table's vector space given the model's (branch remote): e.g. Semantic Scholar's S2_SPACE when
   * its vectors are opted in. The model's embedder then only serves a table of its own space.
   */
  space?: (model: VectorSpace | null) => VectorSpace | null;
  /** Precomputed vectors asked before the embedder (branch remote: core/remote/s2VectorSource.ts). */
  vectorSource?: () => Promise<VectorSource | undefined>;
}

export interface LibraryQuery {
  text: string;
  /** A query vector embedded already (batch callers); otherwise the text is embedded here. */
  queryVector?: Float32Array;
  k: number;
  excludeKeys?: readonly string[];
  files?: readonly string[];
  /** Drop hits whose calibrated relevance is below this (0..1). */
  minScore?: number;
  /** Weight of the vector ranking in the fusion (see core/index/search.ts); omitted = its default. */
  vectorWeight?: number;
  signal?: AbortSignal;
}

export interface LibraryResult {
  hits: Hit[];
  /** Which retrievers ran ('lexical' also when the model is not ready). */
  mode: SearchMode;
  /** How far embedding has got: the vector half covers `embedded` of `embeddable` entries. */
  embedding: EmbeddingProgress;
}

export type IndexRunSummary = IndexSummary & { workerRestarts: number };

const RECENT_QUERIES = 32;
const NO_LOG: LibraryLog = { info: () => {}, warn: () => {} };

export class Library {
  private store?: IndexStore;
  private storeSpace?: string;
  private opening?: Promise<IndexStore>;
  private cache?: { space: string; cache: VectorCacheLike | null };
  /** Embedding progress, kept current by index runs (counting rows on every query costs a scan). */
  private progressCache?: EmbeddingProgress;
  private catalogCache?: { entries: CatalogEntry[]; byFile: Map<string, CatalogEntry[]>; byKey: Map<string, CatalogEntry> };
  private readonly log: LibraryLog;
  /** Query vectors of the last texts (LRU), see queryVector. */
  private readonly recentQueries = new Map<string, Float32Array>();

  constructor(private readonly opts: LibraryOptions) {
    this.log = opts.log ?? NO_LOG;
  }

  /**
   * The table for the current model's vector space (or, without a model, the workspace's latest
   * table, searched lexically). Opens are serialised: two concurrent LanceDB opens of one table race.
   */
  open(): Promise<IndexStore> {
    const previous = this.opening ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.openNow());
    this.opening = next;
    return next;
  }

  private async openNow(): Promise<IndexStore> {
    const embedder = await this.opts.model.ensure();
    const modelSpace = embedder ? { embedderId: embedder.id, dim: embedder.dim } : null;
    const space = this.opts.space ? this.opts.space(modelSpace) : modelSpace;
    const spaceId = space ? `${space.embedderId}/${space.dim}` : 'lexical';
    if (this.store && this.storeSpace === spaceId) return this.store;
    this.store?.close();
    this.store = undefined;
    this.catalogCache = undefined;
    this.progressCache = undefined;
    const { dbDir: dir, workspace } = this.opts;
    const at = { dir, workspace, ...(this.opts.storageOptions ? { storageOptions: this.opts.storageOptions } : {}), ...(this.opts.readOnly ? { readOnly: true } : {}) };
    const store = space
      ? await IndexStore.open({ ...at, space })
      : await IndexStore.openLatest(at);
    if (store.rebuilt) this.log.warn(`index: ${store.rebuilt.reason}`);
    this.store = store;
    this.storeSpace = spaceId;
    return store;
  }

  /** The store if it is open already (no model load, no I/O). */
  get current(): IndexStore | undefined {
    return this.store;
  }

  private async vectorCache(embedder: Embedder | null): Promise<VectorCacheLike | null> {
    if (!embedder || this.opts.vectorCacheDir === null) return null;
    const space = `${embedder.id}/${embedder.dim}`;
    if (this.cache?.space === space) return this.cache.cache;
    let cache: VectorCacheLike | null = null;
    try {
      cache = await VectorCache.open(this.opts.vectorCacheDir, { embedderId: embedder.id, dim: embedder.dim });
    } catch (e) {
      this.log.warn(`the shared vector cache in ${this.opts.vectorCacheDir} cannot be used (${firstLine(e)}); entries are embedded without it`);
    }
    if (this.cache?.cache instanceof VectorCache) this.cache.cache.close();
    this.cache = { space, cache };
    return cache;
  }

  /** Incremental index of these files (see IndexFilesOptions.scope). */
  async index(files: readonly string[], run: Pick<IndexFilesOptions, 'scope' | 'signal' | 'onProgress' | 'onEmbedProgress' | 'batchSize'> & { restarts?: () => number } = {}): Promise<IndexRunSummary> {
    const store = await this.open();
    const embedder = ownEmbedder(store, await this.opts.model.ensure());
    const vectorSource = await this.opts.vectorSource?.();
    const restartsBefore = run.restarts?.() ?? 0;
    try {
      const summary = await indexFiles(files, {
        ...run,
        store,
        embedder,
        ...(vectorSource ? { vectorSource } : {}),
        parse: this.opts.parse,
        vectorCache: await this.vectorCache(embedder),
        onWarning: (m) => this.log.warn(m),
        onEmbedProgress: (embedded, embeddable, remainingMs) => {
          this.progressCache = { embedded, embeddable, total: this.progressCache?.total ?? embeddable };
          run.onEmbedProgress?.(embedded, embeddable, remainingMs);
        },
      });
      return { ...summary, workerRestarts: (run.restarts?.() ?? 0) - restartsBefore };
    } finally {
      this.catalogCache = undefined;
      this.progressCache = undefined;
    }
  }

  async removeFiles(files: readonly string[]): Promise<number> {
    const store = await this.open();
    try {
      return await removeFiles(store, files);
    } finally {
      this.catalogCache = undefined;
      this.progressCache = undefined;
    }
  }

  /** Free text (the cursor context, a search box) → ranked entries; hybrid when the model is ready. */
  async search(q: LibraryQuery): Promise<LibraryResult> {
    const store = await this.open();
    const embedder = ownEmbedder(store, await this.opts.model.ensure());
    const progress = await this.embeddingProgress();
    // Before any row has a vector the vector half can find nothing: answer lexically at once, without
    // waiting for the query embedding (the worker may be busy with the first batches).
    const queryVector = progress.embedded === 0 ? undefined
      : q.queryVector ?? (embedder && q.text.trim() ? await this.queryVector(embedder, q.text, q.signal) : undefined);
    const hits = await search(store, {
      text: q.text, queryVector, k: q.k, excludeKeys: q.excludeKeys, files: q.files, minScore: q.minScore, vectorWeight: q.vectorWeight,
      // The calibration (computed once per index) uses the query encoder for its query–entry pairs.
      embedQueries: embedder ? (t) => embedder.embedQueries(t) : undefined,
    });
    return { hits, mode: queryVector ? 'hybrid' : 'lexical', embedding: progress };
  }

  /**
   * The query vector of a text, remembered for the last few texts: the panel embeds the paragraph at
   * the cursor when the cursor rests, and the completion list opened in that paragraph asks for the
   * same text — it then costs a search, not a second model call. A vector depends only on the text and
   * the model, so the memory never goes stale.
   */
  private async queryVector(embedder: Embedder, text: string, signal?: AbortSignal): Promise<Float32Array> {
    const key = `${embedder.id}\u0000${text}`;
    const hit = this.recentQueries.get(key);
    if (hit) {
      this.recentQueries.delete(key);
      this.recentQueries.set(key, hit);
      return hit;
    }
    const [v] = await embedder.embedQueries([text], { signal });
    this.recentQueries.set(key, v);
    if (this.recentQueries.size > RECENT_QUERIES) this.recentQueries.delete(this.recentQueries.keys().next().value!);
    return v;
  }

  /**
   * Several queries at once: their texts are embedded in ONE call (the engine packs them into token
   * batches, far cheaper than one by one), then each is searched. The citation check uses it.
   */
  async searchMany(qs: readonly LibraryQuery[]): Promise<LibraryResult[]> {
    const store = await this.open();
    const embedder = ownEmbedder(store, await this.opts.model.ensure());
    const progress = await this.embeddingProgress();
    const need = embedder && progress.embedded > 0 ? qs.filter((q) => !q.queryVector && q.text.trim()) : [];
    const vectors = need.length ? await embedder!.embedQueries(need.map((q) => q.text), { signal: qs[0]?.signal }) : [];
    const byQuery = new Map(need.map((q, i) => [q, vectors[i]]));
    const out: LibraryResult[] = [];
    for (const q of qs) out.push(await this.search({ ...q, queryVector: q.queryVector ?? byQuery.get(q) }));
    return out;
  }

  /** Entries similar to the entry `key` (its proximity vector; lexical on its text without one). */
  async similar(key: string, q: Omit<LibraryQuery, 'text'>): Promise<LibraryResult> {
    const store = await this.open();
    const [hits, progress] = await Promise.all([
      similarTo(store, key, q.k, { excludeKeys: q.excludeKeys, files: q.files, minScore: q.minScore, vectorWeight: q.vectorWeight }),
      this.embeddingProgress(),
    ]);
    return { hits, mode: hits[0]?.mode ?? 'lexical', embedding: progress };
  }

  /** Every stored row with this key (several when files share a key), with its abstract. */
  async lookup(key: string): Promise<StoredEntry[]> {
    return (await this.open()).entriesByKey(key);
  }

  async embeddingProgress(): Promise<EmbeddingProgress> {
    if (this.progressCache) return this.progressCache;
    const p = await (await this.open()).embeddingProgress();
    this.progressCache = p;
    return p;
  }

  /** The compact catalogue (no abstracts), cached until the next index run. */
  async catalog(): Promise<CatalogEntry[]> {
    return (await this.catalogIndex()).entries;
  }

  /** One entry per key: a real key wins over a generated one (core/index/paper.ts oneEntryPerKey). */
  async catalogByKey(): Promise<ReadonlyMap<string, CatalogEntry>> {
    return (await this.catalogIndex()).byKey;
  }

  /** The indexed files with their number of rows, in file order. */
  async catalogFiles(): Promise<{ file: string; entries: number }[]> {
    return [...(await this.catalogIndex()).byFile].map(([file, list]) => ({ file, entries: list.length }));
  }

  /**
   * The entry of `file` whose definition starts at or before `line` (1-based): the .bib entry under
   * the cursor, from the parse's own line numbers — a binary search, not a scan of the document.
   */
  async entryAt(file: string, line: number): Promise<CatalogEntry | undefined> {
    const list = (await this.catalogIndex()).byFile.get(file);
    if (!list?.length) return undefined;
    let lo = 0;
    let hi = list.length - 1;
    let found: CatalogEntry | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid].line <= line) { found = list[mid]; lo = mid + 1; } else hi = mid - 1;
    }
    return found;
  }

  private async catalogIndex() {
    if (this.catalogCache) return this.catalogCache;
    const entries = await (await this.open()).catalog();
    const byFile = new Map<string, CatalogEntry[]>();
    for (const e of entries) {
      const list = byFile.get(e.file) ?? [];
      list.push(e);
      byFile.set(e.file, list);
    }
    this.catalogCache = { entries, byFile, byKey: oneEntryPerKey(entries) };
    return this.catalogCache;
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
    if (this.cache?.cache instanceof VectorCache) this.cache.cache.close();
    this.cache = undefined;
  }
}

/** "3,120 of 10,569 papers embedded" — the one wording of embedding progress (panel, status bar, CLI). */
export function embeddingProgressText(p: Pick<EmbeddingProgress, 'embedded' | 'embeddable'>): string {
  const n = (x: number) => x.toLocaleString('en-US');
  return `${n(p.embedded)} of ${n(p.embeddable)} papers embedded`;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

/** The model's embedder only for a table of its own vector space (never one of S2's vectors or another model's). */
function ownEmbedder(store: IndexStore, embedder: Embedder | null): Embedder | null {
  return embedder && store.space && store.space.embedderId === embedder.id && store.space.dim === embedder.dim ? embedder : null;
}
