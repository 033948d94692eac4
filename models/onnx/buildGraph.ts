/**
 * Builds the ONNX graph of SPECTER2 = BERT encoder (+ optional sequential bottleneck adapter) with the exact
 * inference math of the reference (see the fixture README): token-type-0 embeddings, LayerNorm eps from the
 * config, exact erf GELU, adapter `LN(Hd + up(relu(down(LN(Hd + A)))) + A)` sharing output.LayerNorm.
 * Inputs: input_ids int64 [batch, seq], attention_mask int64 [batch, seq]. Output: cls float32 [batch, hidden].
 *
 * Two attention lowerings:
 *  - 'contrib' (default): ONNX Runtime's CPU contrib ops (com.microsoft Attention with fused QKV weights,
 *    SkipLayerNormalization, BiasGelu — all exact, erf GELU) — measured fastest on CPU;
 *  - 'standard': only opset-17 ops (fused QKV MatMul, Softmax with an additive (1-mask)*float32_min mask),
 *    for runtimes without contrib ops.
 * Weights become initializers, pre-transposed to [in, out] for MatMul.
 */
import type { AdapterWeights, BaseWeights, F32Tensor } from '../checkpoint/load';
import { DataType } from './onnxProto';
import { OnnxGraph } from './graphIr';

export type AttentionImpl = 'contrib' | 'standard';
export interface BuildOptions {
  attention?: AttentionImpl;
  /**
   * Only the CLS row of the last layer is an output, so after the last attention (which still needs every
   * token's keys/values) the remaining work runs on row 0 only. Mathematically identical.
   */
  clsOnlyLastLayer?: boolean;
}

const F32_MIN = -3.4028234663852886e38;

/** [out, in] (PyTorch Linear) → [in, out] (MatMul B). */
export function transpose2d(t: F32Tensor): Float32Array {
  const [rows, cols] = t.shape as [number, number];
  const src = t.data;
  const out = new Float32Array(rows * cols);
  const TILE = 32; // cache-friendly tiles: a naive strided transpose of 85 M weights is several times slower
  for (let r0 = 0; r0 < rows; r0 += TILE) {
    const r1 = Math.min(r0 + TILE, rows);
    for (let c0 = 0; c0 < cols; c0 += TILE) {
      const c1 = Math.min(c0 + TILE, cols);
      for (let r = r0; r < r1; r++) {
        const rowBase = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = src[rowBase + c]!;
      }
    }
  }
  return out;
}

/** Input name of the multi-adapter graph: int64 scalar, 0 = no adapter, k = `adapters[k - 1]`. */
export const ADAPTER_INDEX_INPUT = 'adapter_index';

/** Per-layer adapter tensors as graph values ([H,B] down, [B] bias, [B,H] up, [H] bias). */
interface AdapterValues { downW: string; downB: string; upW: string; upB: string }
type AdapterSource = (g: OnnxGraph, layer: number) => AdapterValues;

function checkAdapter(adapter: AdapterWeights, numLayers: number, H: number): void {
  if (adapter.layers.length !== numLayers) {
    throw new Error(`${adapter.weightFile}: adapter has ${adapter.layers.length} layers, base model has ${numLayers}`);
  }
  if (adapter.config.hiddenSize !== H) throw new Error(`${adapter.configFile}: adapter hidden size ${adapter.config.hiddenSize} ≠ ${H}`);
}

/** Base model alone (`adapter` null) or with one adapter whose weights are constant initializers. */
export function buildSpecterGraph(base: BaseWeights, adapter: AdapterWeights | null, opts: BuildOptions = {}): OnnxGraph {
  const H = base.config.hiddenSize;
  if (!adapter) return buildEncoder(base, null, opts);
  checkAdapter(adapter, base.config.numLayers, H);
  const B = adapter.config.bottleneck;
  return buildEncoder(base, (g, i) => {
    const a = adapter.layers[i]!;
    const q = `encoder.layer.${i}.output.adapters.${adapter.config.name}.`;
    return {
      downW: g.f32(`${q}adapter_down.0.weight_t`, [H, B], transpose2d(a.downW)),
      downB: g.f32(`${q}adapter_down.0.bias`, [B], a.downB.data),
      upW: g.f32(`${q}adapter_up.weight_t`, [B, H], transpose2d(a.upW)),
      upB: g.f32(`${q}adapter_up.bias`, [H], a.upB.data),
    };
  }, opts);
}

/**
 * One graph for the base model AND several adapters, chosen per run by the int64 scalar input `adapter_index`
 * (0 = no adapter, k = adapters[k-1]), so one ONNX Runtime session — one copy of the 440 MB encoder weights —
 * serves papers (proximity) and queries (adhoc_query). Per layer the adapter weights are stacked
 * ([n+1, H, Bmax], slot 0 all zeros) and picked with Gather. This is exact, not approximate:
 *  - slot 0: up-projection and its bias are 0, so X_next = LN(0 + (Hd + A) + 0) = LN(Hd + A), the base model;
 *  - adapters with a smaller bottleneck are zero-padded: padded units give relu(0 + 0) = 0 times zero up rows.
 */
export function buildMultiAdapterGraph(base: BaseWeights, adapters: AdapterWeights[], opts: BuildOptions = {}): OnnxGraph {
  const c = base.config, H = c.hiddenSize;
  for (const a of adapters) checkAdapter(a, c.numLayers, H);
  const Bmax = Math.max(1, ...adapters.map((a) => a.config.bottleneck));
  const n = adapters.length + 1;
  const g0 = buildEncoder(base, (g, i) => {
    const down = new Float32Array(n * H * Bmax), downB = new Float32Array(n * Bmax);
    const up = new Float32Array(n * Bmax * H), upB = new Float32Array(n * H);
    adapters.forEach((a, k) => {
      const slot = k + 1, B = a.config.bottleneck, l = a.layers[i]!;
      const dT = transpose2d(l.downW); // [H, B]
      for (let r = 0; r < H; r++) down.set(dT.subarray(r * B, (r + 1) * B), slot * H * Bmax + r * Bmax);
      downB.set(l.downB.data, slot * Bmax);
      up.set(transpose2d(l.upW), slot * Bmax * H); // [B, H] rows; rows B..Bmax stay 0
      upB.set(l.upB.data, slot * H);
    });
    const p = `encoder.layer.${i}.output.adapters.stacked.`;
    const pick = (name: string, dims: number[], data: Float32Array) =>
      g.op('Gather', [g.f32(p + name, [n, ...dims], data), ADAPTER_INDEX_INPUT], { axis: 0 });
    return {
      downW: pick('adapter_down.0.weight_t', [H, Bmax], down),
      downB: pick('adapter_down.0.bias', [Bmax], downB),
      upW: pick('adapter_up.weight_t', [Bmax, H], up),
      upB: pick('adapter_up.bias', [H], upB),
    };
  }, opts);
  g0.inputs.push({ name: ADAPTER_INDEX_INPUT, elemType: DataType.INT64, dims: [] });
  return g0;
}

function buildEncoder(base: BaseWeights, adapter: AdapterSource | null, opts: BuildOptions): OnnxGraph {
  const impl = opts.attention ?? 'contrib';
  const clsOnly = opts.clsOnlyLastLayer ?? true;
  const c = base.config;
  const H = c.hiddenSize, nH = c.numHeads, d = H / nH;
  const eps = { float: c.layerNormEps };
  const W = (k: string) => {
    const t = base.tensors.get(k);
    if (!t) throw new Error(`internal: base tensor ${k} was not loaded`);
    return t;
  };

  const g = new OnnxGraph();
  g.inputs.push({ name: 'input_ids', elemType: DataType.INT64, dims: ['batch', 'sequence'] });
  g.inputs.push({ name: 'attention_mask', elemType: DataType.INT64, dims: ['batch', 'sequence'] });
  g.outputs.push({ name: 'cls', elemType: DataType.FLOAT, dims: ['batch', H] });

  // ---- embeddings: word[ids] + position[0..T-1] + token_type[0], then LayerNorm
  const wordEmb = g.f32('embeddings.word_embeddings.weight', [c.vocabSize, H], W('embeddings.word_embeddings.weight').data);
  const posEmb = g.f32('embeddings.position_embeddings.weight', [c.maxPositions, H], W('embeddings.position_embeddings.weight').data);
  const type0 = g.f32('embeddings.token_type_embeddings.row0', [H], W('embeddings.token_type_embeddings.weight').data.subarray(0, H));
  const seqLen = g.op('Shape', ['input_ids'], { start: 1, end: 2 });
  const zero1 = g.i64('const.zero_1d', [1], [0]);
  const posRows = g.op('Slice', [posEmb, zero1, seqLen, zero1]);
  const words = g.op('Gather', [wordEmb, 'input_ids'], { axis: 0 });
  const emb = g.op('Add', [g.op('Add', [words, posRows]), type0]);
  let X = g.op('LayerNormalization', [emb, g.f32('embeddings.LayerNorm.weight', [H], W('embeddings.LayerNorm.weight').data),
    g.f32('embeddings.LayerNorm.bias', [H], W('embeddings.LayerNorm.bias').data)], { axis: -1, epsilon: eps });

  // ---- attention mask in the form each lowering wants
  let maskInput: string;
  if (impl === 'contrib') {
    maskInput = g.op('Cast', ['attention_mask'], { to: DataType.INT32 }); // raw [B,T] 1/0 mask_index
  } else {
    const mf = g.op('Cast', ['attention_mask'], { to: DataType.FLOAT });
    const inv = g.op('Sub', [g.f32('const.one', [], [1]), mf]);
    const add = g.op('Mul', [inv, g.f32('const.f32_min', [], [F32_MIN])]);
    maskInput = g.op('Unsqueeze', [add, g.i64('const.axes_1_2', [2], [1, 2])]); // [B,1,1,T]
  }
  let zeroName: string | null = null;
  const zeroScalar = () => (zeroName ??= g.i64('const.zero', [], [0]));
  const one1 = g.i64('const.one_1d', [1], [1]);

  for (let i = 0; i < c.numLayers; i++) {
    const p = `encoder.layer.${i}.`;
    const last = i === c.numLayers - 1;
    // fused QKV weight [H, 3H] (columns: q | k | v) and bias [3H]
    const wq = transpose2d(W(`${p}attention.self.query.weight`));
    const wk = transpose2d(W(`${p}attention.self.key.weight`));
    const wv = transpose2d(W(`${p}attention.self.value.weight`));
    const wqkv = new Float32Array(H * 3 * H);
    for (let r = 0; r < H; r++) {
      wqkv.set(wq.subarray(r * H, (r + 1) * H), r * 3 * H);
      wqkv.set(wk.subarray(r * H, (r + 1) * H), r * 3 * H + H);
      wqkv.set(wv.subarray(r * H, (r + 1) * H), r * 3 * H + 2 * H);
    }
    const bqkv = new Float32Array(3 * H);
    bqkv.set(W(`${p}attention.self.query.bias`).data, 0);
    bqkv.set(W(`${p}attention.self.key.bias`).data, H);
    bqkv.set(W(`${p}attention.self.value.bias`).data, 2 * H);
    const qkvW = g.f32(`${p}attention.qkv.weight_t`, [H, 3 * H], wqkv);
    const qkvB = g.f32(`${p}attention.qkv.bias`, [3 * H], bqkv);

    let ctx: string;
    if (impl === 'contrib') {
      ctx = g.op('Attention', [X, qkvW, qkvB, maskInput], { num_heads: nH, mask_filter_value: { float: F32_MIN } }, 'com.microsoft');
    } else {
      const qkv = g.op('Add', [g.op('MatMul', [X, qkvW]), qkvB]);
      const r5 = g.op('Reshape', [qkv, g.i64(`${p}shape_qkv`, [5], [0, 0, 3, nH, d])]);
      const t5 = g.op('Transpose', [r5], { perm: [2, 0, 3, 1, 4] }); // [3,B,nH,T,d]
      const q = g.op('Gather', [t5, zeroScalar()], { axis: 0 });
      const k = g.op('Gather', [t5, g.i64(`${p}idx1`, [], [1])], { axis: 0 });
      const v = g.op('Gather', [t5, g.i64(`${p}idx2`, [], [2])], { axis: 0 });
      const kt = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
      const scores = g.op('Div', [g.op('MatMul', [q, kt]), g.f32(`${p}sqrt_d`, [], [Math.sqrt(d)])]);
      const probs = g.op('Softmax', [g.op('Add', [scores, maskInput])], { axis: -1 });
      const c4 = g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] });
      ctx = g.op('Reshape', [c4, g.i64(`${p}shape_ctx`, [3], [0, 0, H])]);
    }
    if (last && clsOnly) {
      // keep [B,1,H]: only the CLS row is needed after the last attention
      ctx = g.op('Slice', [ctx, zero1, one1, one1]);
      X = g.op('Slice', [X, zero1, one1, one1]);
    }
    const ln1g = g.f32(`${p}attention.output.LayerNorm.weight`, [H], W(`${p}attention.output.LayerNorm.weight`).data);
    const ln1b = g.f32(`${p}attention.output.LayerNorm.bias`, [H], W(`${p}attention.output.LayerNorm.bias`).data);
    const woB = g.f32(`${p}attention.output.dense.bias`, [H], W(`${p}attention.output.dense.bias`).data);
    const S = g.op('MatMul', [ctx, g.f32(`${p}attention.output.dense.weight_t`, [H, H], transpose2d(W(`${p}attention.output.dense.weight`)))]);
    const A = skipLn(g, impl, S, X, ln1g, ln1b, woB, eps)[0];

    const I = c.intermediateSize;
    const F = g.op('MatMul', [A, g.f32(`${p}intermediate.dense.weight_t`, [H, I], transpose2d(W(`${p}intermediate.dense.weight`)))]);
    const b1 = g.f32(`${p}intermediate.dense.bias`, [I], W(`${p}intermediate.dense.bias`).data);
    const G = impl === 'contrib' ? g.op('BiasGelu', [F, b1], {}, 'com.microsoft') : gelu(g, g.op('Add', [F, b1]));
    const M2 = g.op('MatMul', [G, g.f32(`${p}output.dense.weight_t`, [I, H], transpose2d(W(`${p}output.dense.weight`)))]);
    const b2 = g.f32(`${p}output.dense.bias`, [H], W(`${p}output.dense.bias`).data);
    const ln2g = g.f32(`${p}output.LayerNorm.weight`, [H], W(`${p}output.LayerNorm.weight`).data);
    const ln2b = g.f32(`${p}output.LayerNorm.bias`, [H], W(`${p}output.LayerNorm.bias`).data);
    if (!adapter) {
      X = skipLn(g, impl, M2, A, ln2g, ln2b, b2, eps)[0];
    } else {
      const a = adapter(g, i);
      // Z = LN(Hd + A) (original_ln_before) and sum = Hd + A with Hd = M2 + b2
      const [Z, sum] = skipLn(g, impl, M2, A, ln2g, ln2b, b2, eps, true);
      const D = g.op('Relu', [g.op('Add', [g.op('MatMul', [Z, a.downW]), a.downB])]);
      const U = g.op('MatMul', [D, a.upW]);
      // X_next = LN(U + b_up + Hd + A): residual Hd (residual_before_ln), then original_ln_after with the same LN
      X = skipLn(g, impl, U, sum!, ln2g, ln2b, a.upB, eps)[0];
    }
  }
  if (clsOnly) g.node('Reshape', [X, g.i64('const.shape_cls', [2], [0, H])], ['cls']);
  else g.node('Gather', [X, zeroScalar()], ['cls'], { axis: 1 });
  return g;
}

/** LN(input + skip + bias); optionally also returns input + skip + bias. */
function skipLn(g: OnnxGraph, impl: AttentionImpl, input: string, skip: string, gamma: string, beta: string, bias: string,
  eps: { float: number }, wantSum = false): [string, string?] {
  if (impl === 'contrib') {
    const outs = wantSum ? [g.fresh('skipln'), '', '', g.fresh('skipsum')] : [g.fresh('skipln')];
    g.node('SkipLayerNormalization', [input, skip, gamma, beta, bias], outs, { epsilon: eps }, 'com.microsoft');
    return [outs[0]!, wantSum ? outs[3] : undefined];
  }
  // Same association as the reference: (input + bias) + skip
  const sum = g.op('Add', [g.op('Add', [input, bias]), skip]);
  return [g.op('LayerNormalization', [sum, gamma, beta], { axis: -1, epsilon: eps }), sum];
}

/** Exact GELU: 0.5 x (1 + erf(x / sqrt 2)). */
function gelu(g: OnnxGraph, x: string): string {
  const e = g.op('Erf', [g.op('Div', [x, g.f32(g.fresh('sqrt2'), [], [Math.SQRT2])])]);
  const onePlus = g.op('Add', [e, g.f32(g.fresh('one'), [], [1])]);
  return g.op('Mul', [g.op('Mul', [x, g.f32(g.fresh('half'), [], [0.5])]), onePlus]);
}
