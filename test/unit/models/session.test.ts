import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SpecterSession } from '../../../models/runtime/session';
import { writeRandomCheckpoint } from '../../../models/checkpoint/randomCheckpoint';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'session-test-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));
const model = writeRandomCheckpoint(path.join(tmp, 'model'), {
  vocabSize: 60, hiddenSize: 32, numLayers: 2, numHeads: 4, intermediateSize: 64, maxPositions: 24, reductionFactor: 8,
  adapters: ['proximity', 'adhoc_query'], seed: 3, std: 0.2,
});
const ids = BigInt64Array.from([2, 7, 9, 13, 3, 2, 40, 3, 0, 0].map(BigInt));
const mask = BigInt64Array.from([1, 1, 1, 1, 1, 1, 1, 1, 0, 0].map(BigInt));

test('second open uses the on-disk cache (no rebuild) and gives bit-identical output', async () => {
  const cacheDir = path.join(tmp, 'cache1');
  const a = await SpecterSession.open(model, 'proximity', 'fp32', { cacheDir, intraOpThreads: 1 });
  assert.equal(a.builtFromCache, false);
  assert.equal(a.hiddenSize, 32);
  const outA = await a.run(ids, mask, 2, 5);
  await a.dispose();
  const files = fs.readdirSync(cacheDir);
  assert.equal(files.length, 1, `exactly one cache entry, no tmp leftovers: ${files}`);
  const mtime = fs.statSync(path.join(cacheDir, files[0]!)).mtimeMs;

  const b = await SpecterSession.open(model, 'proximity', 'fp32', { cacheDir });
  assert.equal(b.builtFromCache, true);
  assert.equal(b.cacheKey, a.cacheKey);
  assert.equal(fs.statSync(path.join(cacheDir, files[0]!)).mtimeMs, mtime, 'cache file not rewritten');
  assert.deepEqual(await b.run(ids, mask, 2, 5), outA);
  await b.dispose();
});

test('one model file and one ORT session serve base + every adapter; key depends on precision and file contents', async () => {
  const cacheDir = path.join(tmp, 'cache2');
  const handles = [];
  for (const adapter of [null, 'proximity', 'adhoc_query'] as const) handles.push(await SpecterSession.open(model, adapter, 'fp32', { cacheDir }));
  assert.deepEqual(handles.map((h) => h.builtFromCache), [false, true, true], 'built once, then shared');
  assert.equal(new Set(handles.map((h) => h.cacheKey)).size, 1);
  assert.equal(fs.readdirSync(cacheDir).length, 1);
  const outs = await Promise.all(handles.map((h) => h.run(ids, mask, 2, 5)));
  assert.notDeepEqual(outs[0], outs[1]);
  assert.notDeepEqual(outs[1], outs[2]);
  // disposing one handle leaves the shared session usable by the others
  await handles[0]!.dispose();
  assert.deepEqual(await handles[2]!.run(ids, mask, 2, 5), outs[2]);
  await handles[1]!.dispose();
  await handles[2]!.dispose();

  const q = await SpecterSession.open(model, 'proximity', 'int8', { cacheDir });
  assert.equal(q.builtFromCache, false);
  assert.notEqual(q.cacheKey, handles[0]!.cacheKey);
  await q.dispose();
  // editing an input file (here: re-serialising adapter_config.json) invalidates the entry
  const cfg = path.join(model.adapters.proximity!, 'adapter_config.json');
  const original = fs.readFileSync(cfg, 'utf8');
  fs.writeFileSync(cfg, JSON.stringify(JSON.parse(original)));
  try {
    const s = await SpecterSession.open(model, 'proximity', 'fp32', { cacheDir });
    assert.equal(s.builtFromCache, false);
    assert.notEqual(s.cacheKey, handles[0]!.cacheKey);
    await s.dispose();
  } finally {
    fs.writeFileSync(cfg, original);
  }
});

test('concurrent opens of one model build it once', async () => {
  const cacheDir = path.join(tmp, 'cache6');
  const [a, b] = await Promise.all([
    SpecterSession.open(model, 'proximity', 'fp32', { cacheDir }),
    SpecterSession.open(model, 'adhoc_query', 'fp32', { cacheDir }),
  ]);
  assert.deepEqual([a.builtFromCache, b.builtFromCache], [false, true]);
  assert.equal(fs.readdirSync(cacheDir).length, 1);
  await a.dispose();
  await b.dispose();
});

test('a damaged cache entry is rebuilt, not fatal', async () => {
  const cacheDir = path.join(tmp, 'cache3');
  const a = await SpecterSession.open(model, null, 'fp32', { cacheDir });
  const expected = await a.run(ids, mask, 2, 5);
  await a.dispose();
  fs.writeFileSync(a.modelPath, 'garbage');
  const b = await SpecterSession.open(model, null, 'fp32', { cacheDir });
  assert.equal(b.builtFromCache, false);
  assert.deepEqual(await b.run(ids, mask, 2, 5), expected);
  await b.dispose();
});

test('padding does not change a row; batch rows equal single runs', async () => {
  const s = await SpecterSession.open(model, 'adhoc_query', 'fp32', { cacheDir: path.join(tmp, 'cache4') });
  const batch = await s.run(ids, mask, 2, 5);
  const row1 = await s.run(ids.subarray(5, 8), mask.subarray(5, 8), 1, 3);
  for (let j = 0; j < 32; j++) assert.ok(Math.abs(batch[32 + j]! - row1[j]!) < 1e-5, `col ${j}`);
  await s.dispose();
});

test('bad inputs are refused with clear messages; missing adapter; use after dispose', async () => {
  const s = await SpecterSession.open(model, null, 'fp32', { cacheDir: path.join(tmp, 'cache5') });
  await assert.rejects(s.run(ids, mask, 3, 5), /expected 3×5 = 15 ids/);
  await assert.rejects(s.run(new BigInt64Array(25), new BigInt64Array(25).fill(1n), 1, 25), /seq 25 exceeds the model's 24 positions/);
  await assert.rejects(s.run(BigInt64Array.from([2n, 60n]), BigInt64Array.from([1n, 1n]), 1, 2), /token id 60 at position 1 is outside the vocabulary/);
  await s.dispose();
  await assert.rejects(s.run(ids, mask, 2, 5), /after dispose/);
  await assert.rejects(SpecterSession.open(model, 'regression', 'fp32', { cacheDir: path.join(tmp, 'cache5') }), /adapter "regression" is not available/);
});
