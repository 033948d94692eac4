/**
 * `related-papers index` / `query` run in-process with captured streams, on real files and a real
 * LanceDB folder. The model is the deterministic test embedder injected through `deps`, the same
 * seam the real SPECTER2 embedder uses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { indexCommand, queryCommand, type IndexCommandDeps } from '../../extension/cli/indexCommands';
import { CliError, type CliIO } from '../../extension/cli/io';
import { HashEmbedder } from '../unit/index/hashEmbedder';
import { bibEntry, tempDir, TOPICS } from '../unit/index/fixtures';

function io(stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const cio: CliIO = { stdin: Readable.from([stdin]), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  return { cio, out: () => out.join(''), err: () => err.join('') };
}

function deps(emb: HashEmbedder | null): IndexCommandDeps & { asked: (string | undefined)[] } {
  const asked: (string | undefined)[] = [];
  return { asked, createEmbedder: async (dir) => { asked.push(dir); return dir ? emb : null; } };
}

function workspace() {
  const dir = tempDir('rp-cli-');
  const papers = path.join(dir, 'papers');
  fs.mkdirSync(path.join(papers, 'nested'), { recursive: true });
  fs.writeFileSync(path.join(papers, 'ml.bib'), TOPICS.slice(0, 3).map(([k, t, a]) => bibEntry(k, t, a || undefined)).join('\n'));
  fs.writeFileSync(path.join(papers, 'nested', 'nlp.bib'), TOPICS.slice(3).map(([k, t, a]) => bibEntry(k, t, a || undefined)).join('\n'));
  fs.writeFileSync(path.join(papers, 'package.json'), '{"name": "not a bibliography"}');
  fs.mkdirSync(path.join(papers, 'node_modules'));
  fs.writeFileSync(path.join(papers, 'node_modules', 'skip.bib'), bibEntry('skipme', 'Should not be indexed'));
  return { dir, papers, db: path.join(dir, 'db') };
}

async function runIndex(args: string[], d: IndexCommandDeps) {
  const c = io();
  const code = await indexCommand(args, c.cio, d);
  return { code, out: c.out(), err: c.err() };
}

test('index a folder (walked) with --json, then an unchanged re-run embeds nothing', async () => {
  const ws = workspace();
  const emb = new HashEmbedder(64);
  const r = await runIndex([ws.papers, '--db', ws.db, '--model-dir', '/models/x', '--json'], deps(emb));
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.files, 2);
  assert.equal(s.entries, TOPICS.length);
  assert.equal(s.embedded, TOPICS.length);
  assert.equal(s.removed, 0);
  assert.deepEqual(s.diagnostics, []);
  assert.equal(s.model, emb.id);

  const again = JSON.parse((await runIndex([ws.papers, '--db', ws.db, '--model-dir', '/models/x', '--json'], deps(emb))).out);
  assert.equal(again.embedded, 0);
  assert.equal(again.unchanged, TOPICS.length);

  // A file deleted from the folder: its rows go on the next index of that folder.
  fs.rmSync(path.join(ws.papers, 'nested', 'nlp.bib'));
  const after = JSON.parse((await runIndex([ws.papers, '--db', ws.db, '--model-dir', '/models/x', '--json'], deps(emb))).out);
  assert.equal(after.removed, TOPICS.length - 3);
  assert.equal(after.entries, 3);
});

test('bad entries exit 0 with diagnostics {file,line,message}; text output lists them', async () => {
  const ws = workspace();
  const bad = path.join(ws.dir, 'bad.bib');
  fs.writeFileSync(bad, bibEntry('ok1', 'Fine entry') + '\n@article{broken,\n  title = {Never closed\n\n' + bibEntry('ok2', 'Also fine'));
  const r = await runIndex([bad, '--db', ws.db, '--json'], deps(null));
  assert.equal(r.code, 0);
  const s = JSON.parse(r.out);
  assert.ok(s.entries >= 2);
  assert.equal(s.lexicalOnly, true);
  assert.ok(s.diagnostics.length >= 1);
  for (const d of s.diagnostics) {
    assert.equal(d.file, bad);
    assert.equal(typeof d.line, 'number');
    assert.equal(typeof d.message, 'string');
  }
  const text = await runIndex([bad, '--db', ws.db], deps(null));
  assert.equal(text.code, 0);
  assert.match(text.out, new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: (error|warning)`));
  assert.match(text.out, /no model: lexical search only/);
});

test('unusable arguments exit 2 with a message naming the flag', async () => {
  const ws = workspace();
  const d = deps(null);
  await assert.rejects(indexCommand([ws.papers], io().cio, d), (e: CliError) => e.exitCode === 2 && /--db/.test(e.message));
  await assert.rejects(indexCommand(['--db', ws.db], io().cio, d), (e: CliError) => e.exitCode === 2 && /PATH/.test(e.message));
  await assert.rejects(indexCommand([path.join(ws.dir, 'missing.bib'), '--db', ws.db], io().cio, d), (e: CliError) => e.exitCode === 2 && /missing\.bib: no such file/.test(e.message));
  await assert.rejects(queryCommand(['--db', ws.db], io().cio, d), (e: CliError) => e.exitCode === 2 && /exactly one of/.test(e.message));
  await assert.rejects(queryCommand(['--db', ws.db, '--text', 'x', '--key', 'y'], io().cio, d), (e: CliError) => e.exitCode === 2);
  await assert.rejects(queryCommand(['--db', ws.db, '--text', 'x', '--k', '0'], io().cio, d), (e: CliError) => e.exitCode === 2 && /--k/.test(e.message));
  await assert.rejects(queryCommand(['--db', path.join(ws.dir, 'nodb'), '--text', 'x'], io().cio, d), (e: CliError) => e.exitCode === 1 && /no index there/.test(e.message));
  assert.equal(d.asked.length, 0, 'no model is loaded for unusable arguments');
});

test('query --text (hybrid), --key (similar), --json; lexical without a model', async () => {
  const ws = workspace();
  const emb = new HashEmbedder(64);
  await runIndex([ws.papers, '--db', ws.db, '--model-dir', 'm'], deps(emb));

  const c = io();
  assert.equal(await queryCommand(['--db', ws.db, '--model-dir', 'm', '--text', 'attention mechanisms transformer architecture', '--k', '3', '--json'], c.cio, deps(emb)), 0);
  const res = JSON.parse(c.out());
  assert.equal(res.mode, 'hybrid');
  assert.equal(res.results.length, 3);
  assert.equal(res.results[0].key, 'attention');
  assert.deepEqual(Object.keys(res.results[0]).sort(), ['band', 'cosine', 'evidence', 'file', 'key', 'line', 'relevance', 'score', 'terms', 'title', 'why']);
  assert.equal(res.results[0].file, path.join(ws.papers, 'ml.bib'));

  const k = io();
  assert.equal(await queryCommand(['--db', ws.db, '--model-dir', 'm', '--key', 'bert', '--json'], k.cio, deps(emb)), 0);
  const sim = JSON.parse(k.out());
  assert.equal(sim.mode, 'vector');
  assert.ok(!sim.results.some((r: { key: string }) => r.key === 'bert'));
  assert.equal(sim.results.length, TOPICS.length - 1);

  // No --model-dir: the same table, answered lexically, and the output says so.
  const lex = io();
  assert.equal(await queryCommand(['--db', ws.db, '--text', 'residual learning'], lex.cio, deps(emb)), 0);
  assert.match(lex.out(), /^ 1\. \d\.\d{2} (strong|related|weak) +resnet  Deep residual learning/m);
  assert.match(lex.out(), /lexical results only/);

  await assert.rejects(queryCommand(['--db', ws.db, '--key', 'nope'], io().cio, deps(emb)), (e: CliError) => e.exitCode === 2 && /"nope": no such entry/.test(e.message));
});

test('--queries - answers many JSON Lines in one process; a bad line gets an error line', async () => {
  const ws = workspace();
  const emb = new HashEmbedder(64);
  await runIndex([ws.papers, '--db', ws.db, '--model-dir', 'm'], deps(emb));
  const lines = [
    { id: 'q1', text: 'graph convolutional networks semi-supervised' },
    { id: 2, text: 'word vector representations' },
    { id: 'q3', key: 'resnet' },
    { id: 'bad' },
    { id: 'q5', key: 'unknown-key' },
  ].map((o) => JSON.stringify(o)).join('\n') + '\n';
  const c = io(lines);
  const before = emb.calls;
  assert.equal(await queryCommand(['--db', ws.db, '--model-dir', 'm', '--queries', '-', '--k', '2'], c.cio, deps(emb)), 0);
  // +1: the first query of an index computes its calibration, embedding sample titles once (then stored).
  assert.equal(emb.calls - before, 2, 'query texts are embedded in one batch');
  const out = c.out().trim().split('\n').map((l) => JSON.parse(l));
  assert.deepEqual(out.map((o) => o.id), ['q1', 2, 'q3', 'bad', 'q5']);
  assert.equal(out[0].results[0].key, 'gcn');
  assert.equal(out[1].results[0].key, 'word2vec');
  assert.equal(out[2].results.length, 2);
  assert.match(out[3].error, /line 4: expected/);
  assert.match(out[4].error, /no entry with key "unknown-key"/);

  const file = path.join(ws.dir, 'q.jsonl');
  fs.writeFileSync(file, JSON.stringify({ id: 'f', text: 'dropout overfitting' }) + '\n');
  const f = io();
  assert.equal(await queryCommand(['--db', ws.db, '--queries', file, '--k', '1'], f.cio, deps(emb)), 0);
  const fo = JSON.parse(f.out());
  assert.equal(fo.results[0].key, 'dropout');
  assert.equal(fo.mode, 'lexical');
});

test('LanceDB unavailable: clear message, exit 1, no stack trace', async () => {
  const ws = workspace();
  process.env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE = 'lancedb';
  try {
    await assert.rejects(indexCommand([ws.papers, '--db', ws.db], io().cio, deps(null)), (e: CliError) => {
      assert.equal(e.exitCode, 1);
      assert.match(e.message, /^index: LanceDB's native module could not be loaded/);
      assert.ok(!/\n\s+at /.test(e.message));
      return true;
    });
  } finally {
    delete process.env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE;
  }
  assert.equal((await runIndex([ws.papers, '--db', ws.db], deps(null))).code, 0, 'works again once LanceDB loads');
});
