/**
 * The `related-papers` CLI through its real entry (`main`), in-process with captured streams:
 * `embed` with the tiny SPECTER2 fixture against the reference vectors, its input/argument errors,
 * and `index` + `query` with the real model (the same engine the extension's worker runs).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCli } from '../helpers/runCli';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json');

interface GoldenCase { id: string; title: string; abstract: string | null; input_ids: number[]; cls: Record<string, number[]> }

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-cli-'));
  process.env.RELATED_PAPERS_CACHE = path.join(tmp, 'cache'); // built ONNX graphs go here, not to ~/.cache
  process.env.RELATED_PAPERS_VECTOR_CACHE = path.join(tmp, 'vector-cache'); // the shared vector cache too
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = runCli;

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

test('embed: JSON Lines in, vectors equal to the reference out, in input order (proximity and adhoc_query)', { skip }, async () => {
  const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as { cases: GoldenCase[] };
  const cases = golden.cases.slice(0, 12);
  for (const adapter of ['proximity', 'adhoc_query'] as const) {
    const stdin = cases.map((c) => JSON.stringify({ id: c.id, title: c.title, abstract: c.abstract })).join('\n') + '\n';
    const r = await run(['embed', '--model-dir', TINY_MODEL, '--adapter', adapter, '--batch-tokens', '1024'], stdin);
    assert.equal(r.code, 0, r.err);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; tokens: number; vector: number[] });
    assert.deepEqual(lines.map((l) => l.id), cases.map((c) => c.id));
    lines.forEach((l, i) => {
      assert.equal(l.tokens, cases[i].input_ids.length);
      const d = maxAbsDiff(l.vector, cases[i].cls[adapter]);
      assert.ok(d <= 1e-4, `${adapter} ${l.id}: ${d}`);
    });
  }
});

test('embed: {"id","text"} inputs and --adapter none (the base model)', { skip }, async () => {
  const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as { cases: (GoldenCase & { text: string })[] };
  const c = golden.cases[1];
  const r = await run(['embed', '--model-dir', TINY_MODEL, '--adapter', 'none'], JSON.stringify({ id: 7, text: c.text }) + '\n');
  assert.equal(r.code, 0, r.err);
  const line = JSON.parse(r.out) as { id: number; vector: number[] };
  assert.equal(line.id, 7);
  assert.ok(maxAbsDiff(line.vector, c.cls.base) <= 1e-4);
});

test('embed: bad input and bad arguments exit non-zero with one line naming the problem', { skip }, async () => {
  const bad = await run(['embed', '--model-dir', TINY_MODEL, '--adapter', 'proximity'], '{"id":1,"title":"ok"}\nnot json\n');
  assert.equal(bad.code, 2);
  assert.match(bad.err, /^related-papers: stdin line 2: not valid JSON/);
  assert.equal(bad.err.trim().split('\n').length, 1);

  const shape = await run(['embed', '--model-dir', TINY_MODEL, '--adapter', 'proximity'], '{"title":"no id"}\n');
  assert.equal(shape.code, 2);
  assert.match(shape.err, /line 1: missing "id"/);

  const adapter = await run(['embed', '--model-dir', TINY_MODEL, '--adapter', 'sentiment']);
  assert.equal(adapter.code, 2);
  assert.match(adapter.err, /unknown adapter "sentiment"/);

  const missingDir = path.join(tmp, 'no-such-model');
  const dir = await run(['embed', '--model-dir', missingDir, '--adapter', 'proximity'], '{"id":1,"title":"x"}\n');
  assert.notEqual(dir.code, 0);
  assert.match(dir.err, /no-such-model/);
  assert.equal(dir.err.trim().split('\n').length, 1, 'no stack trace');
});

test('index + query with the real (tiny) model: hybrid results and an unchanged re-index embeds nothing', { skip }, async () => {
  const db = path.join(tmp, 'db');
  const examples = path.join(REPO_ROOT, 'examples');
  const first = await run(['index', examples, '--db', db, '--model-dir', TINY_MODEL, '--json']);
  assert.equal(first.code, 0, first.err);
  const s1 = JSON.parse(first.out) as { entries: number; embedded: number; reused: number; diagnostics: { file: string; line: number; message: string }[] };
  assert.ok(s1.entries >= 54, `entries ${s1.entries}`);
  assert.ok(s1.embedded > 0);
  assert.ok(s1.diagnostics.some((d) => d.file.endsWith('library.bib') && /missing comma/.test(d.message)), 'the malformed example entry is reported');

  const again = JSON.parse((await run(['index', examples, '--db', db, '--model-dir', TINY_MODEL, '--json'])).out) as { embedded: number; entries: number };
  assert.equal(again.embedded, 0, 'nothing changed, nothing embedded');
  assert.equal(again.entries, s1.entries);

  const q = await run(['query', '--db', db, '--model-dir', TINY_MODEL, '--text', 'citation recommendation from the sentence being written', '--k', '5', '--json']);
  assert.equal(q.code, 0, q.err);
  const hits = JSON.parse(q.out) as { key: string; score: number; file: string; line: number }[] | { results: { key: string }[] };
  const list = Array.isArray(hits) ? hits : hits.results;
  assert.equal(list.length, 5);
  assert.ok(list.every((h) => typeof h.key === 'string' && h.key.length > 0));
});

test('a worker that crashes mid-index heals: every entry embedded, workerRestarts 1; a second index of the same library embeds 0 (shared vector cache)', { skip }, async () => {
  const bib = path.join(REPO_ROOT, 'examples', 'library.bib');
  const cache = path.join(tmp, 'shared-vectors');
  process.env.RELATED_PAPERS_WORKER_CRASH_AFTER = '2'; // the first worker exits after its 2nd embed batch
  let first;
  try {
    first = await run(['index', bib, '--db', path.join(tmp, 'ws1'), '--model-dir', TINY_MODEL, '--vector-cache', cache, '--batch-size', '8', '--json']);
  } finally {
    delete process.env.RELATED_PAPERS_WORKER_CRASH_AFTER;
  }
  assert.equal(first.code, 0, first.err);
  const s1 = JSON.parse(first.out) as { entries: number; embedded: number; reused: number; workerRestarts: number };
  assert.equal(s1.workerRestarts, 1, 'one crash, one fresh worker');
  assert.ok(s1.embedded >= 50, `embedded ${s1.embedded}`);
  const q1 = JSON.parse((await run(['query', '--db', path.join(tmp, 'ws1'), '--model-dir', TINY_MODEL, '--text', 'graph neural networks', '--json'])).out) as { embedding: { embedded: number; embeddable: number } };
  assert.equal(q1.embedding.embedded, q1.embedding.embeddable, 'every embeddable entry has its vector after the crash');

  // A second "workspace" (another --db) holding the same library: zero model calls.
  const second = await run(['index', bib, '--db', path.join(tmp, 'ws2'), '--model-dir', TINY_MODEL, '--vector-cache', cache, '--json']);
  assert.equal(second.code, 0, second.err);
  const s2 = JSON.parse(second.out) as { entries: number; embedded: number; reused: number; fromCache: number; workerRestarts: number };
  assert.equal(s2.embedded, 0, 'every paper was embedded once already');
  assert.equal(s2.reused, s1.embedded, 'all vectors taken from the shared cache');
  assert.equal(s2.fromCache, s1.embedded);
  assert.equal(s2.workerRestarts, 0);
  // Without the cache the same library costs model calls again (the cache is what made it free).
  const third = JSON.parse((await run(['index', bib, '--db', path.join(tmp, 'ws3'), '--model-dir', TINY_MODEL, '--vector-cache', 'none', '--json'])).out) as { embedded: number };
  assert.equal(third.embedded, s1.embedded);
});

test('a changed adapter is another model (no shared table or cached vector); storage list/prune shows and deletes the old model\'s tables with their size', { skip }, async () => {
  const bib = path.join(REPO_ROOT, 'examples', 'library.bib');
  const db = path.join(tmp, 'storage-db');
  const cache = path.join(tmp, 'storage-cache');
  const s1 = JSON.parse((await run(['index', bib, '--db', db, '--model-dir', TINY_MODEL, '--vector-cache', cache, '--json'])).out) as { embedded: number; model: string };
  // The same weights with a re-exported proximity adapter config (a different revision of the adapter).
  const other = path.join(tmp, 'tiny-other-adapter');
  fs.cpSync(TINY_MODEL, other, { recursive: true });
  const cfg = path.join(other, 'adapters', 'proximity', 'adapter_config.json');
  fs.writeFileSync(cfg, fs.readFileSync(cfg, 'utf8') + '\n');
  const s2 = JSON.parse((await run(['index', bib, '--db', db, '--model-dir', other, '--vector-cache', cache, '--json'])).out) as { embedded: number; reused: number; model: string };
  assert.notEqual(s2.model, s1.model, 'the adapter revision is part of the model identity');
  assert.equal(s2.embedded, s1.embedded, 'nothing shared across adapter revisions');
  assert.equal(s2.reused, 0);

  const list = await run(['storage', 'list', '--db', db, '--vector-cache', cache, '--model-dir', other, '--json']);
  assert.equal(list.code, 0, list.err);
  const l = JSON.parse(list.out) as { modelInUse: string; items: { kind: string; model: string; bytes: number; inUse: boolean; rows: number }[] };
  assert.equal(l.modelInUse, s2.model);
  assert.deepEqual(l.items.map((i) => `${i.kind}:${i.inUse}`).sort(), ['index:false', 'index:true', 'vector-cache:false', 'vector-cache:true']);
  assert.ok(l.items.every((i) => i.bytes > 0 && i.rows > 0), JSON.stringify(l.items));
  assert.ok(l.items.filter((i) => !i.inUse).every((i) => i.model === s1.model));

  const prune = JSON.parse((await run(['storage', 'prune', '--db', db, '--vector-cache', cache, '--model-dir', other, '--json'])).out) as { deleted: string[]; freedBytes: number };
  assert.equal(prune.deleted.length, 2);
  assert.ok(prune.freedBytes > 0);
  const after = JSON.parse((await run(['storage', 'list', '--db', db, '--vector-cache', cache, '--model-dir', other, '--json'])).out) as { items: { inUse: boolean }[] };
  assert.deepEqual(after.items.map((i) => i.inUse), [true, true]);
  // The model in use still answers.
  const q = JSON.parse((await run(['query', '--db', db, '--model-dir', other, '--text', 'transformers', '--json'])).out) as { results: unknown[] };
  assert.ok(q.results.length > 0);
  const refused = await run(['storage', 'prune', '--db', db]);
  assert.equal(refused.code, 2);
  assert.match(refused.err, /--model-dir DIR is required/);
});
