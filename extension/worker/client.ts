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
import { LANE_SHARED_INTS } from '../../models/engine/runLane';
import { QUERY_ADAPTER } from '../../models/engine/specterEmbedder';

export interface WorkerClientOptions {
  /**
   * Answer cursor queries ('query' embeds) in a second thread with its own ONNX Runtime session
   * (default true). The index thread runs at a lower scheduling priority (Linux) and pauses between
   * short slices while a query runs (models/engine/runLane.ts). Why: an ORT run cannot be interrupted
   * and takes seconds for a full fp32 batch; bench/query-under-load.ts measured the one-thread lane
   * (queries first, sliced index batches) far above the target of 2 × the idle p95 while indexing, the
   * query thread within it (README "Latency"). Cost: one more copy of the weights in memory
   * (≈ 0.5 GB fp32, ≈ 0.15 GB int8), only once a model is loaded. false = the one-thread lane only.
   */
  queryThread?: boolean;
  /** ONNX Runtime intra-op threads of the query thread's session (default: ONNX Runtime's, one per core). */
  queryThreadIntraOp?: number;
  /** Internal: the lane counters shared by the two threads. */
  lane?: Int32Array;
  /** Internal: what the thread serves (see worker.ts); 'index' lowers its scheduling priority. */
  role?: 'main' | 'index' | 'query';
}

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
  /** The query thread's model load, for which main-thread loadModel params. */
  private queryLoad?: { for: WorkerApi['loadModel']['params']; pending: Promise<void> };
  /** Called when the query thread failed and a query fell back to the main thread (for the log). */
  onQueryThreadFailure?: (message: string) => void;
  private generation = 0;
  private crashes = 0;
  private disposed = false;
  /** Called when the worker exits unexpectedly (the next call starts a new one). */
  onCrash?: (message: string) => void;
  /** Called after a fresh thread replaced a crashed one (and reloaded the model, if one was loaded). */
  onRestart?: (restarts: number) => void;

  private readonly lane: Int32Array;
  private readonly role: 'main' | 'index' | 'query';
  private queryClient?: WorkerClient;
  /** The last loadModel in flight (dispose waits for it before releasing the sessions). */
  private modelLoading?: Promise<void>;
  private readonly queryThreadIntraOp?: number;

  constructor(private readonly scriptPath: string, private readonly execArgv: string[] = [], opts: WorkerClientOptions = {}) {
    this.lane = opts.lane ?? new Int32Array(new SharedArrayBuffer(4 * LANE_SHARED_INTS));
    const queryThread = opts.role === undefined && (opts.queryThread ?? true);
    this.role = opts.role ?? (queryThread ? 'index' : 'main');
    this.queryThreadIntraOp = opts.queryThreadIntraOp;
    if (queryThread) this.queryClient = new WorkerClient(scriptPath, execArgv, { lane: this.lane, role: 'query' });
  }

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
    if (this.queryClient && method === 'embed' && this.loaded) {
      const p = params as WorkerApi['embed']['params'];
      if ((p.priority ?? (p.adapter === QUERY_ADAPTER ? 'query' : 'index')) === 'query') return this.callQueryThread(p, opts) as Promise<WorkerApi[M]['result']>;
    }
    await this.ensureReady();
    const sent = this.post(method, params, opts);
    if (method === 'loadModel') {
      // recorded as soon as the thread has the model (dispose may be waiting on this very load)
      this.modelLoading = sent.then(() => { this.loaded = params as WorkerApi['loadModel']['params']; }, () => undefined);
    }
    const result = await sent;
    if (method === 'loadModel') {
      await this.modelLoading;
      if (this.queryClient) this.queryModel().catch(() => undefined); // background; a query retries
    }
    if (method === 'unloadModel') {
      this.loaded = undefined;
      this.queryLoad = undefined;
      if (this.queryClient?.loaded) await this.queryClient.call('unloadModel', {});
    }
    return result;
  }

  /**
   * The query thread holds the main thread's model: loaded in the background right after the main
   * thread's loadModel (so the first cursor query does not pay for it), else on first use, and again
   * after a model change. If it cannot load or run (e.g. not enough memory for a second copy), the
   * query is answered by the main thread's priority lane instead: slower under indexing, never lost.
   */
  private queryModel(): Promise<void> {
    const q = this.queryClient!;
    const main = this.loaded!;
    if (this.queryLoad?.for !== main) {
      const want = this.queryThreadIntraOp ? { ...main, intraOpThreads: this.queryThreadIntraOp } : main;
      const pending = q.call('loadModel', want).then(() => undefined);
      this.queryLoad = { for: main, pending };
      pending.catch(() => { if (this.queryLoad?.pending === pending) this.queryLoad = undefined; });
    }
    return this.queryLoad!.pending;
  }

  private async callQueryThread(p: WorkerApi['embed']['params'], opts: CallOptions): Promise<WorkerApi['embed']['result']> {
    try {
      await this.queryModel();
      return await this.queryClient!.call('embed', p, opts);
    } catch (e) {
      if (e instanceof WorkerError && e.code === 'cancelled') throw e;
      this.onQueryThreadFailure?.((e as Error).message);
      await this.ensureReady();
      return this.post('embed', p, opts);
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const w = this.worker;
    // Release ONNX Runtime's sessions in the thread before terminating it: terminating a thread with live
    // sessions — or while a model is still loading, e.g. the query thread's background load when a short
    // CLI run ends — can abort the whole process in onnxruntime-node's native cleanup ("terminate called
    // after throwing an instance of 'Napi::Error'", seen in test runs).
    const settle = (p: Promise<unknown> | undefined) => Promise.race([p, new Promise((r) => setTimeout(r, 10_000).unref())]);
    await settle(this.modelLoading);
    if (w && this.loaded) {
      await Promise.race([this.post('unloadModel', {}, {}).catch(() => undefined), new Promise((r) => setTimeout(r, 3000).unref())]);
    }
    this.worker = undefined;
    this.failAll(new WorkerError('the worker was stopped', 'cancelled'));
    await this.queryClient?.dispose();
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
    const workerData = { generation: this.generation, lane: this.lane, role: this.role };
    const w = this.scriptPath.endsWith('.ts')
      // From source (tests, tsx): a bootstrap that registers tsx's CommonJS hook in the thread first
      // (`--import tsx` in a worker's execArgv is not honoured by Node 20).
      ? new Worker(`require(${JSON.stringify(createRequire(__filename).resolve('tsx/cjs'))}); require(${JSON.stringify(this.scriptPath)});`, { eval: true, execArgv: this.execArgv, workerData })
      : new Worker(this.scriptPath, { execArgv: this.execArgv, workerData });
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
