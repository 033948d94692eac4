/**
 * The embedding worker: ONE long-lived worker_thread that owns the tokenizer, the ONNX Runtime
 * sessions (one per adapter, opened lazily) and the bibliography parse cache, so neither
 * tokenisation, inference nor decoding of large .bib files ever runs on the extension host's thread.
 * Requests are served concurrently; a cancel message stops an embed between two batches.
 */
import { parentPort } from 'node:worker_threads';
import * as fs from 'node:fs/promises';
import type { WorkerApi, WorkerMethod, WorkerReply, WorkerRequest, WorkerErrorInfo } from '../../extension/protocol/worker';
import { WorkerError } from '../../extension/protocol/worker';
import { EmbeddingEngine } from './engine';
import { EntryCache, parseBibliography } from '../../extension/core/bib';

if (!parentPort) throw new Error('models/worker/worker.ts must run as a worker thread');
const port = parentPort;

const engine = new EmbeddingEngine();
const parseCache = new EntryCache();

type Handler<M extends WorkerMethod> = (params: WorkerApi[M]['params'], ctx: { id: number; isCancelled: () => boolean }) => Promise<WorkerApi[M]['result']>;

const handlers: { [M in WorkerMethod]: Handler<M> } = {
  loadModel: (p) => engine.load(p),
  unloadModel: async () => { await engine.unload(); return null; },
  tokenize: async (p) => ({ ids: engine.tokenize(p.texts) }),
  embed: (p, { id, isCancelled }) =>
    engine.embed(p.inputs, p.adapter, {
      batchTokens: p.batchTokens,
      isCancelled,
      onProgress: (done, total) => post({ kind: 'progress', id, done, total }),
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

function toErrorInfo(e: unknown): WorkerErrorInfo {
  if (e instanceof WorkerError) return { message: e.message, code: e.code };
  return { message: e instanceof Error ? e.message : String(e), code: 'internal' };
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
    post({ kind: 'error', id, error: toErrorInfo(e) });
  }
});
