import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planBatches, paddingFraction, padBatch } from '../../../models/runtime/batching';

function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

test('every input lands in exactly one batch, longest first within a batch', () => {
  const rnd = lcg(7);
  const lengths = Array.from({ length: 1000 }, () => 5 + Math.floor(rnd() * 507));
  const batches = planBatches(lengths, { batchTokens: 8192 });
  const seen = new Set<number>();
  for (const b of batches) {
    assert.ok(b.indices.length * b.seq <= 8192 || b.indices.length === 1, 'budget respected');
    assert.equal(b.seq, Math.max(...b.indices.map((i) => lengths[i])));
    for (const i of b.indices) { assert.ok(!seen.has(i)); seen.add(i); }
  }
  assert.equal(seen.size, lengths.length);
});

test('padding stays under 10% of computed tokens on a realistic length mix', () => {
  const rnd = lcg(42);
  // Abstract-like lengths: mostly 150-350 tokens, a tail of title-only (~15) and truncated (512).
  const lengths = Array.from({ length: 2000 }, () => {
    const u = rnd();
    return u < 0.1 ? 8 + Math.floor(rnd() * 20) : u < 0.15 ? 512 : 150 + Math.floor(rnd() * 200);
  });
  const batches = planBatches(lengths, { batchTokens: 16384 });
  const frac = paddingFraction(lengths, batches);
  assert.ok(frac < 0.1, `padding fraction ${frac}`);
  // and batching actually happens (not one row per batch)
  assert.ok(batches.length < lengths.length / 10, `${batches.length} batches`);
});

test('padBatch pads right with id 0 and mask 0', () => {
  const { ids, mask } = padBatch([[102, 5, 103], [102, 103]], 3);
  assert.deepEqual([...ids], [102n, 5n, 103n, 102n, 103n, 0n]);
  assert.deepEqual([...mask], [1n, 1n, 1n, 1n, 1n, 0n]);
});
