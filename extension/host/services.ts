/**
 * The services behind the UI (implements serviceApi.ts): find the workspace's bibliographies,
 * index them incrementally into LanceDB (parsing and embedding in the ONE worker thread), keep the
 * index current as files change, and answer suggestion / similar-paper queries.
 *
 * Nothing heavy happens at construction: the worker, LanceDB and the model load on `start()` or on
 * the first query. Index runs are serialised; queries run alongside them.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IndexStatus, PaperHit, QueryOptions, Services } from './serviceApi';
import type { SourceDiagnostic } from '../core/types';
import type { CatalogEntry, StoredEntry } from '../core/index/store';
import { NativeUnavailableError } from '../core/index/nativeLoader';
import { BibliographyFilter, enabledGlobs } from '../core/bib/fileFilter';
import { entryToPaper, hitToPaper } from '../core/index/paper';
import { Library, embeddingProgressText } from '../core/app/library';
import { contentHash } from '../core/index/schema';
import { formatEta } from '../core/index/eta';
import type { SampleCandidate } from '../core/index/precisionChoice';
import { SharedIndexHost } from './sharedIndex';
import { SemanticScholarHost } from './semanticScholar';
import { deleteStorage, listStorage, type StorageItem } from '../core/app/storage';
import { WorkerClient } from '../worker/client';
import { ModelManager } from './modelManager';
import { BibWatcher, type WatchBatch } from './bibWatcher';
import { catalogEntry, type CatalogEntry as CitationEntry } from '../core/citations/catalog';

/** A run that takes longer than this also gets a cancellable notification (short runs stay quiet). */
const NOTIFY_AFTER_MS = 2000;

export function createServices(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Services {
  return new WorkspaceServices(context, log);
}

class WorkspaceServices implements Services {
  private readonly statusEmitter = new vscode.EventEmitter<IndexStatus>();
  readonly onDidChangeStatus = this.statusEmitter.event;
  private readonly diagEmitter = new vscode.EventEmitter<SourceDiagnostic[]>();
  readonly onDidChangeDiagnostics = this.diagEmitter.event;

  private readonly worker: WorkerClient;
  private readonly model: ModelManager;
  /** The application layer (core/app): tables, vector cache, indexing and search rules shared with the CLI. */
  private readonly library: Library;
  /** relatedPapers.sharedIndex: the lab's index, fused into every search (read-only). */
  private readonly shared: SharedIndexHost;
  /** relatedPapers.semanticScholar.vectors: precomputed SPECTER2 vectors (opt-in, identifiers only). */
  private readonly s2: SemanticScholarHost;
  private readonly disposables: vscode.Disposable[] = [];
  private statusValue: IndexStatus;
  /** One compact row per key (no abstracts: the host never holds every abstract), for lookup/cited marks. */
  private entries: ReadonlyMap<string, CatalogEntry> = new Map();
  /** The indexed files and their rows (for the panel's file filter). */
  private files: { file: string; entries: number }[] = [];
  /** Diagnostics per file, replaced file by file as files are re-parsed. */
  private readonly diagnostics = new Map<string, SourceDiagnostic[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private running?: AbortController;
  private started = false;
  private readonly rebuiltShown = new Set<string>();
  /** "about 12 min left" while embedding (core/index/eta.ts), for the progress notification. */
  private etaText = '';
  private readonly indexDir: string;
  private readonly vectorCacheDir: string;

  constructor(context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    // The worker script is located from the extension's own URI (works from a .vsix and from source).
    this.worker = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath);
    this.worker.onCrash = (m) => log.error(`${m}; the next request starts a fresh worker`);
    this.worker.onRestart = (n) => log.info(`worker: restarted (${n} so far); the model was reloaded`);
    const workspace = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()).join('|') || 'no-workspace';
    this.model = new ModelManager(this.worker, context.globalStorageUri.fsPath, log, () => this.precisionSample(), workspace);
    this.indexDir = path.join(context.globalStorageUri.fsPath, 'index');
    // Shared by every workspace (and multi-root folder) of this user, and the CLI's default location.
    this.vectorCacheDir = process.env.RELATED_PAPERS_VECTOR_CACHE ?? path.join(context.globalStorageUri.fsPath, 'vector-cache');
    this.shared = new SharedIndexHost(log);
    this.s2 = new SemanticScholarHost(context, log);
    this.s2.library = () => this.entries;
    this.library = new Library({
      space: (m) => this.s2.space(m),
      vectorSource: () => this.s2.source(),
      dbDir: this.indexDir,
      workspace,
      model: this.model,
      vectorCacheDir: this.vectorCacheDir,
      parse: (file) => this.worker.call('parse', { file }),
      log: { info: (m) => log.info(m), warn: (m) => log.warn(m) },
    });
    this.statusValue = { entries: 0, files: 0, model: { kind: 'loading' }, lexicalOnly: false };
    this.disposables.push(
      this.model,
      this.shared,
      this.s2,
      this.model.onDidChange((m) => this.setStatus({ model: m, lexicalOnly: m.kind !== 'ready', testModel: m.kind === 'ready' && this.model.testModel, precisionNote: m.kind === 'ready' ? this.model.precisionNote : undefined })),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('relatedPapers.modelFolder') || e.affectsConfiguration('relatedPapers.precision') || e.affectsConfiguration('relatedPapers.autoPrecisionThreshold')) {
          void this.model.reset().then(() => this.enqueueFullIndex());
        } else if (e.affectsConfiguration('relatedPapers.include') || e.affectsConfiguration('relatedPapers.exclude') || e.affectsConfiguration('files.exclude') || e.affectsConfiguration('relatedPapers.semanticScholar.vectors')) {
          this.enqueueFullIndex();
        }
      }),
    );
  }

  status(): IndexStatus {
    return this.statusValue;
  }

  start(): void {
    if (this.started) return;
    this.watchFiles();
    this.enqueueFullIndex();
  }

  private watchFiles(): void {
    if (this.started) return;
    this.started = true;
    this.disposables.push(new BibWatcher((b) => this.onFilesChanged(b), (uri) => {
      const { include, exclude } = this.fileRule();
      return new BibliographyFilter(include, exclude).accepts(vscode.workspace.asRelativePath(uri, false));
    }));
  }

  /** Background full index with window progress, escalated to a cancellable notification when slow. */
  private enqueueFullIndex(): void {
    const ctl = new AbortController();
    // Background runs report failures to the log (the UI shows the state); a cancel is not a failure.
    const run = this.serialise(() => this.runIndex(ctl.signal)).catch((e) => {
      if (!ctl.signal.aborted) this.log.error(`indexing failed: ${(e as Error).message}`);
    });
    void vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Related Papers: indexing' }, () => run);
    const timer = setTimeout(() => {
      void vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: 'Related Papers: indexing bibliographies', cancellable: true },
        (progress, token) => {
          token.onCancellationRequested(() => ctl.abort());
          const sub = this.onDidChangeStatus((s) => {
            if (!s.indexing) return;
            // While embedding: "3,120 of 10,569 papers embedded — about 12 min left" (estimate from token counts).
            const message = s.embedding && s.embedding.embedded < s.embedding.embeddable
              ? `${embeddingProgressText(s.embedding)}${this.etaText ? ` — ${this.etaText}` : ''} (searchable now)`
              : `Indexed ${s.indexing.done} of ${s.indexing.total}`;
            progress.report({ message });
          });
          return run.finally(() => sub.dispose());
        },
      );
    }, NOTIFY_AFTER_MS);
    void run.finally(() => clearTimeout(timer));
  }

  async reindex(progress?: (done: number, total: number, message?: string) => void, signal?: AbortSignal): Promise<void> {
    this.watchFiles();
    const ctl = new AbortController();
    signal?.addEventListener('abort', () => ctl.abort(), { once: true });
    await this.serialise(() => this.runIndex(ctl.signal, progress));
  }

  private serialise<T>(job: () => Promise<T>): Promise<T> {
    const p = this.queue.then(job, job);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private async runIndex(signal: AbortSignal, progress?: (done: number, total: number, message?: string) => void): Promise<void> {
    if (!(await this.openStore())) return;
    const files = await this.findFiles();
    this.running = new AbortController();
    signal.addEventListener('abort', () => this.running?.abort(), { once: true });
    this.setStatus({ files: files.length, indexing: { done: 0, total: files.length, message: 'reading bibliographies' } });
    try {
      const summary = await this.library.index(files, {
        signal: this.running.signal,
        restarts: () => this.worker.restarts,
        onProgress: (done, total, message) => {
          this.setStatus({ indexing: { done, total, message } });
          progress?.(done, total, message);
        },
        onEmbedProgress: (embedded, embeddable, remainingMs) => {
          this.etaText = formatEta(remainingMs);
          this.setStatus({ embedding: { embedded, embeddable } });
        },
      });
      this.log.info(`index: ${summary.files} files, ${summary.entries} entries; embedded ${summary.embedded}, reused ${summary.reused} (${summary.fromCache} from the shared cache), updated ${summary.updated}, moved ${summary.moved}, removed ${summary.removed}, ${summary.diagnostics.length} diagnostics${summary.workerRestarts ? `, ${summary.workerRestarts} worker restarts` : ''}; lexical search ready after ${summary.timingsMs.lexicalReadyMs ?? 0} ms of writing`);
      this.diagnostics.clear();
      this.addDiagnostics(files, summary.diagnostics);
    } finally {
      this.running = undefined;
      await this.refreshEntries();
      this.setStatus({ indexing: undefined });
    }
  }

  private onFilesChanged(b: WatchBatch): void {
    void this.serialise(async () => {
      if (!(await this.openStore())) return;
      if (b.deleted.length) {
        const n = await this.library.removeFiles(b.deleted);
        for (const f of b.deleted) this.diagnostics.delete(f);
        this.log.info(`index: ${b.deleted.length} files deleted, ${n} rows removed`);
      }
      if (b.changed.length) {
        const summary = await this.library.index(b.changed, { scope: 'only', restarts: () => this.worker.restarts });
        this.addDiagnostics(b.changed, summary.diagnostics);
        this.log.info(`index: ${b.changed.length} changed files; embedded ${summary.embedded}, reused ${summary.reused}, moved ${summary.moved}, removed ${summary.removed}`);
      }
      this.diagEmitter.fire([...this.diagnostics.values()].flat());
      await this.refreshEntries();
    }).catch((e) => this.log.error(`index update failed: ${(e as Error).message}`));
  }

  private addDiagnostics(files: string[], diags: SourceDiagnostic[]): void {
    for (const f of files) this.diagnostics.set(f, []);
    for (const d of diags) {
      const list = this.diagnostics.get(d.file) ?? [];
      list.push(d);
      this.diagnostics.set(d.file, list);
    }
    this.diagEmitter.fire([...this.diagnostics.values()].flat());
  }

  /** Opens the index table (the library picks it by model); a failure becomes a status the UI shows. */
  private async openStore(): Promise<boolean> {
    try {
      const store = await this.library.open();
      if (store.rebuilt && !this.rebuiltShown.has(store.tableName)) {
        this.rebuiltShown.add(store.tableName);
        void vscode.window.showWarningMessage(`Related Papers: ${store.rebuilt.reason}. It is being re-indexed.`);
      }
      this.setStatus({ storageError: undefined, lexicalOnly: !store.hasVectors || this.model.current.kind !== 'ready' });
      return true;
    } catch (e) {
      const message = e instanceof NativeUnavailableError ? e.info.userMessage : `the index could not be opened: ${(e as Error).message}`;
      this.log.error(`index: ${message}`);
      this.setStatus({ storageError: message });
      return false;
    }
  }

  /**
   * The workspace's bibliographies by THE rule the watcher applies too (core/bib/fileFilter.ts): the
   * include globs, minus relatedPapers.exclude AND files.exclude (findFiles' exclude argument would
   * replace files.exclude, so both are merged), and bibliography names only (no package.json, CI YAML).
   */
  private async findFiles(): Promise<string[]> {
    const { include, exclude } = this.fileRule();
    const excludeGlob = exclude.length ? `{${exclude.join(',')}}` : undefined;
    const filter = new BibliographyFilter(include, exclude);
    const found = new Set<string>();
    for (const glob of include) {
      for (const uri of await vscode.workspace.findFiles(glob, excludeGlob)) {
        if (uri.scheme === 'file' && filter.accepts(vscode.workspace.asRelativePath(uri, false))) found.add(uri.fsPath);
      }
    }
    return [...found].sort();
  }

  private fileRule(): { include: string[]; exclude: string[] } {
    const cfg = vscode.workspace.getConfiguration('relatedPapers');
    const include = cfg.get<string[]>('include', ['**/*.bib']);
    const exclude = [...cfg.get<string[]>('exclude', []), ...enabledGlobs(vscode.workspace.getConfiguration('files').get<Record<string, unknown>>('exclude'))];
    return { include, exclude };
  }

  private async refreshEntries(): Promise<void> {
    if (!this.library.current) return;
    const catalog = await this.library.catalog();
    const entries = await this.library.catalogByKey();
    this.entries = entries;
    this.files = await this.library.catalogFiles();
    const embedding = await this.library.embeddingProgress();
    this.setStatus({ entries: entries.size, embedding: { embedded: embedding.embedded, embeddable: embedding.embeddable } });
    this.citeCatalog = catalog.map(catalogEntry);
  }

  async suggest(text: string, opts: QueryOptions): Promise<PaperHit[]> {
    if (!(await this.openStore())) return [];
    // relatedPapers.fusion.vectorWeight only when the user set it: unset, search() applies its default (see search.ts).
    const w = vscode.workspace.getConfiguration('relatedPapers').inspect<number>('fusion.vectorWeight');
    const vectorWeight = w?.workspaceFolderValue ?? w?.workspaceValue ?? w?.globalValue;
    // With a shared index the query vector is made once here and used on both sides (same model only).
    const store = this.library.current;
    const embedder = this.shared.configured() ? await this.model.ensure() : null;
    const own = embedder && store?.space?.embedderId === embedder.id && store.space.dim === embedder.dim ? embedder : null;
    const queryVector = own && text.trim() ? (await own.embedQueries([text], { signal: opts.signal }))[0] : undefined;
    const personal = async () => {
      const r = await this.library.search({ text, k: opts.k, excludeKeys: opts.excludeKeys, files: opts.files, minScore: opts.minScore, signal: opts.signal, vectorWeight, ...(queryVector ? { queryVector } : {}) });
      if (r.embedding.embedded < r.embedding.embeddable) this.log.debug?.(`query during embedding: ${embeddingProgressText(r.embedding)}`);
      return r.hits;
    };
    return this.shared.search({ text, queryVector, k: opts.k, excludeKeys: opts.excludeKeys, minScore: opts.minScore, signal: opts.signal }, personal, store?.space ?? null, this.entries.values());
  }

  async similar(key: string, opts: QueryOptions): Promise<PaperHit[]> {
    if (!(await this.openStore())) return [];
    const personal = async () => (await this.library.similar(key, { k: opts.k, excludeKeys: opts.excludeKeys, files: opts.files, minScore: opts.minScore })).hits;
    const store = this.library.current;
    return (store && (await this.shared.similar(store, key, personal, this.entries.values(), opts.k))) ?? (await personal()).map(hitToPaper);
  }

  /** The user's own entries for the precision "auto" check: the workspace's bibliographies, parsed in the worker. */
  private async precisionSample(): Promise<SampleCandidate[]> {
    const out: SampleCandidate[] = [];
    for (const file of await this.findFiles()) {
      const parsed = await this.worker.call('parse', { file }).catch(() => undefined);
      for (const r of parsed?.records ?? []) out.push({ content_hash: contentHash(r.title ?? '', r.abstract ?? ''), title: r.title ?? '', abstract: r.abstract ?? null });
      if (out.length > 5000) break; // a sample of 64 by hash order needs no more
    }
    return out;
  }

  readonly outside = {
    feed: (citedKeys: readonly string[], signal?: AbortSignal) => this.s2.feed(citedKeys, signal),
    paper: (paperId: string) => this.s2.paper(paperId),
    add: (paperId: string) => this.s2.add(paperId),
    dismiss: (paperId: string) => this.s2.dismiss(paperId),
  };

  /** The worker's life so far (for the log and the tests): crashes and restarts. */
  workerHealth(): { crashes: number; restarts: number } {
    return { crashes: this.worker.crashCount, restarts: this.worker.restarts };
  }

  readonly storage = {
    list: async (): Promise<StorageItem[]> => {
      const embedder = await this.model.ensure();
      return listStorage({ index: this.indexDir, vectorCache: this.vectorCacheDir }, embedder?.id ?? null);
    },
    delete: (items: readonly StorageItem[]): Promise<number> => {
      // The open table is never among them (it belongs to the model in use), so no handle is pulled away.
      const open = this.library.current?.tableName;
      return deleteStorage(items.filter((i) => i.name !== open));
    },
  };

  /** The entry at `line` of `file` from the index's own positions (no scan of the document). */
  async entryAt(file: string, line: number): Promise<string | undefined> {
    if (!this.library.current) return undefined;
    return (await this.library.entryAt(file, line))?.key;
  }

  indexedFiles(): { file: string; entries: number }[] {
    return this.files;
  }

  // ---- citations in the line (host/providers): a compact catalog, abstracts on demand
  private citeCatalog: CitationEntry[] = [];

  citationCatalog(): readonly CitationEntry[] {
    return this.citeCatalog;
  }

  async entriesOf(key: string): Promise<StoredEntry[]> {
    if (!(await this.openStore())) return [];
    return this.library.lookup(key);
  }

  lookup(key: string): PaperHit | undefined {
    const e = this.entries.get(key);
    // Compact rows carry no abstract; the panel fetches abstracts with the hits it shows.
    return e ? entryToPaper({ ...e, type: '', abstract: '' }, 0) : this.shared.lookup(key);
  }

  ensureInLibrary(key: string): Promise<string | undefined> {
    return this.shared.ensureInLibrary(key, (k) => this.entries.has(k), () => this.entries.keys());
  }

  async downloadModel(): Promise<void> {
    if (await this.model.download()) this.enqueueFullIndex();
  }

  private setStatus(patch: Partial<IndexStatus>): void {
    const next: IndexStatus = { ...this.statusValue, ...patch };
    if ('indexing' in patch && patch.indexing === undefined) delete next.indexing;
    if ('storageError' in patch && patch.storageError === undefined) delete next.storageError;
    this.statusValue = next;
    this.statusEmitter.fire(next);
  }

  dispose(): void {
    this.running?.abort();
    for (const d of this.disposables) d.dispose();
    this.statusEmitter.dispose();
    this.diagEmitter.dispose();
    this.library.close();
    void this.worker.dispose();
  }
}

