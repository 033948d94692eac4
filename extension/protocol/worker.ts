/**
 * The host ⇄ embedding-worker protocol: one table of methods (`WorkerApi`), request/reply ids,
 * progress and cancellation messages. Both sides import this module, so a change of shape is a
 * compile error on both sides (pattern of vscode-hexeditor's shared/protocol.ts).
 */
import type { AdapterName, EmbedInput, ModelDir, Precision } from '../../models/types';
import type { ParseResult } from '../core/types';

export interface LoadModelParams {
  modelDir: ModelDir;
  precision: Precision;
  /** Where built ONNX graphs are cached (keyed by content hashes). */
  cacheDir: string;
  intraOpThreads?: number;
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  vectors: Float32Array[];
  /** Token count of each input (after truncation). */
  tokens: number[];
  /** Padding tokens / computed tokens of the batches that ran. */
  paddingFraction: number;
}

export interface ParseFileResult extends ParseResult {
  encoding: string;
  entryHashes: string[];
  linkedBibliographies?: string[];
}

/** Every method the worker serves: params in, result out. */
export interface WorkerApi {
  loadModel: { params: LoadModelParams; result: { modelId: string; hiddenSize: number; builtFromCache: boolean[] } };
  embed: {
    params: { inputs: EmbedInput[]; adapter: AdapterName | null; batchTokens?: number };
    result: EmbedResult;
  };
  tokenize: { params: { texts: string[] }; result: { ids: number[][] } };
  parse: { params: { file: string }; result: ParseFileResult };
  unloadModel: { params: Record<string, never>; result: null };
}
export type WorkerMethod = keyof WorkerApi;

/**
 * `cancelFlag` is an Int32Array over a SharedArrayBuffer: the host sets element 0 to 1 to cancel.
 * Why shared memory and not a message: the worker checks it between two batches without yielding
 * to its event loop, so cancellation takes effect within one batch however fast batches are.
 */
export type WorkerRequest = {
  [M in WorkerMethod]: { kind: 'request'; id: number; method: M; params: WorkerApi[M]['params']; cancelFlag?: Int32Array };
}[WorkerMethod];

export interface WorkerErrorInfo {
  message: string;
  /** Stable codes the host maps to user actions. */
  code: 'cancelled' | 'model-not-loaded' | 'model-invalid' | 'parse-failed' | 'internal';
}

export type WorkerReply =
  | { kind: 'result'; id: number; result: unknown }
  | { kind: 'error'; id: number; error: WorkerErrorInfo }
  | { kind: 'progress'; id: number; done: number; total: number };

export class WorkerError extends Error {
  constructor(message: string, readonly code: WorkerErrorInfo['code']) {
    super(message);
    this.name = 'WorkerError';
  }
}
