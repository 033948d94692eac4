import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LANE_SHARED_INTS, RunLane } from '../../../models/engine/runLane';

const tick = () => new Promise((r) => setImmediate(r));

test('queries jump the queue of index runs; one run at a time', async () => {
  const lane = new RunLane();
  const order: string[] = [];
  let running = 0;
  const job = (name: string) => async () => {
    running++;
    assert.equal(running, 1, 'never two runs at once');
    await tick();
    order.push(name);
    running--;
  };
  const all = [lane.submit('index', job('i1'))];
  await tick(); // i1 is running
  all.push(lane.submit('index', job('i2')), lane.submit('index', job('i3')), lane.submit('query', job('q1')));
  await Promise.all(all);
  assert.deepEqual(order, ['i1', 'q1', 'i2', 'i3']);
});

test('FIFO when the lane is off', async () => {
  const lane = new RunLane({ prioritise: false });
  const order: string[] = [];
  const job = (name: string) => async () => { await tick(); order.push(name); };
  await Promise.all([lane.submit('index', job('i1')), lane.submit('index', job('i2')), lane.submit('query', job('q1'))]);
  assert.deepEqual(order, ['i1', 'i2', 'q1']);
});

test('index batches are sliced only while the writer is active', async () => {
  const lane = new RunLane({ sliceTokens: 1024, queryWindowMs: 60_000 });
  assert.equal(lane.rowsPerRun('index', 32, 256), 32, 'no query seen: the whole batch');
  await lane.submit('query', async () => undefined);
  assert.equal(lane.rowsPerRun('index', 32, 256), 4, '1024 / 256 rows per run');
  assert.equal(lane.rowsPerRun('index', 32, 2048), 1, 'at least one row');
  assert.equal(lane.rowsPerRun('query', 32, 256), 32, 'queries are never sliced');
  const expired = new RunLane({ queryWindowMs: 0 });
  await expired.submit('query', async () => undefined);
  assert.equal(expired.rowsPerRun('index', 32, 256), 32, 'the window has passed');
});

test('an index run waits while another thread sharing the counters runs a query, bounded', async () => {
  const shared = new Int32Array(new SharedArrayBuffer(4 * LANE_SHARED_INTS));
  const lane = new RunLane({ shared, maxWaitMs: 150 });
  Atomics.store(shared, 0, 1); // a query is running in the other thread and never ends
  const t0 = performance.now();
  await lane.submit('index', async () => undefined);
  const waited = performance.now() - t0;
  assert.ok(waited >= 140, `waited ${waited} ms for the other thread's query`);
  assert.ok(waited < 1000, 'but not forever');
  Atomics.store(shared, 0, 0);
  const t1 = performance.now();
  await lane.submit('index', async () => undefined);
  assert.ok(performance.now() - t1 < 100, 'no wait without a running query');
});
