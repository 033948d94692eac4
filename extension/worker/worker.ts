/**
 * THE worker thread: one long-lived worker_thread that composes bibliography parsing (extension core)
 * and the embedding engine (models/), so neither tokenisation, inference nor decoding of large .bib
 * files ever runs on the extension host's thread. It lives on the extension side because it composes
 * both; `models/` stays a library that imports nothing from `extension/`.
 *
 * Requests are served concurrently; a cancel flag stops an embed between two batches. ONNX Runtime is
 * loaded only by `loadModel` (models/runtime/ortLoader.ts), so parsing works without it.
 *
 * Testing aid: RELATED_PAPERS_WORKER_CRASH_AFTER=N makes the FIRST worker of a process exit right
 * after its N-th embed batch (a simulated native crash); the client starts a fresh one, which does
 * not crash again. Used by the self-healing tests; documented in the README.
 */
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs/promises';
import type { WorkerApi, WorkerMethod, WorkerReply, WorkerRequest } from '../protocol/worker';
import { WorkerError, workerErrorInfo } from '../protocol/worker';
import { EmbeddingEngine } from '../../models/engine/engine';
import { ortLoaded } from '../../models/runtime/ortLoader';
import { EntryCache, parseBibliography } from '../core/bib';

if (!parentPort) throw new Error('extension/worker/worker.ts must run as a worker thread');
const port = parentPort;
const generation = Number((workerData as { generation?: number } | undefined)?.generation ?? 0);
const crashAfter = generation === 0 ? Number(process.env.RELATED_PAPERS_WORKER_CRASH_AFTER ?? 0) : 0;
let embedBatches = 0;

const engine = new EmbeddingEngine();
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
      isCancelled,
      onProgress: (done, total) => {
        embedBatches++;
        if (crashAfter > 0 && embedBatches >= crashAfter) process.exit(70); // simulated crash (see header)
        post({ kind: 'progress', id, done, total });
      },
    }),
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

function post(msg: WorkerReply, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

/** Float32Array buffers are transferred, not copied. */
function transferables(result: unknown): ArrayBuffer[] {
  const vectors = (result as { vectors?: Float32Array[] } | null)?.vectors;
  if (!Array.isArray(vectors)) return [];
  const seen = new Set<ArrayBuffer>();
  for (const v of vectors) if (v.buffer instanceof ArrayBuffer) seen.add(v.buffer);
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
