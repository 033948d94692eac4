/**
 * What the embedding engine takes and returns. The engine is a library: the extension's worker thread
 * (extension/worker/) and the CLI both wrap it, so these shapes live here and the worker protocol
 * (extension/protocol/worker.ts) imports them — never the other way round.
 */
import type { ModelDir, Precision } from '../types';

export interface LoadModelParams {
  modelDir: ModelDir;
  precision: Precision;
  /** Where built ONNX graphs are cached (keyed by content hashes). */
  cacheDir: string;
  intraOpThreads?: number;
}

export interface LoadedModel {
  modelId: string;
  hiddenSize: number;
  builtFromCache: boolean[];
}

export interface EmbedResult {
  /** One vector per input, in input order. */
  vectors: Float32Array[];
  /** Token count of each input (after truncation). */
  tokens: number[];
  /** Padding tokens / computed tokens of the batches that ran. */
  paddingFraction: number;
}

export type { EmbedPriority } from './runLane';

/** One sample embedded in both precisions, in input order (see models/engine/precisionCheck.ts). */
export interface PrecisionComparison {
  fp32: Float32Array[];
  int8: Float32Array[];
}

export type EngineErrorCode = 'cancelled' | 'model-not-loaded' | 'model-invalid' | 'runtime-unavailable' | 'internal';

/** A failure the caller can act on (the code), with a message that names the file or adapter. */
export class EngineError extends Error {
  constructor(message: string, readonly code: EngineErrorCode) {
    super(message);
    this.name = 'EngineError';
  }
}
