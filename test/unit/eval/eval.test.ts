/**
 * `related-papers eval` in-process on hand-made data (real parser, indexer, LanceDB, search; the tiny
 * SPECTER2 through ONNX Runtime for the vector rows). The expected lexical metrics are worked out by hand
 * below from the rankings the texts force (each query shares words with few entries).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { evalCommand } from '../../../extension/cli/evalCommand';
import { cliDeps } from '../../../extension/cli/deps';
import type { CliIO } from '../../../extension/cli/io';
import { queryMetrics } from '../../../extension/core/eval/metrics';
import { manuscriptQueries, manuscriptBibliographies } from '../../../extension/core/eval/manuscript';
import { parseQrels, parseTopics } from '../../../extension/core/eval/trec';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';
import { tempDir } from '../index/fixtures';

const bib = (key: string, title: string, abstract: string, doi?: string) =>
  `@article{${key},\n  title = {${title}},\n  author = {Doe, Jane},\n  year = {2020},\n  abstract = {${abstract}},\n${doi ? `  doi = {${doi}},\n` : ''}}\n`;

const COLLECTION = [
  bib('a', 'Quantum annealing hardware benchmarks', 'We benchmark quantum annealing hardware and annealing time on real hardware.', '10.1000/a'),
  bib('c', 'Error correction codes', 'Surface codes protect quantum states.'),
  bib('f', 'Annealing for scheduling', 'Quantum annealing schedules for job shops.'),
  bib('b', 'Protein folding with deep learning', 'Predicting protein structures.'),
  bib('d', 'Coral reef ecology', 'Reef fish populations.', '10.1000/D'),
  bib('e', 'Medieval castle architecture', 'Stone fortifications in Europe.'),
].join('\n');

const topic = (id: string, desc: string) => `<top>\n<num> Number: ${id}\n<title> ${id}\n<desc> Description:\n${desc}\n<narr> Narrative:\n</top>\n`;
const TOPICS = [
  topic('t1', 'protein folding [12] structure prediction'),
  topic('t2', 'coral reef fish populations [3, 4]'),
  topic('t3', 'quantum annealing hardware'),
  topic('t4', 'medieval stone castle'),
].join('\n');
const QRELS = ['t1 0 b 1', 't2 0 10.1000/d 1', 't2 0 10.9/ZZZ 1', 't3 0 c 1', 't3 0 e 0', 't4 0 missingkey 1'].join('\n');

const MANUSCRIPT = `---
title: Draft
bibliography: refs.bib
---

Reef fish populations on coral reefs are declining [@d].

We benchmark quantum annealing hardware against classical solvers [@a; @c].

Medieval castles were built from stone [@missing].
`;

function io() {
  const out: string[] = [];
  const err: string[] = [];
  const cio: CliIO = { stdin: Readable.from(['']), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  return { cio, out: () => out.join(''), err: () => err.join('') };
}

function files() {
  const dir = tempDir('rp-eval-test-');
  const f = { dir, bib: path.join(dir, 'refs.bib'), topics: path.join(dir, 'topics.txt'), qrels: path.join(dir, 'qrels.txt'), doc: path.join(dir, 'draft.md') };
  fs.writeFileSync(f.bib, COLLECTION);
  fs.writeFileSync(f.topics, TOPICS);
  fs.writeFileSync(f.qrels, QRELS);
  fs.writeFileSync(f.doc, MANUSCRIPT);
  return f;
}

async function run(args: string[]) {
  const c = io();
  const code = await evalCommand(args, c.cio, cliDeps);
  return { code, out: c.out(), err: c.err() };
}

const near = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) < 1e-3, `${what}: ${a} vs ${b}`);
const L3 = 1 / Math.log2(3);

test('metrics by hand: recall@5/10, nDCG@10, MRR', () => {
  const m = queryMetrics([['x'], ['y', '10.1/y'], ['z']], new Set(['10.1/y', 'w']));
  assert.deepEqual(m, { 'recall@5': 0.5, 'recall@10': 0.5, 'ndcg@10': L3 / (1 + L3), mrr: 0.5 });
  assert.deepEqual(queryMetrics([], new Set(['a'])), { 'recall@5': 0, 'recall@10': 0, 'ndcg@10': 0, mrr: 0 });
});

test('TREC: topics (markers stripped) and qrels (grade 0 dropped, DOIs case-folded)', () => {
  const t = parseTopics(TOPICS);
  assert.deepEqual(t.map((x) => x.text), ['protein folding structure prediction', 'coral reef fish populations', 'quantum annealing hardware', 'medieval stone castle']);
  const q = parseQrels(QRELS);
  assert.deepEqual([...q.get('t2')!], ['10.1000/d', '10.9/zzz']);
  assert.deepEqual([...q.get('t3')!], ['c']);
});

test('eval --trec on a hand-made set: the expected metrics, exactly the JSON shape', async () => {
  const f = files();
  const r = await run(['--trec', f.topics, f.qrels, '--collection', f.bib, '--json']);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out);
  assert.deepEqual(Object.keys(res), ['queries', 'missing', 'lexical', 'vector', 'hybrid']);
  assert.deepEqual(Object.keys(res.lexical), ['recall@5', 'recall@10', 'ndcg@10', 'mrr']);
  assert.equal(res.queries, 4);
  assert.equal(res.missing, 2); // 10.9/zzz and missingkey are not in the collection
  assert.equal(res.vector, null);
  assert.equal(res.hybrid, null);
  // t1: b first → 1,1,1,1. t2: d first of {d, zzz} → recall ½, nDCG 1/(1 + 1/log2 3), MRR 1.
  // t3: a (3 terms) > f (2) > c (1): c third → recall 1, nDCG 1/log2 4 = ½, MRR ⅓. t4: answer missing → 0.
  near(res.lexical['recall@5'], (1 + 0.5 + 1 + 0) / 4, 'recall@5');
  near(res.lexical['recall@10'], (1 + 0.5 + 1 + 0) / 4, 'recall@10');
  near(res.lexical['ndcg@10'], (1 + 1 / (1 + L3) + 0.5 + 0) / 4, 'ndcg@10');
  near(res.lexical.mrr, (1 + 1 + 1 / 3 + 0) / 4, 'mrr');
  const text = await run(['--trec', f.topics, f.qrels, '--collection', f.bib]);
  assert.match(text.out, /queries 4, missing answers 2/);
  assert.match(text.out, /^lexical +0\.625 +0\.625 +0\.528 +0\.583$/m);
});

test('eval --manuscript: leave-one-out over the citations, bibliography from the front matter', async () => {
  const f = files();
  assert.deepEqual(manuscriptBibliographies(MANUSCRIPT, f.doc), [f.bib]);
  const qs = manuscriptQueries(MANUSCRIPT, 'markdown');
  assert.deepEqual(qs.map((q) => [q.relevant[0], q.excludeKeys]), [['d', []], ['a', ['c']], ['c', ['a']], ['missing', []]]);
  assert.ok(qs.every((q) => !/@|\[/.test(q.text)), 'citations are not in the query text');
  assert.equal(qs[1].text, 'We benchmark quantum annealing hardware against classical solvers.');
  const r = await run(['--manuscript', f.doc, '--json']);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out);
  assert.equal(res.queries, 4);
  assert.equal(res.missing, 1);
  // d → d first; a (c hidden) → a first; c (a hidden) → f (quantum annealing) > c (quantum): second;
  // missing → 0. recall (1+1+1+0)/4, nDCG (1+1+1/log2 3+0)/4, MRR (1+1+½+0)/4.
  near(res.lexical['recall@5'], 0.75, 'recall@5');
  near(res.lexical['recall@10'], 0.75, 'recall@10');
  near(res.lexical['ndcg@10'], (2 + L3) / 4, 'ndcg@10');
  near(res.lexical.mrr, 2.5 / 4, 'mrr');
});

test('eval with the tiny model: vector and hybrid rows, the same lexical row, the test-model note', { skip: skipUnlessShared('fixtures', 'specter2-tiny') }, async () => {
  const f = files();
  const lexical = JSON.parse((await run(['--trec', f.topics, f.qrels, '--collection', f.bib, '--json'])).out);
  const r = await run(['--trec', f.topics, f.qrels, '--collection', f.bib, '--model-dir', TINY_MODEL, '--vector-weight', '0.3', '--json']);
  assert.equal(r.code, 0, r.err);
  const res = JSON.parse(r.out);
  assert.deepEqual(res.lexical, lexical.lexical);
  for (const m of [res.vector, res.hybrid]) {
    assert.deepEqual(Object.keys(m), ['recall@5', 'recall@10', 'ndcg@10', 'mrr']);
    for (const v of Object.values(m) as number[]) assert.ok(v >= 0 && v <= 1);
  }
  assert.match(r.err, /test model: rankings are not meaningful/);
});

test('eval: unusable arguments are one-line errors', async () => {
  const f = files();
  await assert.rejects(run(['--trec', f.topics, '--collection', f.bib]), /--trec needs two files/);
  await assert.rejects(run(['--trec', f.topics, f.qrels]), /needs --collection/);
  await assert.rejects(run(['--manuscript', path.join(f.dir, 'nope.md')]), /no such file/);
  await assert.rejects(run(['--trec', f.topics, f.qrels, '--collection', f.bib, '--vector-weight', '2']), /from 0 to 1/);
  await assert.rejects(run([]), /give --trec/);
});
