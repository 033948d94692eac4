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
import { IndexStore, DISPLAY_COLUMNS, toEntry, type StoredEntry } from '../core/index/store';
import { indexFiles, removeFiles } from '../core/index/indexer';
import { search, similarTo } from '../core/index/search';
import { NativeUnavailableError } from '../core/index/nativeLoader';
import { entriesByKey } from './paperHit';
import { entryToPaper, hitToPaper } from '../core/index/paper';
import { WorkerClient } from '../../models/worker/client';
import { ModelManager } from './modelManager';
import { BibWatcher, type WatchBatch } from './bibWatcher';
import { SharedIndexHost } from './sharedIndex';
import { SemanticScholarHost } from './semanticScholar';

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
  private readonly disposables: vscode.Disposable[] = [];
  private store?: IndexStore;
  private storeSpace?: string;
  /** The open in progress: opens are serialised (two concurrent LanceDB opens of one table race). */
  private opening?: Promise<IndexStore | undefined>;
  private statusValue: IndexStatus;
  private entries = new Map<string, StoredEntry>();
  /** Diagnostics per file, replaced file by file as files are re-parsed. */
  private readonly diagnostics = new Map<string, SourceDiagnostic[]>();
  private queue: Promise<unknown> = Promise.resolve();
  private running?: AbortController;
  private started = false;
  /** relatedPapers.sharedIndex: the lab's index, fused into every search (read-only). */
  private readonly shared: SharedIndexHost;
  /** relatedPapers.semanticScholar.vectors: precomputed SPECTER2 vectors (opt-in, identifiers only). */
  private readonly s2: SemanticScholarHost;

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: vscode.LogOutputChannel) {
    // The worker script is located from the extension's own URI (works from a .vsix and from source).
    this.worker = new WorkerClient(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath);
    this.worker.onCrash = (m) => log.error(m);
    this.model = new ModelManager(this.worker, context.globalStorageUri.fsPath, log);
    this.statusValue = { entries: 0, files: 0, model: { kind: 'loading' }, lexicalOnly: false };
    this.shared = new SharedIndexHost(log);
    this.s2 = new SemanticScholarHost(context, log);
    this.s2.library = () => this.entries;
    this.disposables.push(
      this.model,
      this.shared,
      this.s2,
      this.model.onDidChange((m) => this.setStatus({ model: m, lexicalOnly: m.kind !== 'ready' })),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('relatedPapers.modelFolder') || e.affectsConfiguration('relatedPapers.precision')) {
          void this.model.reset().then(() => this.enqueueFullIndex());
        } else if (e.affectsConfiguration('relatedPapers.include') || e.affectsConfiguration('relatedPapers.exclude') || e.affectsConfiguration('relatedPapers.semanticScholar')) {
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
    this.disposables.push(new BibWatcher((b) => this.onFilesChanged(b)));
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
          const sub = this.onDidChangeStatus((s) => s.indexing && progress.report({ message: `Indexed ${s.indexing.done} of ${s.indexing.total}` }));
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
    const store = await this.openStore();
    if (!store) return;
    const files = await this.findFiles();
    const embedder = await this.model.ensure();
    this.running = new AbortController();
    signal.addEventListener('abort', () => this.running?.abort(), { once: true });
    this.setStatus({ files: files.length, indexing: { done: 0, total: files.length, message: 'reading bibliographies' } });
    try {
      const vectorSource = await this.s2.source();
      const summary = await indexFiles(files, {
        store,
        embedder: ownEmbedder(store, embedder),
        vectorSource,
        signal: this.running.signal,
        parse: (file) => this.worker.call('parse', { file }),
        onProgress: (done, total, message) => {
          this.setStatus({ indexing: { done, total, message } });
          progress?.(done, total, message);
        },
      });
      this.s2.reportRun(vectorSource);
      this.log.info(`index: ${summary.files} files, ${summary.entries} entries; embedded ${summary.embedded}, s2 vectors ${summary.sourced}, reused ${summary.reused}, updated ${summary.updated}, removed ${summary.removed}, ${summary.diagnostics.length} diagnostics`);
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
      const store = await this.openStore();
      if (!store) return;
      if (b.deleted.length) {
        const n = await removeFiles(store, b.deleted);
        for (const f of b.deleted) this.diagnostics.delete(f);
        this.log.info(`index: ${b.deleted.length} files deleted, ${n} rows removed`);
      }
      if (b.changed.length) {
        const embedder = await this.model.ensure();
        const summary = await indexFiles(b.changed, {
          store,
          embedder: ownEmbedder(store, embedder),
          vectorSource: await this.s2.source(),
          scope: 'only',
          parse: (file) => this.worker.call('parse', { file }),
        });
        this.addDiagnostics(b.changed, summary.diagnostics);
        this.log.info(`index: ${b.changed.length} changed files; embedded ${summary.embedded}, reused ${summary.reused}, removed ${summary.removed}`);
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

  /**
   * Opens the table for the current model's vector space (or the lexical one without a model).
   * A model change opens a different table: vectors of two models never mix.
   */
  private openStore(): Promise<IndexStore | undefined> {
    const previous = this.opening ?? Promise.resolve(undefined);
    const next = previous.catch(() => undefined).then(() => this.openStoreNow());
    this.opening = next;
    return next;
  }

  private async openStoreNow(): Promise<IndexStore | undefined> {
    const embedder = await this.model.ensure();
    const space = this.s2.space(embedder ? { embedderId: embedder.id, dim: embedder.dim } : null);
    const spaceId = space ? `${space.embedderId}/${space.dim}` : 'lexical';
    if (this.store && this.storeSpace === spaceId) return this.store;
    this.store?.close();
    this.store = undefined;
    const dir = path.join(this.context.globalStorageUri.fsPath, 'index');
    const workspace = (vscode.workspace.workspaceFolders ?? []).map((f) => f.uri.toString()).join('|') || 'no-workspace';
    try {
      const store = space
        ? await IndexStore.open({ dir, workspace, space })
        : await IndexStore.openLatest({ dir, workspace });
      if (store.rebuilt) {
        this.log.warn(`index: ${store.rebuilt.reason}`);
        void vscode.window.showWarningMessage(`Related Papers: ${store.rebuilt.reason}. It is being re-indexed.`);
      }
      this.store = store;
      this.storeSpace = spaceId;
      this.setStatus({ storageError: undefined, lexicalOnly: !store.hasVectors });
      return store;
    } catch (e) {
      const message = e instanceof NativeUnavailableError ? e.info.userMessage : `the index could not be opened: ${(e as Error).message}`;
      this.log.error(`index: ${message}`);
      this.setStatus({ storageError: message });
      return undefined;
    }
  }

  private async findFiles(): Promise<string[]> {
    const cfg = vscode.workspace.getConfiguration('relatedPapers');
    const include = cfg.get<string[]>('include', ['**/*.bib']);
    const exclude = cfg.get<string[]>('exclude', []);
    const excludeGlob = exclude.length ? `{${exclude.join(',')}}` : undefined;
    const found = new Set<string>();
    for (const glob of include) {
      for (const uri of await vscode.workspace.findFiles(glob, excludeGlob)) {
        if (uri.scheme === 'file') found.add(uri.fsPath);
      }
    }
    return [...found].sort();
  }

  private async refreshEntries(): Promise<void> {
    const store = this.store;
    if (!store) return;
    const rows = await store.table.query().select([...DISPLAY_COLUMNS]).toArray();
    const entries = entriesByKey(rows.map(toEntry));
    this.entries = entries;
    this.setStatus({ entries: entries.size });
  }

  async suggest(text: string, opts: QueryOptions): Promise<PaperHit[]> {
    const store = await this.openStore();
    if (!store) return [];
    const embedder = ownEmbedder(store, await this.model.ensure());
    const queryVector = embedder ? (await embedder.embedQueries([text], { signal: opts.signal }))[0] : undefined;
    return this.shared.search({ queryVector, text, k: opts.k, excludeKeys: opts.excludeKeys, minScore: opts.minScore, signal: opts.signal }, (q) => search(store, q), store, this.entries.values());
  }

  async similar(key: string, opts: QueryOptions): Promise<PaperHit[]> {
    const store = await this.openStore();
    if (!store) return [];
    const personal = () => similarTo(store, key, opts.k, { excludeKeys: opts.excludeKeys, minScore: opts.minScore });
    return (await this.shared.similar(store, key, personal, this.entries.values(), opts.k)) ?? (await personal()).map(hitToPaper);
  }

  lookup(key: string): PaperHit | undefined {
    const e = this.entries.get(key);
    return e ? entryToPaper(e, 0) : this.shared.lookup(key);
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
    this.store?.close();
    void this.worker.dispose();
  }
}

/** The model's embedder only for a table of its own vector space (never into S2's, or another model's). */
function ownEmbedder<E extends { id: string; dim: number }>(store: IndexStore, embedder: E | null): E | null {
  return embedder && store.space && store.space.embedderId === embedder.id && store.space.dim === embedder.dim ? embedder : null;
}
