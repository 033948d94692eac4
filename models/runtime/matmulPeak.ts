/**
 * Measures ONNX Runtime's CPU MatMul throughput (GFLOP/s) on an [M, K] × [K, N] float32 product with a constant
 * weight — the "GEMM peak" the encoder's speed is compared to. Builds the one-node graph with our own ONNX writer.
 */
import * as ort from 'onnxruntime-node';
import { OnnxGraph, serializeModel } from '../onnx/graphIr';
import { DataType } from '../onnx/onnxProto';

export interface MatMulPeakOptions { m?: number; k?: number; n?: number; threads?: number; repeats?: number }
export interface MatMulPeak { gflops: number; bestMs: number; m: number; k: number; n: number; threads: number }

export async function measureMatMulPeak(opts: MatMulPeakOptions = {}): Promise<MatMulPeak> {
  const { m = 2048, k = 768, n = 3072, threads = 2, repeats = 10 } = opts;
  const g = new OnnxGraph();
  g.inputs.push({ name: 'a', elemType: DataType.FLOAT, dims: [m, k] });
  g.outputs.push({ name: 'y', elemType: DataType.FLOAT, dims: [m, n] });
  const w = new Float32Array(k * n);
  for (let i = 0; i < w.length; i++) w[i] = ((i * 2654435761) % 1000) / 1000 - 0.5;
  g.node('MatMul', ['a', g.f32('w', [k, n], w)], ['y']);
  const session = await ort.InferenceSession.create(serializeModel(g, 'matmul peak'), {
    graphOptimizationLevel: 'all', executionProviders: ['cpu'], intraOpNumThreads: threads,
  });
  try {
    const a = new Float32Array(m * k).map((_, i) => ((i * 40503) % 997) / 997 - 0.5);
    const feeds = { a: new ort.Tensor('float32', a, [m, k]) };
    await session.run(feeds);
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await session.run(feeds);
      best = Math.min(best, performance.now() - t0);
    }
    return { gflops: (2 * m * k * n) / best / 1e6, bestMs: best, m, k, n, threads };
  } finally {
    await session.release();
  }
}
