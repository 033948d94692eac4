/**
 * `precision: 'int8'`: dynamic quantisation of the weight matrices, done on our in-memory graph.
 *  - MatMul(X, W) with a float initializer W [K, N] → com.microsoft DynamicQuantizeMatMul(X, W_int8, scale[N]):
 *    symmetric per-column int8 weights (zero point 0); activations are quantised to uint8 per call by ORT.
 *  - com.microsoft Attention(X, Wqkv, b, mask) → DynamicQuantizeLinear(X) + com.microsoft QAttention
 *    (same per-column int8 weights).
 * The adapter's projections (initializers named `….adapters.<NAME>.…`, 768×48 in SPECTER2) stay float32: they
 * cost ~1% of the FLOPs and carry the task-specific signal, so quantising them buys nothing.
 * This mirrors what onnxruntime.quantization.quantize_dynamic produces, without Python.
 */
import { DataType } from './onnxProto';
import type { OnnxGraph, OnnxInitializer } from './graphIr';

export interface QuantizeOptions {
  /** Initializers for which this returns true stay float32 (default: adapter weights). */
  keepFloat?: (initializerName: string) => boolean;
}

export interface QuantizedWeight { q: Int8Array; scale: Float32Array }

/** Symmetric per-column int8 quantisation of a row-major [K, N] matrix. */
export function quantizePerColumn(w: Float32Array, K: number, N: number): QuantizedWeight {
  const scale = new Float32Array(N);
  for (let k = 0; k < K; k++) {
    const row = k * N;
    for (let n = 0; n < N; n++) {
      const a = Math.abs(w[row + n]!);
      if (a > scale[n]!) scale[n] = a;
    }
  }
  for (let n = 0; n < N; n++) scale[n] = scale[n]! > 0 ? scale[n]! / 127 : 1;
  const q = new Int8Array(K * N);
  for (let k = 0; k < K; k++) {
    const row = k * N;
    for (let n = 0; n < N; n++) {
      const v = Math.round(w[row + n]! / scale[n]!);
      q[row + n] = v > 127 ? 127 : v < -127 ? -127 : v;
    }
  }
  return { q, scale };
}

function floatMatrix(g: OnnxGraph, name: string): { init: OnnxInitializer; data: Float32Array; K: number; N: number } | null {
  const init = g.initializers.get(name);
  if (!init || init.dataType !== DataType.FLOAT || init.dims.length !== 2) return null;
  const data = new Float32Array(init.raw.buffer, init.raw.byteOffset, init.raw.byteLength / 4);
  return { init, data, K: init.dims[0]!, N: init.dims[1]! };
}

export function quantizeGraph(g: OnnxGraph, opts: QuantizeOptions = {}): OnnxGraph {
  const keepFloat = opts.keepFloat ?? ((name: string) => name.includes('.adapters.'));
  const replaced = new Set<string>();
  const quantizeInit = (name: string): { q: string; scale: string } | null => {
    const m = floatMatrix(g, name);
    if (!m || keepFloat(name)) return null;
    const { q, scale } = quantizePerColumn(m.data, m.K, m.N);
    replaced.add(name);
    return {
      q: g.init(`${name}.int8`, DataType.INT8, [m.K, m.N], q),
      scale: g.f32(`${name}.scale`, [m.N], scale),
    };
  };
  const nodes = g.nodes;
  g.nodes = [];
  for (const n of nodes) {
    if (n.opType === 'MatMul' && n.domain === '') {
      const qw = quantizeInit(n.inputs[1]!);
      if (qw) {
        g.node('DynamicQuantizeMatMul', [n.inputs[0]!, qw.q, qw.scale], n.outputs, {}, 'com.microsoft');
        continue;
      }
    } else if (n.opType === 'Attention' && n.domain === 'com.microsoft') {
      const qw = quantizeInit(n.inputs[1]!);
      if (qw) {
        const [xq, xs, xzp] = g.node('DynamicQuantizeLinear', [n.inputs[0]!], 3);
        const { mask_filter_value: _unused, ...attrs } = n.attrs;
        g.node('QAttention', [xq!, qw.q, n.inputs[2]!, xs!, qw.scale, n.inputs[3] ?? '', xzp!], n.outputs, attrs, 'com.microsoft');
        continue;
      }
    }
    g.nodes.push(n);
  }
  const stillUsed = new Set(g.nodes.flatMap((n) => n.inputs));
  for (const name of replaced) if (!stillUsed.has(name)) g.initializers.delete(name);
  return g;
}
