/**
 * `related-papers suggest` / `check` in-process through main() with the real CLI deps: real LanceDB, and the real
 * ONNX tiny model for the hybrid path (skipped loudly when ../shared is absent).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/runCli';
import { extractContext } from '../../extension/core/editor/context';
import { parseBibliography } from '../../extension/core/bib';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';
import { tempDir } from '../unit/index/fixtures';

const run = runCli;

const examples = path.join(REPO_ROOT, 'examples');
const draftPath = path.join(examples, 'draft.tex');
const draft = fs.readFileSync(draftPath, 'utf8');
const lineOf = (re: RegExp) => draft.split('\n').findIndex((l) => re.test(l)) + 1;

async function lexicalDb() {
  const db = path.join(tempDir('rp-cite-cli-'), 'db');
  const r = await run(['index', path.join(examples, 'library.bib'), '--db', db, '--json']);
  assert.equal(r.code, 0, r.err);
  return db;
}

test('suggest in prose (lexical): the panel query, paragraph keys excluded, relevance + band, best first', async () => {
  const db = await lexicalDb();
  const line = lineOf(/^Transformer encoders \\citep\{vaswani2017attention\}/);
  const r = await run(['suggest', `${draftPath}:${line}:5`, '--db', db, '--k', '5', '--json']);
  assert.equal(r.code, 0, r.err);
  const { results } = JSON.parse(r.out) as { results: { key: string; title: string; relevance: number; band: string }[] };
  assert.equal(results.length, 5);
  const ctx = extractContext(draft, draft.split('\n').slice(0, line - 1).join('\n').length + 5, 'latex');
  for (const res of results) {
    assert.ok(!ctx.paragraphKeys.includes(res.key), `${res.key} is cited in the paragraph: excluded`);
    assert.ok(res.relevance >= 0 && res.relevance <= 1);
    assert.ok(['strong', 'related', 'weak'].includes(res.band));
    assert.equal(typeof res.title, 'string');
  }
  for (let i = 1; i < results.length; i++) assert.ok(results[i - 1]!.relevance >= results[i]!.relevance, 'best first');
});

test('suggest inside a citation: the completion list (typed filter, keys of the citation excluded)', async () => {
  const db = await lexicalDb();
  const dir = tempDir('rp-cite-doc-');
  const file = path.join(dir, 'draft.tex');
  const line = lineOf(/^Transformer encoders \\citep\{vaswani2017attention\}/);
  const lines = draft.split('\n');
  lines[line - 1] = lines[line - 1]!.replace('\\citep{vaswani2017attention}', '\\citep{vaswani2017attention, tra}');
  fs.writeFileSync(file, lines.join('\n'));
  const col = lines[line - 1]!.indexOf(', tra}') + ', tra'.length + 1;
  const r = await run(['suggest', `${file}:${line}:${col}`, '--db', db, '--json']);
  assert.equal(r.code, 0, r.err);
  const keys = (JSON.parse(r.out) as { results: { key: string; title: string }[] }).results;
  assert.ok(keys.length > 0);
  assert.ok(!keys.some((k) => k.key === 'vaswani2017attention'));
  // every item matches "tra": in the key, or as the start of a title word or an author's name (read off the .bib)
  const records = new Map(parseBibliography(path.join(examples, 'library.bib'), fs.readFileSync(path.join(examples, 'library.bib'))).records.map((x) => [x.key, x]));
  for (const k of keys) {
    const rec = records.get(k.key)!;
    assert.ok(k.key.toLowerCase().includes('tra') || /(^|[^\p{L}])tra/iu.test(`${rec.title} ${rec.authors.join(' ')}`), `${k.key} matches "tra"`);
  }
});

test('check: a planted undefined key on the right 1-based line/col with the closest key as a fix; clean draft has none', async () => {
  const db = await lexicalDb();
  const clean = await run(['check', draftPath, '--db', db, '--json']);
  assert.equal(clean.code, 0, clean.err);
  assert.deepEqual(JSON.parse(clean.out).diagnostics, []);
  const dir = tempDir('rp-cite-doc-');
  const file = path.join(dir, 'draft.tex');
  const lines = draft.split('\n');
  const at = lineOf(/^Transformer encoders/);
  lines.splice(at, 0, 'Planted \\cite{devlin2019bertt}.');
  fs.writeFileSync(file, lines.join('\n'));
  const r = await run(['check', file, '--db', db, '--json']);
  assert.equal(r.code, 0, r.err);
  const [d, ...more] = JSON.parse(r.out).diagnostics as { file: string; line: number; col: number; severity: string; code: string; key: string; message: string; fixes: { key: string }[] }[];
  assert.equal(more.length, 0);
  assert.deepEqual([d!.file, d!.line, d!.col, d!.severity, d!.code, d!.key], [file, at + 1, 'Planted \\cite{'.length + 1, 'warning', 'undefined-key', 'devlin2019bertt']);
  assert.equal(d!.fixes[0]!.key, 'devlin2019bert');
  const human = await run(['check', file, '--db', db]);
  assert.match(human.out, new RegExp(`draft\\.tex:${at + 1}:15: warning: .*devlin2019bertt.*\\[undefined-key\\]`));
});

test('bad input: one clear line, exit 2', async () => {
  const db = await lexicalDb();
  for (const args of [['suggest', 'x.tex', '--db', db], ['suggest', `${draftPath}:0:1`, '--db', db], ['check', '/no/such.tex', '--db', db], ['check', draftPath]]) {
    const r = await run(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.err.trim().split('\n').length, 1);
    assert.match(r.err, /^related-papers: /);
  }
});

test('suggest with the real tiny model (hybrid): ranked results for a prose cursor', { skip: skipUnlessShared('fixtures', 'specter2-tiny') }, async () => {
  const db = path.join(tempDir('rp-cite-cli-'), 'db');
  const ix = await run(['index', path.join(examples, 'library.bib'), '--db', db, '--model-dir', TINY_MODEL, '--json']);
  assert.equal(ix.code, 0, ix.err);
  const summary = JSON.parse(ix.out) as { embedded: number; reused: number };
  assert.ok(summary.embedded + summary.reused > 0, 'vectors from the model or the shared cache');
  const line = lineOf(/^Most of this work assumes/);
  const r = await run(['suggest', `${draftPath}:${line}:10`, '--db', db, '--model-dir', TINY_MODEL, '--k', '4', '--json']);
  assert.equal(r.code, 0, r.err);
  const { results } = JSON.parse(r.out) as { results: { key: string }[] };
  assert.equal(results.length, 4);
  assert.equal(new Set(results.map((x) => x.key)).size, 4);
});
