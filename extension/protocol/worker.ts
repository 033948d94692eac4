/**
 * The host ⇄ embedding-worker protocol: one table of methods (`WorkerApi`), request/reply ids,
 * progress and cancellation messages. Both sides import this module, so a change of shape is a
 * compile error on both sides (pattern of vscode-hexeditor's shared/protocol.ts).
 */
import type { AdapterName, EmbedInput } from '../../models/types';
import { EngineError, type EmbedResult, type EngineErrorCode, type LoadedModel, type LoadModelParams, type EmbedPriority, type PrecisionComparison } from '../../models/engine/types';
import type { ParseResult } from '../core/types';

export type { LoadModelParams, EmbedResult, LoadedModel };

export interface ParseFileResult extends ParseResult {
  encoding: string;
  entryHashes: string[];
  linkedBibliographies?: string[];
}

/** Every method the worker serves: params in, result out. */
export interface WorkerApi {
  loadModel: { params: LoadModelParams; result: LoadedModel };
  embed: {
    /** priority: 'query' runs go before pending 'index' runs; default: 'query' for adhoc_query, else 'index'. */
    params: { inputs: EmbedInput[]; adapter: AdapterName | null; batchTokens?: number; priority?: EmbedPriority };
    result: EmbedResult;
  };
  /** The same inputs in fp32 and int8 (the automatic precision check, core/index/precisionChoice.ts). */
  comparePrecisions: { params: Omit<LoadModelParams, 'precision'> & { inputs: EmbedInput[]; adapter: AdapterName | null }; result: PrecisionComparison };
  tokenize: { params: { texts: string[] }; result: { ids: number[][] } };
  parse: { params: { file: string }; result: ParseFileResult };
  unloadModel: { params: Record<string, never>; result: null };
  /** Which thread generation answers, and whether ONNX Runtime / a model are loaded in it. */
  health: { params: Record<string, never>; result: { generation: number; modelLoaded: boolean; ortLoaded: boolean } };
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
  code: EngineErrorCode | 'parse-failed' | 'worker-crashed';
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

/** Any failure inside the worker as the wire shape: the engine's and the worker's codes pass through. */
export function workerErrorInfo(e: unknown): WorkerErrorInfo {
  if (e instanceof WorkerError || e instanceof EngineError) return { message: e.message, code: e.code };
  return { message: e instanceof Error ? e.message : String(e), code: 'internal' };
}
