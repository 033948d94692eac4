/**
 * The host side of the embedding worker: a typed proxy over ONE long-lived worker_thread,
 * created lazily on the first call from the script path the extension resolves from its URI
 * (`dist/worker.js`), and re-created only if it dies. Pattern of LaTeX Workshop's parser proxy.
 */
import { Worker } from 'node:worker_threads';
import type { WorkerApi, WorkerMethod, WorkerReply, WorkerRequest } from '../../extension/protocol/worker';
import { WorkerError } from '../../extension/protocol/worker';

interface Pending {
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
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  /** Called when the worker exits unexpectedly (the next call starts a new one). */
  onCrash?: (message: string) => void;

  constructor(private readonly scriptPath: string, private readonly execArgv: string[] = []) {}

  call<M extends WorkerMethod>(method: M, params: WorkerApi[M]['params'], opts: CallOptions = {}): Promise<WorkerApi[M]['result']> {
    if (opts.signal?.aborted) return Promise.reject(new WorkerError(`${method} cancelled`, 'cancelled'));
    const worker = this.ensureWorker();
    const id = this.nextId++;
    return new Promise<WorkerApi[M]['result']>((resolve, reject) => {
      const cancelFlag = opts.signal ? new Int32Array(new SharedArrayBuffer(4)) : undefined;
      const onAbort = () => { if (cancelFlag) Atomics.store(cancelFlag, 0, 1); };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const cleanup = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (v) => { cleanup(); resolve(v as WorkerApi[M]['result']); },
        reject: (e) => { cleanup(); reject(e); },
        onProgress: opts.onProgress,
      });
      worker.postMessage({ kind: 'request', id, method, params, cancelFlag } as WorkerRequest);
    });
  }

  /** True once the worker thread exists (it is created by the first call). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  async dispose(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    this.failAll(new WorkerError('the embedding worker was stopped', 'cancelled'));
    if (w) await w.terminate();
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(this.scriptPath, { execArgv: this.execArgv });
    w.unref();
    w.on('message', (m: WorkerReply) => this.onMessage(m));
    w.on('error', (e) => this.crashed(w, `the embedding worker failed: ${e.message}`));
    w.on('exit', (code) => this.crashed(w, `the embedding worker exited (code ${code})`));
    this.worker = w;
    return w;
  }

  private onMessage(m: WorkerReply): void {
    const p = this.pending.get(m.id);
    if (!p) return;
    if (m.kind === 'progress') {
      p.onProgress?.(m.done, m.total);
      return;
    }
    this.pending.delete(m.id);
    if (m.kind === 'result') p.resolve(m.result);
    else p.reject(new WorkerError(m.error.message, m.error.code));
  }

  private crashed(w: Worker, message: string): void {
    if (this.worker !== w) return; // an old worker we already replaced or disposed
    this.worker = undefined;
    this.failAll(new WorkerError(message, 'internal'));
    this.onCrash?.(message);
  }

  private failAll(e: Error): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const p of all) p.reject(e);
  }
}
