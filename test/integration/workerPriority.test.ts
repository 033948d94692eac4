/**
 * "A query never waits behind indexing", through the real worker thread (bundled as the extension
 * ships it), the real tiny SPECTER2 and ONNX Runtime: a cursor query sent while a long index embed is
 * in flight is answered before that embed finishes — by ordering, not timing thresholds.
 * Also the automatic precision check (worker method comparePrecisions + core/index/precisionChoice.ts),
 * both outcomes by forcing the threshold.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { WorkerClient } from '../../extension/worker/client';
import { EmbeddingEngine } from '../../models/engine/engine';
import { resolveModelDir } from '../../models/acquire/resolve';
import type { ModelDir } from '../../models/types';
import { choosePrecision, precisionSample } from '../../extension/core/index/precisionChoice';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json');
let WORKER = '';
let cacheDir = '';
let modelDir: ModelDir;

before(async () => {
  if (skip) return;
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-worker-prio-'));
  WORKER = path.join(REPO_ROOT, 'out', 'test', `worker-prio-${process.pid}.js`);
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'extension', 'worker', 'worker.ts')], outfile: WORKER, bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node', '@lancedb/lancedb', 'apache-arrow'],
    logLevel: 'error',
  });
  const resolved = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity', 'adhoc_query'] });
  assert.ok(resolved.ok, 'tiny model resolves');
  modelDir = resolved.dir;
});

after(() => {
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  if (WORKER) fs.rmSync(WORKER, { force: true });
});

/** Many small runs: 1500 papers in 128-token batches. */
const longIndexInputs = Array.from({ length: 1500 }, (_, i) => ({ title: `Paper ${i} on graph neural networks`, abstract: 'message passing over citation graphs '.repeat(4 + (i % 5)) }));
const QUERY = 'we rank the references of the bibliography against the sentence at the cursor';

async function queryDuringIndexing(client: WorkerClient) {
  const events: string[] = [];
  let batchesDone = 0;
  let atQuerySent = -1;
  let atQueryAnswered = -1;
  let queryVector: Float32Array | undefined;
  let querySent: Promise<void> | undefined;
  const indexing = client.call('embed', { inputs: longIndexInputs, adapter: 'proximity', batchTokens: 128, priority: 'index' }, {
    onProgress: () => {
      batchesDone++;
      if (batchesDone === 3 && !querySent) {
        atQuerySent = batchesDone;
        querySent = client.call('embed', { inputs: [{ text: QUERY }], adapter: 'adhoc_query', priority: 'query' }).then((r) => {
          atQueryAnswered = batchesDone;
          queryVector = r.vectors[0];
          events.push('query');
        });
      }
    },
  }).then((r) => { events.push('index'); return r; });
  const indexed = await indexing;
  await querySent;
  return { events, atQuerySent, atQueryAnswered, batchesDone, queryVector: queryVector!, indexed };
}

for (const queryThread of [false, true]) {
  const name = queryThread ? 'with the query thread' : 'in the one worker thread (priority lane)';
  test(`a query sent while a long index embed runs is answered before the embed finishes, ${name}`, { skip }, async () => {
    const client = new WorkerClient(WORKER, [], { queryThread });
    try {
      await client.call('loadModel', { modelDir, precision: 'fp32', cacheDir });
      const alone = (await client.call('embed', { inputs: [{ text: QUERY }], adapter: 'adhoc_query', priority: 'query' })).vectors[0];
      const r = await queryDuringIndexing(client);
      assert.deepEqual(r.events, ['query', 'index'], 'the query is answered first');
      assert.ok(r.batchesDone > 20, `the index embed ran many batches (${r.batchesDone})`);
      assert.ok(r.atQueryAnswered < r.batchesDone, `answered at batch ${r.atQueryAnswered} of ${r.batchesDone}`);
      assert.ok(r.atQueryAnswered < r.batchesDone / 2, `most of the index embed was still to run when the query was answered (${r.atQueryAnswered} of ${r.batchesDone})`);
      // Correct answers on both sides despite the interleaving.
      assert.equal(r.indexed.vectors.length, longIndexInputs.length);
      assert.ok(r.indexed.vectors.every((v) => v.length === alone.length));
      const maxDiff = Math.max(...Array.from(alone, (x, i) => Math.abs(x - r.queryVector[i])));
      assert.ok(maxDiff <= 1e-5, `the query's vector is the same as when embedded alone (max diff ${maxDiff})`);
    } finally {
      await client.dispose();
    }
  });
}

// In one thread, without message latency, the lane's choice is exact: the query runs right after the
// run in flight; with the lane off (FIFO) the index run queued before it goes first.
for (const prioritise of [true, false]) {
  test(`engine lane ${prioritise ? 'on: the query is the next run' : 'off (FIFO): the queued index run goes first'}`, { skip }, async () => {
    const engine = new EmbeddingEngine({ lane: { prioritise } });
    await engine.load({ modelDir, precision: 'fp32', cacheDir });
    try {
      let done = 0;
      let sentAt = -1;
      let answeredAt = -1;
      let q: Promise<unknown> | undefined;
      await engine.embed(longIndexInputs.slice(0, 300), 'proximity', {
        batchTokens: 128,
        priority: 'index',
        onProgress: () => {
          done++;
          if (done === 2) {
            sentAt = done;
            q = engine.embed([{ text: QUERY }], 'adhoc_query', { priority: 'query' }).then(() => { answeredAt = done; });
          }
        },
      });
      await q;
      assert.ok(done > 10);
      if (prioritise) assert.equal(answeredAt, sentAt, 'no index run went before the query');
      else assert.equal(answeredAt, sentAt + 1, 'FIFO: the index run queued first ran first');
    } finally {
      await engine.unload();
    }
  });
}

test('the automatic precision: comparePrecisions embeds the sample in fp32 and int8; the threshold decides', { skip }, async () => {
  const client = new WorkerClient(WORKER);
  try {
    const entries = Array.from({ length: 100 }, (_, i) => ({
      content_hash: `${(i * 7919) % 1000}`.padStart(4, '0') + 'h', title: `Entry ${i} about retrieval`, abstract: i % 3 ? `An abstract about dense retrieval number ${i}.` : null,
    }));
    const sample = precisionSample(entries);
    assert.equal(sample.length, 64);
    assert.deepEqual(sample, precisionSample([...entries].reverse()), 'the sample does not depend on input order');
    const embedBoth = (inputs: { title: string; abstract: string | null }[]) =>
      client.call('comparePrecisions', { modelDir, cacheDir, inputs, adapter: 'proximity' });
    const strict = await choosePrecision(sample, embedBoth, 1.0);
    assert.equal(strict.precision, 'fp32');
    assert.equal(strict.sampleSize, 64);
    assert.ok(strict.minCosine !== null && strict.minCosine > 0.5 && strict.minCosine < 1, `measured cosine ${strict.minCosine}`);
    const lenient = await choosePrecision(sample, embedBoth, 0.5);
    assert.equal(lenient.precision, 'int8');
    assert.equal(lenient.minCosine, strict.minCosine, 'the same sample gives the same measurement');
  } finally {
    await client.dispose();
  }
});
