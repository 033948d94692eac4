/**
 * The host side of THE worker thread: a typed proxy over one long-lived worker_thread (pattern of
 * LaTeX Workshop's parser proxy), created lazily on the first call, and healed when it dies:
 *
 * - requests in flight when the thread exits fail with a WorkerError of code 'worker-crashed'
 *   (callers that can, e.g. the indexer's embed step, retry once: their progress is in the table);
 * - the next call starts a fresh thread and, before anything else reaches it, reloads the model
 *   that was loaded, so a crash costs one failed request, not a broken session until restart.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { WorkerApi, WorkerMethod, WorkerReply, WorkerRequest } from '../protocol/worker';
import { WorkerError } from '../protocol/worker';

interface Pending {
  method: WorkerMethod;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  onProgress?: (done: number, total: number) => void;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export class WorkerClient {
  private worker?: Worker;
  /** Resolves when the current thread is ready for requests (after a model reload following a crash). */
  private ready: Promise<void> = Promise.resolve();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** The last successful loadModel: replayed into a fresh thread after a crash. */
  private loaded?: WorkerApi['loadModel']['params'];
  private generation = 0;
  private crashes = 0;
  private disposed = false;
  /** Called when the worker exits unexpectedly (the next call starts a new one). */
  onCrash?: (message: string) => void;
  /** Called after a fresh thread replaced a crashed one (and reloaded the model, if one was loaded). */
  onRestart?: (restarts: number) => void;

  constructor(private readonly scriptPath: string, private readonly execArgv: string[] = []) {}

  /** How many times a crashed thread was replaced. */
  get restarts(): number {
    return Math.max(0, this.generation - 1);
  }

  /** How many times the thread died unexpectedly. */
  get crashCount(): number {
    return this.crashes;
  }

  /** True once the worker thread exists (it is created by the first call). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  async call<M extends WorkerMethod>(method: M, params: WorkerApi[M]['params'], opts: CallOptions = {}): Promise<WorkerApi[M]['result']> {
    if (this.disposed) throw new WorkerError('the worker was stopped', 'cancelled');
    if (opts.signal?.aborted) throw new WorkerError(`${method} cancelled`, 'cancelled');
    await this.ensureReady();
    const result = await this.post(method, params, opts);
    if (method === 'loadModel') this.loaded = params as WorkerApi['loadModel']['params'];
    if (method === 'unloadModel') this.loaded = undefined;
    return result;
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new WorkerError('the worker was stopped', 'cancelled'));
    if (w) await w.terminate();
  }

  private post<M extends WorkerMethod>(method: M, params: WorkerApi[M]['params'], opts: CallOptions): Promise<WorkerApi[M]['result']> {
    const worker = this.worker!;
    const id = this.nextId++;
    return new Promise<WorkerApi[M]['result']>((resolve, reject) => {
      const cancelFlag = opts.signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      const onAbort = () => { if (cancelFlag) Atomics.store(cancelFlag, 0, 1); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        method,
        resolve: (v) => { cleanup(); resolve(v as WorkerApi[M]['result']); },
        reject: (e) => { cleanup(); reject(e); },
        onProgress: opts.onProgress,
      });
      worker.postMessage({ kind: 'request', id, method, params, cancelFlag } as WorkerRequest);
      this.keepAlive();
    });
  }

  private ensureReady(): Promise<void> {
    if (this.worker) return this.ready;
    const w = this.scriptPath.endsWith('.ts')
      // From source (tests, tsx): a bootstrap that registers tsx's CommonJS hook in the thread first
      // (`--import tsx` in a worker's execArgv is not honoured by Node 20).
      ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(this.scriptPath)});`, { eval: true, execArgv: this.execArgv, workerData: { generation: this.generation } })
      : new Worker(this.scriptPath, { execArgv: this.execArgv, workerData: { generation: this.generation } });
    this.generation++;
    w.unref();
    w.on('message', (m: WorkerReply) => this.onMessage(m));
    w.on('error', (e) => this.crashed(w, `the worker thread failed: ${e.message}`));
    w.on('exit', (code) => this.crashed(w, `the worker thread exited unexpectedly (code ${code})`));
    this.worker = w;
    const reload = this.loaded;
    if (this.generation > 1) {
      // A replacement: reload the model first so no request sees an empty engine.
      const reloaded = reload ? this.post('loadModel', reload, {}).then(() => undefined) : Promise.resolve();
      this.ready = reloaded.then(
        () => this.onRestart?.(this.restarts),
        (e: Error) => {
          // The fresh thread is up but the model is not: later calls see "no model", not this error forever.
          this.loaded = undefined;
          this.ready = Promise.resolve();
          throw new WorkerError(`the worker restarted but the model could not be reloaded: ${e.message}`, e instanceof WorkerError ? e.code : 'internal');
        },
      );
    } else {
      this.ready = Promise.resolve();
    }
    return this.ready;
  }

  private onMessage(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') {
      p.onProgress?.(m.done, m.total);
      return;
    }
    this.pending.delete(m.id);
    this.keepAlive();
    if (m.kind === 'result') p.resolve(m.result);
    else p.reject(new WorkerError(m.error.message, m.error.code));
  }

  private crashed(w: Worker, message: string): void {
    if (this.worker !== w) return; // an old worker we already replaced or disposed
    this.worker = undefined;
    this.crashes++;
    this.failAll(new WorkerError(`${message}; the request was not completed (the next request starts a fresh worker)`, 'worker-crashed'));
    this.onCrash?.(message);
  }

  /**
   * An idle worker must not keep the process alive (the CLI exits when done, the extension host is
   * unaffected), but one with requests in flight must: a request is a promise someone awaits.
   */
  private keepAlive(): void {
    if (!this.worker) return;
    if (this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}

/**
 * The worker script beside a bundle (`dist/worker.js` next to `dist/cli.js` / `dist/extension.js`),
 * or, when running from source (tests, `tsx`), the TypeScript entry loaded through tsx.
 */
export function workerScript(bundleDir: string): { scriptPath: string; execArgv: string[] } {
  const bundled = path.join(bundleDir, 'worker.js');
  if (fs.existsSync(bundled)) return { scriptPath: bundled, execArgv: [] };
  return { scriptPath: path.resolve(__dirname, 'worker.ts'), execArgv: [] };
}
