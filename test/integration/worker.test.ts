/**
 * The embedding worker end to end: text → tokenizer → ONNX Runtime in a worker_thread → vectors,
 * through the typed proxy the extension uses. Real tiny SPECTER2 fixture, real ORT, no mocks.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { WorkerClient } from '../../extension/worker/client';
import { EmbeddingEngine } from '../../models/engine/engine';
import { EngineError } from '../../models/engine/types';
import { WorkerError } from '../../extension/protocol/worker';
import { resolveModelDir } from '../../models/acquire/resolve';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json');
let WORKER = '';

interface GoldenCase { id: string; title: string; abstract: string | null; input_ids: number[]; cls: Record<string, number[]> }

let client: WorkerClient;
let cacheDir: string;
let golden: { cases: GoldenCase[] };

before(async () => {
  if (skip) return;
  golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8'));
  cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-worker-'));
  // Bundle the worker exactly as scripts/build.mjs does for the extension, and run that bundle.
  // (inside the repo so that the external native modules resolve from its node_modules, as in dist/)
  WORKER = path.join(REPO_ROOT, 'out', 'test', `worker-${process.pid}.js`);
  await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, 'extension', 'worker', 'worker.ts')], outfile: WORKER, bundle: true,
    platform: 'node', format: 'cjs', target: 'node20', external: ['onnxruntime-node', '@lancedb/lancedb', 'apache-arrow'],
    logLevel: 'error',
  });
  client = new WorkerClient(WORKER);
  const resolved = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity', 'adhoc_query'] });
  assert.ok(resolved.ok, 'tiny model resolves');
  await client.call('loadModel', { modelDir: resolved.dir, precision: 'fp32', cacheDir });
});

after(async () => {
  await client?.dispose();
  if (cacheDir) fs.rmSync(cacheDir, { recursive: true, force: true });
  if (WORKER) fs.rmSync(WORKER, { force: true });
});

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('papers embedded in the worker match the reference CLS vectors (proximity), in input order', { skip }, async () => {
  const cases = golden.cases;
  const r = await client.call('embed', {
    inputs: cases.map((c) => ({ title: c.title, abstract: c.abstract })),
    adapter: 'proximity',
    batchTokens: 2048, // several mixed-length, padded batches
  });
  assert.equal(r.vectors.length, cases.length);
  cases.forEach((c, i) => {
    assert.equal(r.tokens[i], c.input_ids.length, `${c.id}: token count`);
    const d = maxAbsDiff(r.vectors[i], c.cls.proximity);
    assert.ok(d <= 1e-4, `${c.id}: max abs diff ${d}`);
  });
  assert.ok(r.paddingFraction < 0.1, `padding ${r.paddingFraction}`);
});

test('queries use the adhoc_query adapter and differ from proximity vectors', { skip }, async () => {
  const c = golden.cases[0];
  const q = await client.call('embed', { inputs: [{ text: `${c.title}[SEP]${c.abstract ?? ''}` }], adapter: 'adhoc_query' });
  assert.ok(maxAbsDiff(q.vectors[0], c.cls.adhoc_query) <= 1e-4);
  assert.ok(maxAbsDiff(q.vectors[0], c.cls.proximity) > 1e-3, 'adapters give different vectors');
});

test('cancelling from the host stops the worker early with a typed error', { skip }, async () => {
  const inputs = Array.from({ length: 400 }, (_, i) => ({ title: `Paper ${i}`, abstract: 'word '.repeat(40 + (i % 50)) }));
  const ctl = new AbortController();
  let lastDone = 0;
  const p = client.call('embed', { inputs, adapter: 'proximity', batchTokens: 1024 }, {
    signal: ctl.signal,
    onProgress: (done) => {
      lastDone = done;
      ctl.abort();
    },
  });
  await assert.rejects(p, (e: unknown) => e instanceof WorkerError && e.code === 'cancelled');
  assert.ok(lastDone < inputs.length / 4, `stopped after ${lastDone} of ${inputs.length}`);
});

test('the engine checks cancellation before every batch: nothing runs after the flag is set', { skip }, async () => {
  const engine = new EmbeddingEngine();
  const resolved = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity'] });
  assert.ok(resolved.ok);
  await engine.load({ modelDir: resolved.dir, precision: 'fp32', cacheDir });
  const inputs = Array.from({ length: 200 }, (_, i) => ({ title: `Paper ${i}`, abstract: 'word '.repeat(60) }));
  let cancelled = false;
  const progress: number[] = [];
  await assert.rejects(
    engine.embed(inputs, 'proximity', { batchTokens: 1024, isCancelled: () => cancelled, onProgress: (d) => { progress.push(d); cancelled = true; } }),
    (e: unknown) => e instanceof EngineError && e.code === 'cancelled',
  );
  assert.equal(progress.length, 1, 'exactly the batch in flight completed');
  await engine.unload();
});

test('one long-lived worker serves every call; parse runs there too', { skip }, async () => {
  const bib = path.join(cacheDir, 'x.bib');
  fs.writeFileSync(bib, '@article{a1,\n  title = {Sch{\\"o}dinger cats},\n  year = 2020\n}\n\n@article{broken,\n  title = {Unclosed\n\n@book{b2, title={Fine}}\n');
  const parsed = await client.call('parse', { file: bib });
  assert.ok(parsed.records.some((r) => r.key === 'a1' && r.title.includes('ö')), 'decoded in the worker');
  assert.ok(parsed.records.some((r) => r.key === 'b2'), 'the entry after the broken one survives');
  assert.ok(parsed.diagnostics.some((d) => d.line === 6), `diagnostic at the broken entry: ${JSON.stringify(parsed.diagnostics)}`);
  assert.ok(client.started);
});

test('a model that is not loaded gives a typed error, not a crash', { skip }, async () => {
  const fresh = new WorkerClient(WORKER);
  try {
    await assert.rejects(fresh.call('embed', { inputs: [{ text: 'x' }], adapter: 'proximity' }), (e: unknown) => e instanceof WorkerError && e.code === 'model-not-loaded');
  } finally {
    await fresh.dispose();
  }
});

test('parsing in a fresh worker never loads ONNX Runtime (it loads with the first model)', { skip }, async () => {
  const fresh = new WorkerClient(WORKER);
  try {
    const bib = path.join(cacheDir, 'lazy.bib');
    fs.writeFileSync(bib, '@article{k, title={Lazy runtimes}}\n');
    assert.equal((await fresh.call('parse', { file: bib })).records.length, 1);
    assert.deepEqual(await fresh.call('health', {}), { generation: 0, modelLoaded: false, ortLoaded: false });
  } finally {
    await fresh.dispose();
  }
});

test('a worker that dies mid-embed fails that request clearly; the next call gets a fresh worker with the model reloaded', { skip }, async () => {
  process.env.RELATED_PAPERS_WORKER_CRASH_AFTER = '2';
  const healing = new WorkerClient(WORKER);
  const crashes: string[] = [];
  healing.onCrash = (m) => crashes.push(m);
  try {
    const resolved = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity'] });
    assert.ok(resolved.ok);
    await healing.call('loadModel', { modelDir: resolved.dir, precision: 'fp32', cacheDir });
    delete process.env.RELATED_PAPERS_WORKER_CRASH_AFTER; // the thread copied the environment when it started
    const cases = golden.cases;
    const inputs = cases.map((c) => ({ title: c.title, abstract: c.abstract }));
    await assert.rejects(
      healing.call('embed', { inputs, adapter: 'proximity', batchTokens: 64 }),
      (e: unknown) => e instanceof WorkerError && e.code === 'worker-crashed' && /exited unexpectedly/.test(e.message),
    );
    assert.equal(crashes.length, 1);
    const r = await healing.call('embed', { inputs, adapter: 'proximity', batchTokens: 64 });
    cases.forEach((c, i) => assert.ok(maxAbsDiff(r.vectors[i], c.cls.proximity) <= 1e-4, `${c.id} after the restart`));
    assert.equal(healing.restarts, 1);
    const h = await healing.call('health', {});
    assert.equal(h.generation, 1);
    assert.equal(h.modelLoaded, true);
  } finally {
    await healing.dispose();
  }
});
