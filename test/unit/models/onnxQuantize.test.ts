import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { quantizeGraph, quantizePerColumn } from '../../../models/onnx/quantize';
import { buildSpecterGraph } from '../../../models/onnx/buildGraph';
import { loadAdapter, loadBase } from '../../../models/checkpoint/load';
import { SpecterSession } from '../../../models/runtime/session';
import { DataType } from '../../../models/onnx/onnxProto';
import { ADAPTERS, type AdapterName, type ModelDir } from '../../../models/types';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';

test('quantizePerColumn: symmetric int8, per-column scale = max|w|/127, error ≤ scale/2', () => {
  const K = 5, N = 3;
  const w = Float32Array.from([0.5, -2, 0, 0.25, 1, 0, -0.5, 0.3, 0, 0.1, -1.7, 0, 0.05, 2, 0]);
  const { q, scale } = quantizePerColumn(w, K, N);
  assert.deepEqual([...scale], [Math.fround(0.5 / 127), Math.fround(2 / 127), 1]);
  assert.equal(q[0], 127);
  assert.equal(q[1], -127);
  for (let i = 0; i < K * N; i++) assert.ok(Math.abs(q[i]! * scale[i % N]! - w[i]!) <= scale[i % N]! / 2 + 1e-7, `element ${i}`);
});

test('quantizeGraph: encoder MatMuls → DynamicQuantizeMatMul, Attention → QAttention; adapter weights stay fp32',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny', 'base') }, () => {
    const base = loadBase(path.join(TINY_MODEL, 'base'));
    const ad = loadAdapter(path.join(TINY_MODEL, 'adapters', 'proximity'), base.config);
    const g = quantizeGraph(buildSpecterGraph(base, ad, { attention: 'contrib' }));
    const ops = g.nodes.map((n) => n.opType);
    assert.equal(ops.filter((o) => o === 'QAttention').length, 2);
    assert.equal(ops.filter((o) => o === 'Attention').length, 0);
    assert.equal(ops.filter((o) => o === 'DynamicQuantizeMatMul').length, 6);
    const floatMatMulWeights = g.nodes.filter((n) => n.opType === 'MatMul').map((n) => n.inputs[1]!);
    assert.equal(floatMatMulWeights.length, 4);
    assert.ok(floatMatMulWeights.every((w) => w.includes('.adapters.[PRX].')), floatMatMulWeights.join());
    assert.ok(!g.initializers.has('encoder.layer.0.intermediate.dense.weight_t'), 'float copy of a quantised weight is dropped');
    assert.equal(g.initializers.get('encoder.layer.0.intermediate.dense.weight_t.int8')!.dataType, DataType.INT8);
  });

test('int8 vs fp32 on the fixture texts: cosine to the golden vectors ≥ 0.99 for base and every adapter',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json') }, async (t) => {
    const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as {
      cases: Array<{ input_ids: number[]; cls: Record<string, number[]> }>;
      batch_check: { input_ids: number[][]; attention_mask: number[][]; cls: Record<string, number[][]> };
    };
    const cosine = (g: number[], out: Float32Array, off: number) => {
      let dot = 0, na = 0, nb = 0;
      g.forEach((v, j) => { dot += v * out[off + j]!; na += v * v; nb += out[off + j]! ** 2; });
      return dot / Math.sqrt(na * nb);
    };
    const adapters: ModelDir['adapters'] = {};
    for (const a of ADAPTERS) adapters[a] = path.join(TINY_MODEL, 'adapters', a);
    const dir: ModelDir = { root: TINY_MODEL, base: path.join(TINY_MODEL, 'base'), adapters, modelId: 'tiny' };
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'int8-'));
    try {
      for (const key of ['base', ...ADAPTERS]) {
        const s = await SpecterSession.open(dir, key === 'base' ? null : (key as AdapterName), 'int8', { cacheDir });
        let minCos = 1, maxAbs = 0;
        for (const c of golden.cases) {
          const out = await s.run(BigInt64Array.from(c.input_ids.map(BigInt)), new BigInt64Array(c.input_ids.length).fill(1n), 1, c.input_ids.length);
          const g = c.cls[key]!;
          let dot = 0, na = 0, nb = 0;
          g.forEach((v, j) => { dot += v * out[j]!; na += v * v; nb += out[j]! ** 2; maxAbs = Math.max(maxAbs, Math.abs(v - out[j]!)); });
          minCos = Math.min(minCos, dot / Math.sqrt(na * nb));
        }
        // padded batch: dynamic activation scales are per tensor, so padding rows may shift results slightly
        const bc = golden.batch_check;
        const B = bc.input_ids.length, T = bc.input_ids[0]!.length;
        const bout = await s.run(BigInt64Array.from(bc.input_ids.flat().map(BigInt)), BigInt64Array.from(bc.attention_mask.flat().map(BigInt)), B, T);
        const batchMin = Math.min(...bc.cls[key]!.map((row, r) => cosine(row, bout, r * 64)));
        await s.dispose();
        t.diagnostic(`int8 ${key}: min cosine ${minCos.toFixed(5)} over ${golden.cases.length} texts (padded batch ${batchMin.toFixed(5)}), max |Δ| ${maxAbs.toExponential(2)}`);
        assert.ok(batchMin >= 0.99, `${key}: int8 padded-batch min cosine ${batchMin}`);
        assert.ok(minCos >= 0.99, `${key}: int8 min cosine ${minCos}`);
        assert.ok(maxAbs > 1e-5, `${key}: int8 output identical to fp32 (${maxAbs}) — was anything quantised?`);
      }
    } finally {
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });
