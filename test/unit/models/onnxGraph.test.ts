import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelProto } from '../../../models/onnx/onnxProto';
import { serializeModel } from '../../../models/onnx/graphIr';
import { buildSpecterGraph, transpose2d } from '../../../models/onnx/buildGraph';
import { loadAdapter, loadBase } from '../../../models/checkpoint/load';
import { writeRandomCheckpoint } from '../../../models/checkpoint/randomCheckpoint';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';

interface DecodedModel {
  opsetImport: Array<{ domain: string; version: number }>;
  graph: {
    node: Array<{ opType: string; domain?: string; input: string[]; output: string[] }>;
    initializer: Array<{ name: string; dims: number[]; dataType: number; rawData?: Uint8Array }>;
    input: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
    output: Array<{ name: string; type: { tensorType: { elemType: number; shape: { dim: Array<{ dimValue?: number; dimParam?: string }> } } } }>;
  };
}
const decode = (bytes: Uint8Array) => ModelProto.toObject(ModelProto.decode(bytes), { longs: Number, defaults: false, arrays: true }) as unknown as DecodedModel;
const histogram = (m: DecodedModel) => {
  const h: Record<string, number> = {};
  for (const n of m.graph.node) h[n.opType] = (h[n.opType] ?? 0) + 1;
  return h;
};

test('onnx schema: reference.onnx (torch.onnx.export) decodes through our onnx.proto subset with the README op histogram',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny', 'reference.onnx') }, () => {
    const m = decode(fs.readFileSync(path.join(TINY_MODEL, 'reference.onnx')));
    assert.deepEqual(m.opsetImport.find((o) => !o.domain)?.version, 17);
    const h = histogram(m);
    assert.deepEqual({ MatMul: h.MatMul, LayerNormalization: h.LayerNormalization, Erf: h.Erf, Relu: h.Relu, Softmax: h.Softmax, Gather: h.Gather, Add: h.Add },
      { MatMul: 20, LayerNormalization: 7, Erf: 2, Relu: 2, Softmax: 2, Gather: 18, Add: 30 });
    assert.deepEqual(m.graph.input.map((i) => [i.name, i.type.tensorType.elemType]), [['input_ids', 7], ['attention_mask', 7]]);
    const we = m.graph.initializer.find((i) => i.name === 'model.bert.embeddings.word_embeddings.weight')!;
    assert.deepEqual(we.dims, [31090, 64]);
    assert.equal(we.dataType, 1);
    assert.equal(we.rawData!.byteLength, 31090 * 64 * 4);
  });

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'onnx-graph-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const small = writeRandomCheckpoint(tmp, {
  vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 20, reductionFactor: 4,
  adapters: ['proximity'], seed: 7, std: 0.3,
});

test('builder (contrib): opset 17 + com.microsoft, typed I/O, fused QKV weights pre-transposed, adapter from config', () => {
  const base = loadBase(small.base);
  const ad = loadAdapter(small.adapters.proximity!, base.config);
  const m = decode(serializeModel(buildSpecterGraph(base, ad, { attention: 'contrib' }), 'test'));
  assert.deepEqual(m.opsetImport.map((o) => [o.domain ?? '', o.version]), [['', 17], ['com.microsoft', 1]]);
  assert.deepEqual(m.graph.input.map((i) => [i.name, i.type.tensorType.elemType, i.type.tensorType.shape.dim.map((d) => d.dimParam)]),
    [['input_ids', 7, ['batch', 'sequence']], ['attention_mask', 7, ['batch', 'sequence']]]);
  assert.deepEqual(m.graph.output.map((o) => [o.name, o.type.tensorType.elemType, o.type.tensorType.shape.dim.map((d) => d.dimParam ?? d.dimValue)]),
    [['cls', 1, ['batch', 16]]]);
  const h = histogram(m);
  assert.equal(h.Attention, 2);
  assert.equal(h.BiasGelu, 2);
  assert.equal(h.Relu, 2, 'one adapter ReLU per layer');
  assert.equal(h.SkipLayerNormalization, 2 * 3, 'attention LN + output LN used twice per layer (original_ln_before/after)');
  assert.equal(h.FastGelu, undefined, 'tanh GELU must not be used');
  const qkv = m.graph.initializer.find((i) => i.name === 'encoder.layer.1.attention.qkv.weight_t')!;
  assert.deepEqual(qkv.dims, [16, 48]);
  const got = new Float32Array(new Uint8Array(qkv.rawData!).buffer);
  const wk = transpose2d(base.tensors.get('encoder.layer.1.attention.self.key.weight')!);
  for (let r = 0; r < 16; r++) for (let c = 0; c < 16; c++) assert.equal(got[r * 48 + 16 + c], wk[r * 16 + c]);
  assert.ok(m.graph.initializer.some((i) => i.name.includes('.adapters.[PRX].adapter_up.weight_t')));
});

test('builder (standard): only default-domain ops, exact erf GELU, additive float32-min mask', () => {
  const base = loadBase(small.base);
  const m = decode(serializeModel(buildSpecterGraph(base, null, { attention: 'standard' }), 'test'));
  assert.deepEqual(m.opsetImport.map((o) => o.domain ?? ''), ['']);
  assert.ok(m.graph.node.every((n) => !n.domain));
  const h = histogram(m);
  assert.equal(h.Erf, 2);
  assert.equal(h.Softmax, 2);
  assert.equal(h.Relu, undefined);
  const fmin = m.graph.initializer.find((i) => i.name === 'const.f32_min')!;
  assert.equal(new Float32Array(new Uint8Array(fmin.rawData!).buffer)[0], -3.4028234663852886e38);
});

test('contrib and standard lowerings agree in ONNX Runtime (padded batch, adapter on)', async () => {
  const base = loadBase(small.base);
  const ad = loadAdapter(small.adapters.proximity!, base.config);
  const ids = BigInt64Array.from([2, 5, 9, 11, 3, 0, 2, 7, 0, 0, 0, 0].map(BigInt));
  const mask = BigInt64Array.from([1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0].map(BigInt));
  const outs: Float32Array[] = [];
  for (const attention of ['contrib', 'standard'] as const) {
    const s = await ort.InferenceSession.create(serializeModel(buildSpecterGraph(base, ad, { attention }), 't'), { graphOptimizationLevel: 'all' });
    outs.push((await s.run({ input_ids: new ort.Tensor('int64', ids, [2, 6]), attention_mask: new ort.Tensor('int64', mask, [2, 6]) })).cls!.data as Float32Array);
    await s.release();
  }
  assert.equal(outs[0]!.length, 32);
  let maxd = 0;
  outs[0]!.forEach((v, i) => { maxd = Math.max(maxd, Math.abs(v - outs[1]![i]!)); });
  assert.ok(maxd < 1e-5, `max diff ${maxd}`);
  assert.ok(outs[0]!.some((v) => Math.abs(v) > 0.1), 'non-trivial output');
});

test('multi-adapter graph: adapter_index 0 = base, k = adapter k, bit-for-bit like the single graphs (bottlenecks zero-padded)', async () => {
  const { buildMultiAdapterGraph } = await import('../../../models/onnx/buildGraph');
  // same seed → same base weights; the second checkpoint's adapter has a smaller bottleneck (16/8 = 2 vs 16/4 = 4)
  const other = writeRandomCheckpoint(path.join(tmp, 'rf8'), {
    vocabSize: 50, hiddenSize: 16, numLayers: 2, numHeads: 2, intermediateSize: 32, maxPositions: 20, reductionFactor: 8,
    adapters: ['proximity', 'regression'], seed: 7, std: 0.3,
  });
  const base = loadBase(small.base);
  const a1 = loadAdapter(small.adapters.proximity!, base.config);
  const a2 = loadAdapter(other.adapters.regression!, base.config);
  assert.deepEqual([a1.config.bottleneck, a2.config.bottleneck], [4, 2]);
  const ids = BigInt64Array.from([2, 5, 9, 11, 3, 0, 2, 7, 0, 0, 0, 0].map(BigInt));
  const mask = BigInt64Array.from([1, 1, 1, 1, 1, 0, 1, 1, 0, 0, 0, 0].map(BigInt));
  const feeds = { input_ids: new ort.Tensor('int64', ids, [2, 6]), attention_mask: new ort.Tensor('int64', mask, [2, 6]) };
  const multi = await ort.InferenceSession.create(serializeModel(buildMultiAdapterGraph(base, [a1, a2]), 't'), { graphOptimizationLevel: 'all' });
  for (const [k, single] of [[0, null], [1, a1], [2, a2]] as const) {
    const s = await ort.InferenceSession.create(serializeModel(buildSpecterGraph(base, single), 't'), { graphOptimizationLevel: 'all' });
    const want = (await s.run(feeds)).cls!.data as Float32Array;
    const got = (await multi.run({ ...feeds, adapter_index: new ort.Tensor('int64', BigInt64Array.from([BigInt(k)]), []) })).cls!.data as Float32Array;
    let maxd = 0;
    want.forEach((v, i) => { maxd = Math.max(maxd, Math.abs(v - got[i]!)); });
    assert.ok(maxd <= 1e-6, `adapter_index ${k}: max diff ${maxd}`);
    await s.release();
  }
  await multi.release();
});
