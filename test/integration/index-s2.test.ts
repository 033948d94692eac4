/**
 * `related-papers index --s2-vectors`: entries with a DOI / arXiv id get Semantic Scholar's SPECTER2
 * vectors from the local stand-in (test/helpers/s2Server.ts) instead of a local model; the CLI runs
 * in-process through its real entry, on real files and a real LanceDB folder.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../helpers/runCli';
import { CLI_WORKSPACE } from '../../extension/cli/indexCommands';
import { IndexStore } from '../../extension/core/index/store';
import { S2_SPACE } from '../../extension/core/remote/semanticScholar';
import { addPaper, standInVector, startS2StandIn, type S2StandIn } from '../helpers/s2Server';
import { closedPort } from '../helpers/s3Server';
import { tempDir } from '../unit/index/fixtures';

let s2: S2StandIn;
let tmp: string;
const savedEnv = { ...process.env };

const ENTRIES = [
  ['gat', 'Graph attention networks', '10.1000/gat'],
  ['gat2', 'Graph attention networks, revisited', '10.1000/gat2'],
  ['bert', 'BERT: pre-training of deep bidirectional transformers', '10.1000/bert'],
  ['resnet', 'Deep residual learning for image recognition', '10.1000/resnet'],
  ['adam', 'Adam: a method for stochastic optimization', '10.1000/adam'],
  ['dropout', 'Dropout: a simple way to prevent neural networks from overfitting', '10.1000/dropout'],
  ['unknown', 'A paper Semantic Scholar does not know', '10.1000/unknown'],
] as const;

function bib(): string {
  const withDoi = ENTRIES.map(([k, t, d]) => `@article{${k}, title={${t}}, abstract={Secret abstract words of ${k}.}, author={Doe, Jane}, year={2020}, doi={${d}}}`);
  return [...withDoi,
    '@article{arxivonly, title={Attention is all you need}, author={Vaswani, A.}, eprint={1706.03762}, archivePrefix={arXiv}}',
    '@article{noid, title={A note without identifiers}, author={Roe, R.}, abstract={graph attention again}}',
  ].join('\n\n');
}

before(async () => {
  s2 = await startS2StandIn();
  tmp = tempDir('rp-s2-');
  process.env.RELATED_PAPERS_CACHE = path.join(tmp, 'cache');
  delete process.env.S2_API_KEY;
  delete process.env.S2_API_BASE;
  for (const [, t, d] of ENTRIES) if (d !== '10.1000/unknown') addPaper(s2, { doi: d, title: t });
  // gat2's vector is gat's, slightly perturbed: it must be gat's nearest neighbour.
  const near = standInVector('DOI:10.1000/gat').map((x, i) => x + (i % 7 === 0 ? 0.01 : 0));
  addPaper(s2, { doi: '10.1000/gat2', title: 'Graph attention networks, revisited', vector: near });
  addPaper(s2, { arxiv: '1706.03762', title: 'Attention is all you need' });
  fs.writeFileSync(path.join(tmp, 'lib.bib'), bib());
});
after(async () => {
  await s2.close();
  process.env = savedEnv;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const run = runCli;

test('index --s2-vectors: vectors from Semantic Scholar for entries with DOI/arXiv id, only identifiers sent, rows record s2', async () => {
  const db = path.join(tmp, 'db');
  process.env.S2_API_KEY = 'test-key';
  const r = await run(['index', path.join(tmp, 'lib.bib'), '--db', db, '--s2-vectors', '--s2-endpoint', s2.baseUrl, '--json']);
  delete process.env.S2_API_KEY;
  assert.equal(r.code, 0, r.err);
  const s = JSON.parse(r.out);
  assert.equal(s.entries, 9);
  assert.equal(s.s2Vectors, 7, 'six DOIs and one arXiv id are known');
  assert.equal(s.embedded, 0, 'no local model ran');
  assert.equal(s.model, S2_SPACE.embedderId);
  assert.equal(s2.requests.length, 1, 'one batch call for all ids');
  const sent = s2.requests[0];
  assert.equal(sent.headers['x-api-key'], 'test-key');
  assert.deepEqual((sent.body as { ids: string[] }).ids.sort(), [...ENTRIES.map(([, , d]) => `DOI:${d}`), 'ARXIV:1706.03762'].sort());
  const wire = JSON.stringify(sent.body) + sent.url;
  for (const leak of ['Secret', 'Graph attention', 'Doe', 'note without']) assert.ok(!wire.includes(leak), `"${leak}" must not leave the machine`);

  const store = await IndexStore.open({ dir: db, workspace: CLI_WORKSPACE, space: S2_SPACE });
  try {
    const rows = await store.table.query().select(['key', 'vector_source', 'has_vector', 'vector']).toArray();
    const byKey = new Map(rows.map((x) => [x.key, x]));
    assert.equal(byKey.get('gat').vector_source, 's2');
    assert.deepEqual([...byKey.get('gat').vector.toArray()], standInVector('DOI:10.1000/gat'));
    assert.equal(byKey.get('unknown').has_vector, false);
    assert.equal(byKey.get('unknown').vector_source, null);
    assert.equal(byKey.get('noid').has_vector, false, 'no identifier: lexical only in the S2 table');
  } finally {
    store.close();
  }

  // Nothing is asked twice: a re-run, and a fresh index on the same machine, are served from the cache.
  const again = await run(['index', path.join(tmp, 'lib.bib'), '--db', db, '--s2-vectors', '--s2-endpoint', s2.baseUrl, '--json']);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out).s2Vectors, 0);
  const fresh = await run(['index', path.join(tmp, 'lib.bib'), '--db', path.join(tmp, 'db2'), '--s2-vectors', '--s2-endpoint', s2.baseUrl, '--json']);
  assert.equal(JSON.parse(fresh.out).s2Vectors, 7);
  assert.equal(s2.requests.length, 1, 'no further request: hits and misses are cached');

  // Similar papers by S2 vectors without any local model; text queries lexical.
  const sim = await run(['query', '--db', db, '--s2-vectors', '--key', 'gat', '--k', '3', '--json']);
  assert.equal(sim.code, 0, sim.err);
  const simRes = JSON.parse(sim.out);
  assert.equal(simRes.results[0].key, 'gat2');
  assert.ok(simRes.results[0].cosine > 0.99);
  const txt = await run(['query', '--db', db, '--s2-vectors', '--text', 'residual learning', '--json']);
  assert.equal(JSON.parse(txt.out).mode, 'lexical');
  assert.equal(JSON.parse(txt.out).results[0].key, 'resnet');

  const plain = await run(['index', path.join(tmp, 'lib.bib'), '--db', db, '--json']);
  assert.equal(JSON.parse(plain.out).s2Vectors, 0, 's2Vectors is reported (0) without the opt-in');
  assert.ok(s2.requests.length === 1, 'without --s2-vectors nothing is sent');
});

test('S2 unreachable: exit 1 with one line; a bad flag combination is a usage error', async () => {
  const port = await closedPort();
  fs.writeFileSync(path.join(tmp, 'one.bib'), '@article{x, title={X}, doi={10.1000/never-cached}}');
  const r = await run(['index', path.join(tmp, 'one.bib'), '--db', path.join(tmp, 'db3'), '--s2-vectors', '--s2-endpoint', `http://127.0.0.1:${port}`, '--json']);
  assert.equal(r.code, 1);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /^related-papers: Semantic Scholar is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
  const u = await run(['index', path.join(tmp, 'one.bib'), '--db', path.join(tmp, 'db3'), '--s2-endpoint', s2.baseUrl]);
  assert.equal(u.code, 2);
  assert.match(u.err, /--s2-endpoint needs --s2-vectors/);
  const q = await run(['query', '--db', path.join(tmp, 'nodb'), '--s2-vectors', '--key', 'x']);
  assert.equal(q.code, 1);
});
