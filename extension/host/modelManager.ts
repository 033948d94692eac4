/**
 * Which SPECTER2 model the extension uses and its life cycle in the embedding worker:
 * resolve (setting → downloaded copy in global storage → Hugging Face cache), load into the ONE
 * worker, expose it as the index's Embedder, and download it on request with cancellable progress.
 * Failures become a `ModelState` the UI shows with actions — never a stack trace.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ModelState } from './serviceApi';
import type { AdapterName, ModelDir, Precision } from '../../models/types';
import { resolveModelDir } from '../../models/acquire/resolve';
import { downloadModel, DownloadError } from '../../models/acquire/download';
import { loadManifest, type Manifest } from '../../models/acquire/manifest';
import { WorkerClient } from '../worker/client';
import { DOCUMENT_ADAPTER, QUERY_ADAPTER, type SpecterEmbedder } from '../../models/engine/specterEmbedder';
import { loadWorkerEmbedder } from '../worker/workerEmbedder';
import { isTestModelDir, TEST_MODEL_NOTE } from '../core/eval/testModel';
import { autoPrecision } from '../core/app/autoPrecision';
import { DEFAULT_AUTO_THRESHOLD, describePrecision, type SampleCandidate } from '../core/index/precisionChoice';
import { WorkerError } from '../protocol/worker';

const ADAPTERS: AdapterName[] = [DOCUMENT_ADAPTER, QUERY_ADAPTER];
export const DOWNLOAD_SIZE_LABEL = '≈440 MB';

export class ModelManager implements vscode.Disposable {
  private state: ModelState = { kind: 'loading' };
  private embedder: SpecterEmbedder | null = null;
  /** The loaded model is a random-weight test model (the tiny fixture, the benches' checkpoint). */
  testModel = false;
  private loading?: Promise<SpecterEmbedder | null>;
  private readonly changed = new vscode.EventEmitter<ModelState>();
  readonly onDidChange = this.changed.event;

  /** The automatic precision decision in force (precision "auto"), for the status tooltip. */
  precisionNote?: string;

  constructor(
    private readonly worker: WorkerClient,
    private readonly storageDir: string,
    private readonly log: vscode.LogOutputChannel,
    /** The user's own entries to sample for precision "auto" (the services parse the workspace's bibliographies). */
    private readonly sampleEntries: () => Promise<readonly SampleCandidate[]> = async () => [],
    /** Identity of the workspace (the decision is recorded per workspace and model). */
    private readonly workspace = 'no-workspace',
  ) {}

  get current(): ModelState {
    return this.state;
  }

  /** Folder a download goes to (and is found in afterwards). */
  get downloadDir(): string {
    return path.join(this.storageDir, 'models', 'specter2');
  }

  /** The loaded embedder, loading it on first use; null when no model is available (lexical mode). */
  ensure(): Promise<SpecterEmbedder | null> {
    if (this.embedder) return Promise.resolve(this.embedder);
    this.loading ??= this.load().finally(() => { this.loading = undefined; });
    return this.loading;
  }

  /** Forget the loaded model (settings changed, download finished) and load again on next use. */
  async reset(): Promise<void> {
    this.embedder = null;
    this.testModel = false;
    this.setState({ kind: 'loading' });
    await this.worker.call('unloadModel', {}).catch(() => undefined);
  }

  private async load(): Promise<SpecterEmbedder | null> {
    const cfg = vscode.workspace.getConfiguration('relatedPapers');
    const configured = cfg.get<string>('modelFolder', '').trim();
    const setting = cfg.get<string>('precision', 'auto');
    let precision: Precision = setting === 'int8' ? 'int8' : 'fp32';
    this.setState({ kind: 'loading' });
    const candidates = configured ? [configured] : [this.downloadDir];
    let resolved = await resolveModelDir({ localFolder: candidates[0], adapters: ADAPTERS });
    if (!resolved.ok && !configured) resolved = await resolveModelDir({ adapters: ADAPTERS });
    if (!resolved.ok) {
      const message = configured
        ? `The model folder in settings cannot be used: ${resolved.reason}`
        : `SPECTER2 is not downloaded yet. Download it (${DOWNLOAD_SIZE_LABEL}) or point "relatedPapers.modelFolder" at a folder with base/ and adapters/. Until then results are lexical only.`;
      this.log.info(`model: ${message} (tried: ${resolved.tried.join('; ')})`);
      this.setState({ kind: 'missing', message });
      return null;
    }
    const dir = resolved.dir;
    this.precisionNote = undefined;
    if (setting !== 'fp32' && setting !== 'int8') precision = await this.choosePrecision(dir, cfg.get<number>('autoPrecisionThreshold', DEFAULT_AUTO_THRESHOLD));
    try {
      const t0 = Date.now();
      const embedder = await loadWorkerEmbedder(this.worker, dir, precision, path.join(this.storageDir, 'onnx-cache'));
      this.log.info(`model: ${embedder.id} loaded from ${dir.root} in ${Date.now() - t0} ms`);
      this.embedder = embedder;
      this.testModel = isTestModelDir(dir.base);
      if (this.testModel) this.log.warn(`model: ${dir.root} is a random-weight test model — ${TEST_MODEL_NOTE}`);
      this.setState({ kind: 'ready', modelId: embedder.modelId, precision });
      return embedder;
    } catch (e) {
      const message = `The model in ${dir.root} could not be loaded: ${(e as Error).message}`;
      this.log.error(`model: ${message}`);
      this.setState({ kind: 'error', message });
      return null;
    }
  }

  /**
   * precision "auto": the recorded decision for this workspace and model, or a new one from a sample of
   * the user's own entries embedded in both precisions in the worker. Any failure falls back to fp32.
   */
  private async choosePrecision(dir: ModelDir, threshold: number): Promise<Precision> {
    const modelKey = `${dir.modelId}#${DOCUMENT_ADAPTER}@${dir.adapterIds?.[DOCUMENT_ADAPTER] ?? '?'}`;
    try {
      const { record, fresh } = await autoPrecision({
        dir: path.join(this.storageDir, 'index'),
        workspace: this.workspace,
        modelKey,
        threshold,
        entries: this.sampleEntries,
        embedBoth: (inputs) => this.worker.call('comparePrecisions', { modelDir: dir, cacheDir: path.join(this.storageDir, 'onnx-cache'), inputs, adapter: DOCUMENT_ADAPTER }),
      });
      this.precisionNote = describePrecision(record);
      this.log.info(`model: ${this.precisionNote}${fresh ? ' — checked now' : ' — recorded earlier'}`);
      return record.precision;
    } catch (e) {
      this.precisionNote = `precision fp32 (automatic check failed: ${(e as Error).message.split('\n')[0]})`;
      this.log.warn(`model: ${this.precisionNote}`);
      return 'fp32';
    }
  }

  /** Download the pinned SPECTER2 files into global storage, with a cancellable notification. */
  async download(): Promise<boolean> {
    const to = this.downloadDir;
    const manifestFile = vscode.workspace.getConfiguration('relatedPapers').get<string>('downloadManifest', '').trim();
    let manifest: Manifest | undefined;
    if (manifestFile) {
      try {
        manifest = await loadManifest(manifestFile);
      } catch (e) {
        throw new Error(`the manifest in "relatedPapers.downloadManifest" cannot be used: ${(e as Error).message}`);
      }
    }
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: `Downloading SPECTER2 (${DOWNLOAD_SIZE_LABEL})`, cancellable: true },
      async (progress, token) => {
        const ctl = new AbortController();
        const sub = token.onCancellationRequested(() => ctl.abort());
        let lastPct = 0;
        try {
          await downloadModel({
            to,
            manifest,
            adapters: ADAPTERS,
            signal: ctl.signal,
            onLog: (m) => this.log.info(`download: ${m}`),
            onProgress: (e) => {
              const pct = e.overallTotal > 0 ? (100 * e.overallBytes) / e.overallTotal : 0;
              progress.report({ message: `${e.file} — ${(e.overallBytes / 1e6).toFixed(0)} of ${(e.overallTotal / 1e6).toFixed(0)} MB`, increment: pct - lastPct });
              lastPct = pct;
            },
          });
          this.log.info(`download: SPECTER2 is in ${to}`);
          await this.reset();
          return true;
        } catch (e) {
          if (ctl.signal.aborted) {
            void vscode.window.showInformationMessage('Related Papers: download cancelled. Run it again to resume where it stopped.');
            return false;
          }
          throw new Error(downloadFailureMessage(e));
        } finally {
          sub.dispose();
        }
      },
    );
  }

  private setState(s: ModelState): void {
    this.state = s;
    this.changed.fire(s);
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** Turns a download failure into a sentence that says what to do next. */
export function downloadFailureMessage(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (e instanceof DownloadError && (e.code === 'network' || e.code === 'bad-endpoint')) {
    return `the Hugging Face hub could not be reached (${msg}). Check the connection or proxy, set HF_ENDPOINT to a mirror, or run "related-papers model download --to DIR" on a connected machine and choose "Use a local folder".`;
  }
  if (e instanceof WorkerError) return `the model could not be prepared: ${msg}`;
  return msg;
}
