/**
 * THE worker thread: one long-lived worker_thread that composes bibliography parsing (extension core)
 * and the embedding engine (models/), so neither tokenisation, inference nor decoding of large .bib
 * files ever runs on the extension host's thread. It lives on the extension side because it composes
 * both; `models/` stays a library that imports nothing from `extension/`.
 *
 * Requests are served concurrently, but every ONNX Runtime run goes through the engine's priority lane
 * (models/engine/runLane.ts): a cursor query's run goes before the queued index runs, and index batches
 * run in short slices while the writer is active. The client may start a second, query-only thread of
 * this script (workerData.role 'query', see client.ts) sharing the lane's counters (workerData.lane), so
 * the index thread pauses between slices while a query runs there. A cancel flag stops an embed between
 * two runs. ONNX Runtime is loaded only by `loadModel` (models/runtime/ortLoader.ts), so parsing works without it.
 *
 * Testing aid: RELATED_PAPERS_WORKER_CRASH_AFTER=N makes the FIRST worker of a process exit right
 * after its N-th embed batch (a simulated native crash); the client starts a fresh one, which does
 * not crash again. Used by the self-healing tests; documented in the README.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import type { WorkerApi, WorkerMethod, WorkerReply, WorkerRequest } from '../protocol/worker';
import { WorkerError, workerErrorInfo } from '../protocol/worker';
import { EmbeddingEngine } from '../../models/engine/engine';
import { embedInBothPrecisions } from '../../models/engine/precisionCheck';
import { QUERY_ADAPTER } from '../../models/engine/specterEmbedder';
import { ortLoaded } from '../../models/runtime/ortLoader';
import { EntryCache, parseBibliography } from '../core/bib';

if (!parentPort) throw new Error('extension/worker/worker.ts must run as a worker thread');
const port = parentPort;
const data = (workerData ?? {}) as { generation?: number; lane?: Int32Array; role?: 'main' | 'index' | 'query' };
const generation = Number(data.generation ?? 0);
/** Scheduling priority of an index-only thread (see lowerIndexThreadPriority). */
const INDEX_THREAD_NICE = 10;
if (data.role === 'index') lowerIndexThreadPriority();
const crashAfter = generation === 0 && data.role !== 'query' ? Number(process.env.RELATED_PAPERS_WORKER_CRASH_AFTER ?? 0) : 0;
let embedBatches = 0;

// RELATED_PAPERS_PRIORITY_LANE=0 turns the lane into FIFO: the baseline bench/query-under-load.ts measures.
const engine = new EmbeddingEngine({ lane: { shared: data.lane, prioritise: process.env.RELATED_PAPERS_PRIORITY_LANE !== '0' } });
const parseCache = new EntryCache();

type Handler<M extends WorkerMethod> = (params: WorkerApi[M]['params'], ctx: { id: number; isCancelled: () => boolean }) => Promise<WorkerApi[M]['result']>;

const handlers: { [M in WorkerMethod]: Handler<M> } = {
  loadModel: (p) => engine.load(p),
  unloadModel: async () => { await engine.unload(); return null; },
  health: async () => ({ generation, modelLoaded: engine.loaded, ortLoaded: ortLoaded() }),
  tokenize: async (p) => ({ ids: engine.tokenize(p.texts) }),
  embed: (p, { id, isCancelled }) =>
    engine.embed(p.inputs, p.adapter, {
      batchTokens: p.batchTokens,
      // Callers that do not say (older hosts) still get the lane: query-adapter embeds are queries.
      priority: p.priority ?? (p.adapter === QUERY_ADAPTER ? 'query' : 'index'),
      isCancelled,
      onProgress: (done, total) => {
        embedBatches++;
        if (crashAfter > 0 && embedBatches >= crashAfter) simulateCrash();
        post({ kind: 'progress', id, done, total });
      },
    }),
  comparePrecisions: ({ inputs, adapter, ...load }) => embedInBothPrecisions(load, inputs, adapter),
  parse: async (p) => {
    let bytes: Uint8Array;
    try {
      bytes = await fs.readFile(p.file);
    } catch (e) {
      throw new WorkerError(`cannot read ${p.file}: ${(e as Error).message}`, 'parse-failed');
    }
    return parseBibliography(p.file, bytes, { cache: parseCache });
  },
};

/**
 * With a query thread beside it (client.ts queryThread), this thread only indexes: it lowers its own
 * scheduling priority (nice +10) BEFORE ONNX Runtime creates its intra-op threads, which inherit it.
 * The kernel then gives a query's threads the cores at once even in the middle of an index run — an
 * ORT run cannot be interrupted, and bench/query-under-load.ts measured that waiting for the run (or a
 * short slice of it) is what made queries slow. Linux only: there setpriority(PRIO_PROCESS, 0) applies to
 * the calling thread; on macOS/Windows it would lower the whole extension host, so it is skipped there.
 */
function lowerIndexThreadPriority(): void {
  if (process.platform !== 'linux') return;
  try {
    os.setPriority(0, INDEX_THREAD_NICE);
  } catch {
    // Not permitted (unusual for lowering): the lane and the pause between slices still apply.
  }
}

let crashing = false;

/**
 * The testing aid's "crash": the thread goes silent (no reply, no progress) and exits. ONNX Runtime's
 * sessions are released first — tearing a thread down with live sessions can abort the whole process
 * in onnxruntime-node's native cleanup ("terminate called after throwing an instance of Napi::Error",
 * seen once in a test run), which would test the process dying, not the worker healing.
 */
function simulateCrash(): never {
  crashing = true;
  void engine.unload().catch(() => undefined).finally(() => process.exit(70));
  throw new Error('simulated worker crash');
}

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  if (crashing) return; // a crashed thread answers nothing
  port.postMessage(msg, transfer);
}

/** Float32Array buffers are transferred, not copied. */
function transferables(result: unknown): ArrayBuffer[] {
  const r = result as { vectors?: Float32Array[]; fp32?: Float32Array[]; int8?: Float32Array[] } | null;
  const vectors = [...(r?.vectors ?? []), ...(r?.fp32 ?? []), ...(r?.int8 ?? [])];
  const seen = new Set<ArrayBuffer>();
  for (const v of vectors) if (v instanceof Float32Array && v.buffer instanceof ArrayBuffer) seen.add(v.buffer);
  return [...seen];
}

port.on('message', async (msg: WorkerRequest) => {
  const { id, method, cancelFlag } = msg;
  const isCancelled = () => cancelFlag !== undefined && Atomics.load(cancelFlag, 0) === 1;
  try {
    const handler = handlers[method] as Handler<WorkerMethod>;
    const result = await handler(msg.params as never, { id, isCancelled });
    post({ kind: 'result', id, result }, transferables(result));
  } catch (e) {
    post({ kind: 'error', id, error: workerErrorInfo(e) });
  }
});
