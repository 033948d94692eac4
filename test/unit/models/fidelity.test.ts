/**
 * Numerical fidelity against golden.json (CLS vectors computed by transformers + adapters): every case one at a
 * time and the padded 8×512 batch, for the base model and all four adapters, through the real SpecterSession
 * (checkpoint readers → TypeScript graph builder → ONNX Runtime).
 */
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecterSession } from '../../../models/runtime/session';
import type { AttentionImpl } from '../../../models/onnx/buildGraph';
import { ADAPTERS, type AdapterName, type ModelDir } from '../../../models/types';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json');
const ATOL = 1e-4;

interface Golden {
  embedding_keys: string[];
  cases: Array<{ id: string; input_ids: number[]; attention_mask: number[]; cls: Record<string, number[]> }>;
  batch_check: { input_ids: number[][]; attention_mask: number[][]; cls: Record<string, number[][]> };
}

function tinyModelDir(base = path.join(TINY_MODEL, 'base')): ModelDir {
  const adapters: ModelDir['adapters'] = {};
  for (const a of ADAPTERS) adapters[a] = path.join(TINY_MODEL, 'adapters', a);
  return { root: TINY_MODEL, base, adapters, modelId: 'specter2-tiny' };
}

const big = (xs: number[]) => BigInt64Array.from(xs.map((x) => BigInt(x)));

async function maxDiffs(session: SpecterSession, golden: Golden, key: string): Promise<{ single: number; batch: number }> {
  let single = 0;
  for (const c of golden.cases) {
    const out = await session.run(big(c.input_ids), big(c.attention_mask), 1, c.input_ids.length);
    assert.equal(out.length, 64);
    c.cls[key]!.forEach((v, j) => { single = Math.max(single, Math.abs(v - out[j]!)); });
  }
  const bc = golden.batch_check;
  const B = bc.input_ids.length, T = bc.input_ids[0]!.length;
  const out = await session.run(big(bc.input_ids.flat()), big(bc.attention_mask.flat()), B, T);
  let batch = 0;
  bc.cls[key]!.forEach((row, r) => row.forEach((v, j) => { batch = Math.max(batch, Math.abs(v - out[r * 64 + j]!)); }));
  return { single, batch };
}

test('golden CLS vectors: base + 4 adapters, single cases and padded batch, both attention lowerings', { skip }, async (t) => {
  const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as Golden;
  assert.deepEqual(golden.embedding_keys, ['base', ...ADAPTERS]);
  const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fidelity-'));
  try {
    for (const attention of ['contrib', 'standard'] as AttentionImpl[]) {
      for (const key of golden.embedding_keys) {
        const adapter = key === 'base' ? null : (key as AdapterName);
        const s = await SpecterSession.open(tinyModelDir(), adapter, 'fp32', { cacheDir, attention });
        try {
          const d = await maxDiffs(s, golden, key);
          t.diagnostic(`${attention} ${key}: max |Δ| single ${d.single.toExponential(2)}, padded batch ${d.batch.toExponential(2)}`);
          assert.ok(d.single <= ATOL, `${attention}/${key}: single-case max abs diff ${d.single} > ${ATOL}`);
          assert.ok(d.batch <= ATOL, `${attention}/${key}: padded-batch max abs diff ${d.batch} > ${ATOL}`);
        } finally {
          await s.dispose();
        }
      }
    }
  } finally {
    fs.rmSync(cacheDir, { recursive: true, force: true });
  }
});

test('golden CLS vectors through the pytorch_model.bin loader (base dir without model.safetensors)', { skip }, async (t) => {
  const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as Golden;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fidelity-bin-'));
  try {
    // A base folder that only offers pytorch_model.bin (symlinks to the shared fixture, nothing copied).
    const base = path.join(tmp, 'base');
    fs.mkdirSync(base);
    for (const f of ['config.json', 'pytorch_model.bin']) fs.symlinkSync(path.join(TINY_MODEL, 'base', f), path.join(base, f));
    for (const key of ['base', 'proximity'] as const) {
      const s = await SpecterSession.open(tinyModelDir(base), key === 'base' ? null : key, 'fp32', { cacheDir: path.join(tmp, 'cache') });
      try {
        const d = await maxDiffs(s, golden, key);
        t.diagnostic(`pytorch_model.bin ${key}: max |Δ| single ${d.single.toExponential(2)}, batch ${d.batch.toExponential(2)}`);
        assert.ok(d.single <= ATOL && d.batch <= ATOL, `${key}: ${JSON.stringify(d)}`);
      } finally {
        await s.dispose();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
