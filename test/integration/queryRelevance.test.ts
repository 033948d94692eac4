/**
 * `related-papers query --json`: every hit has the calibrated `relevance` (0..1) and `band`, plus the
 * evidence and explanation fields; `--vector-weight` changes the order; the random-weight test model is
 * named as such. Real CLI code in-process, real parser/LanceDB; the tiny SPECTER2 through ONNX Runtime.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { indexCommand, queryCommand, type IndexCommandDeps } from '../../extension/cli/indexCommands';
import { cliDeps } from '../../extension/cli/deps';
import { CliError, type CliIO } from '../../extension/cli/io';
import { HashEmbedder } from '../unit/index/hashEmbedder';
import { tempDir } from '../unit/index/fixtures';
import { REPO_ROOT, skipUnlessShared, TINY_MODEL } from '../helpers/shared';

const LIBRARY = path.join(REPO_ROOT, 'examples', 'library.bib');

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cio: CliIO = { stdin: Readable.from(['']), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  return { cio, out: () => out.join(''), err: () => err.join('') };
}

async function query(args: string[], deps: IndexCommandDeps) {
  const c = io();
  const code = await queryCommand(args, c.cio, deps);
  return { code, out: c.out(), err: c.err() };
}

test('query --json with the tiny model: relevance + band per hit, strong for an own title, weak for nonsense, test-model note', { skip: skipUnlessShared('fixtures', 'specter2-tiny') }, async () => {
  const db = path.join(tempDir('rp-qrel-'), 'db');
  assert.equal(await indexCommand([LIBRARY, '--db', db, '--model-dir', TINY_MODEL, '--vector-cache', 'none'], io().cio, cliDeps), 0);
  const title = 'Dense Passage Retrieval for Open-Domain Question Answering';
  const own = await query(['--db', db, '--model-dir', TINY_MODEL, '--text', title, '--k', '5', '--json'], cliDeps);
  assert.equal(own.code, 0, own.err);
  const res = JSON.parse(own.out);
  assert.equal(res.mode, 'hybrid');
  assert.equal(res.testModel, true);
  assert.equal(res.note, 'test model: rankings are not meaningful');
  assert.match(own.err, /test model: rankings are not meaningful/);
  assert.equal(res.results[0].title, title);
  assert.equal(res.results[0].band, 'strong');
  for (const h of res.results) {
    assert.ok(typeof h.relevance === 'number' && h.relevance >= 0 && h.relevance <= 1);
    assert.ok(['strong', 'related', 'weak'].includes(h.band));
    assert.ok(Array.isArray(h.why) && Array.isArray(h.terms));
    assert.ok(typeof h.evidence.cosine === 'number' || typeof h.evidence.bm25 === 'number', JSON.stringify(h.evidence));
  }
  for (const t of ['dense', 'passage', 'retrieval', 'question']) assert.ok(res.results[0].terms.includes(t), `terms ${res.results[0].terms}`);
  const nonsense = JSON.parse((await query(['--db', db, '--model-dir', TINY_MODEL, '--text', 'purple elephant banana saxophone', '--json'], cliDeps)).out);
  assert.equal(nonsense.results.length, 10);
  assert.ok(nonsense.results.every((h: { band: string }) => h.band === 'weak'), JSON.stringify(nonsense.results.map((h: { relevance: number }) => h.relevance)));
  // Text output: relevance and band, not the fusion score, and the note.
  const text = await query(['--db', db, '--model-dir', TINY_MODEL, '--text', title, '--k', '3'], cliDeps);
  assert.match(text.out, /^\(test model: rankings are not meaningful\)$/m);
  assert.match(text.out, /^ 1\. \d\.\d\d strong +\S+ +Dense Passage Retrieval for Open-Domain Question Answering/m);
});

test('query --vector-weight: 1 orders by cosine, 0 like the lexical ranking; bad values exit 2', async () => {
  const db = path.join(tempDir('rp-qrel-'), 'db');
  const emb = new HashEmbedder(64);
  const deps: IndexCommandDeps = { createEmbedder: async (dir) => (dir ? emb : null) };
  assert.equal(await indexCommand([LIBRARY, '--db', db, '--model-dir', 'hash', '--vector-cache', 'none'], io().cio, deps), 0);
  const text = 'citation recommendation with graph neural networks and quantisation';
  const at = async (w: string) => JSON.parse((await query(['--db', db, '--model-dir', 'hash', '--text', text, '--k', '8', '--vector-weight', w, '--json'], deps)).out).results as { key: string; cosine: number; relevance: number }[];
  const w1 = await at('1');
  const w0 = await at('0');
  const lexical = JSON.parse((await query(['--db', db, '--text', text, '--k', '8', '--json'], deps)).out).results as { key: string }[];
  for (let i = 1; i < w1.length; i++) assert.ok(w1[i - 1].cosine >= w1[i].cosine, `w=1 is the cosine order at ${i}`);
  assert.deepEqual(w0.map((h) => h.key), lexical.map((h) => h.key));
  assert.notDeepEqual(w0.map((h) => h.key), w1.map((h) => h.key));
  await assert.rejects(query(['--db', db, '--text', text, '--vector-weight', '1.5'], deps), (e: CliError) => e.exitCode === 2 && /--vector-weight must be a number from 0 to 1/.test(e.message));
  await assert.rejects(query(['--db', db, '--text', text, '--vector-weight', 'x'], deps), /--vector-weight/);
});
