/**
 * The machine's measured GEMM peak through ONNX Runtime itself: one MatMul [M,K]×[K,N] graph (fp32), and
 * the same product as DynamicQuantizeLinear + MatMulIntegerToFloat (int8, the op pair our int8 graphs use).
 * bench/embed.ts divides the model's achieved FLOP rate by this peak.
 */
import * as ort from 'onnxruntime-node';
import { OnnxGraph, serializeModel } from '../models/onnx/graphIr';
import { DataType } from '../models/onnx/onnxProto';

export interface GemmResult { m: number; k: number; n: number; gflops: number; msPerRun: number }

function randomF32(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}

function matmulModel(k: number, n: number, int8: boolean): Uint8Array {
  const g = new OnnxGraph();
  g.inputs.push({ name: 'x', elemType: DataType.FLOAT, dims: ['m', k] });
  g.outputs.push({ name: 'y', elemType: DataType.FLOAT, dims: ['m', n] });
  if (!int8) {
    g.f32('w', [k, n], randomF32(k * n, 1));
    g.node('MatMul', ['x', 'w'], ['y']);
  } else {
    const w = new Uint8Array(k * n);
    for (let i = 0; i < w.length; i++) w[i] = (i * 2654435761) >>> 24;
    g.init('w', DataType.UINT8, [k, n], w);
    g.f32('w_scale', [], [0.01]);
    g.init('w_zp', DataType.UINT8, [], Uint8Array.from([128]));
    const [xq, xs, xzp] = g.node('DynamicQuantizeLinear', ['x'], 3);
    g.node('MatMulIntegerToFloat', [xq, 'w', xs, 'w_scale', xzp, 'w_zp'], ['y'], {}, 'com.microsoft');
  }
  return serializeModel(g, 'gemm micro-benchmark');
}

export async function gemmPeak(opts: { m?: number; k?: number; n?: number; int8?: boolean; threads?: number; seconds?: number } = {}): Promise<GemmResult> {
  const m = opts.m ?? 2048, k = opts.k ?? 768, n = opts.n ?? 3072;
  const session = await ort.InferenceSession.create(matmulModel(k, n, opts.int8 ?? false), {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.threads ?? 0,
  });
  const x = new ort.Tensor('float32', randomF32(m * k, 2), [m, k]);
  await session.run({ x }); // warm-up
  await session.run({ x });
  const budget = (opts.seconds ?? 2) * 1000;
  let runs = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budget || runs < 3) {
    await session.run({ x });
    runs++;
  }
  const ms = (performance.now() - t0) / runs;
  await session.release();
  return { m, k, n, msPerRun: ms, gflops: (2 * m * k * n) / (ms * 1e6) };
}

if (require.main === module) {
  (async () => {
    const fp32 = await gemmPeak();
    const int8 = await gemmPeak({ int8: true });
    console.log(JSON.stringify({ fp32, int8 }, null, 2));
  })();
}
