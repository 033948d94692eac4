/**
 * Embeds one sample in fp32 AND int8 for the automatic precision choice (the decision itself is the
 * pure extension/core/index/precisionChoice.ts). Each precision is a short-lived engine: an engine of
 * the same model, precision and thread count already open in this thread shares its ONNX Runtime
 * session (runtime/session.ts), so the loaded precision costs no second copy of the weights; the
 * other precision is built (or read from the graph cache) and released right after.
 */
import type { AdapterName, EmbedInput, Precision } from '../types';
import { EmbeddingEngine } from './engine';
import type { LoadModelParams, PrecisionComparison } from './types';

export const PRECISIONS: readonly Precision[] = ['fp32', 'int8'];

export async function embedInBothPrecisions(
  params: Omit<LoadModelParams, 'precision'>,
  inputs: EmbedInput[],
  adapter: AdapterName | null,
): Promise<PrecisionComparison> {
  const out: Partial<PrecisionComparison> = {};
  for (const precision of PRECISIONS) {
    const engine = new EmbeddingEngine();
    try {
      await engine.load({ ...params, precision });
      out[precision] = (await engine.embed(inputs, adapter)).vectors;
    } finally {
      await engine.unload();
    }
  }
  return out as PrecisionComparison;
}
