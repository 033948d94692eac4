import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EtaEstimator, approxTokens, entryCost, formatEta } from '../../../extension/core/index/eta';

test('cost grows faster than the token count (attention), so long entries weigh more than their share', () => {
  assert.ok(entryCost(512) > 2 * entryCost(256));
  assert.ok(entryCost(512) / entryCost(16) > 512 / 16 - 5, 'a long abstract costs ~ 30× a title-only entry');
});

test('the estimate follows tokens, not entries: short entries first do not fool it', () => {
  // 100 title-only entries (16 tokens), then 100 long abstracts (400 tokens). Simulated clock: time ∝ cost.
  const tokens = [...Array(100).fill(16), ...Array(100).fill(400)];
  const msPerUnit = 0.01;
  const eta = new EtaEstimator(tokens);
  eta.start(0);
  let now = 0;
  for (let i = 0; i < 100; i += 10) {
    const batch = tokens.slice(i, i + 10);
    now += batch.reduce((a, t) => a + entryCost(t), 0) * msPerUnit;
    eta.batchDone(batch, now);
  }
  const realTotal = tokens.reduce((a, t) => a + entryCost(t), 0) * msPerUnit;
  const estimatedTotal = now + eta.remainingMs(now)!;
  assert.ok(Math.abs(estimatedTotal - realTotal) / realTotal < 1e-9, `${estimatedTotal} vs ${realTotal}`);
  // Half the entries are done but only a small part of the work: an entry-count ETA would say "as long again".
  assert.ok(eta.fraction < 0.1, `work fraction ${eta.fraction}`);
  const byEntries = now; // remaining by count = elapsed × (100 left / 100 done)
  assert.ok(eta.remainingMs(now)! > 10 * byEntries);
});

test('no estimate before any work; zero for an empty run; the first sliver is not trusted', () => {
  const eta = new EtaEstimator([100, 100, 100, 100]);
  assert.equal(eta.remainingMs(0), undefined);
  eta.start(0);
  assert.equal(eta.remainingMs(5), undefined);
  eta.batchDone([100], 1000);
  assert.equal(Math.round(eta.remainingMs(1000)!), 3000);
  assert.equal(new EtaEstimator([]).remainingMs(0), 0);
  assert.equal(new EtaEstimator(Array(1000).fill(100), { minFraction: 0.05 }).remainingMs(0), undefined);
});

test('formatting and the character-based token approximation', () => {
  assert.equal(formatEta(undefined), '');
  assert.equal(formatEta(3000), 'less than 10 s left');
  assert.equal(formatEta(42_000), 'about 40 s left');
  assert.equal(formatEta(12 * 60_000), 'about 12 min left');
  assert.equal(formatEta(3 * 3600_000), 'about 3.0 h left');
  assert.equal(approxTokens(''), 2);
  assert.equal(approxTokens('x'.repeat(10_000)), 512);
});
