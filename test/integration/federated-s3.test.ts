/**
 * Personal + lab-shared index: the shared table lives on a real S3-compatible server (s3rver on
 * 127.0.0.1) and is read through SharedIndex (read-only); results are fused with the personal
 * LanceDB table, deduplicated by DOI / arXiv id / normalised title, and carry their origin.
 * Unreachable or slow storage degrades to the personal results with one message.
 */
process.env.LANCEDB_LOG ??= 'error'; // LanceDB's retry warnings are not the subject here
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { IndexStore } from '../../extension/core/index/store';
import { indexFiles } from '../../extension/core/index/indexer';
import { search } from '../../extension/core/index/search';
import { federatedSearch, fuseFederated, identityIndex, normaliseTitle, paperIdentities } from '../../extension/core/index/federated';
import { SharedIndex, SHARED_WORKSPACE } from '../../extension/core/remote/sharedIndex';
import { storageOptionsFor } from '../../extension/core/remote/objectStore';
import { CLI_WORKSPACE } from '../../extension/cli/indexCommands';
import { entryToBibtex } from '../../extension/core/bib/serialise';
import { parseBibliography } from '../../extension/core/bib';
import { HashEmbedder } from '../unit/index/hashEmbedder';
import { tempDir } from '../unit/index/fixtures';
import { closedPort, startS3Server, type S3TestServer } from '../helpers/s3Server';
import * as fs from 'node:fs';

const emb = new HashEmbedder(64);
const space = { embedderId: emb.id, dim: emb.dim };
let s3: S3TestServer;
let personal: IndexStore;
let tmp: string;
const SHARED_URI = 's3://lab/papers';

const PERSONAL_BIB = `
@article{mine-transformer, title={Attention is all you need}, author={Vaswani, Ashish}, year={2017}, doi={10.5555/3295222.3295349},
  abstract={The Transformer, a network architecture based solely on attention mechanisms.}}
@article{mine-bert, title={BERT: pre-training of deep bidirectional transformers}, author={Devlin, Jacob}, year={2019}, eprint={1810.04805}, archivePrefix={arXiv},
  abstract={Language representation model pre-trained with masked language modelling using transformers and attention.}}
@article{mine-resnet, title={Deep residual learning for image recognition}, author={He, Kaiming}, year={2016},
  abstract={Residual learning framework to ease the training of very deep convolutional networks.}}
`;
// The same papers under other keys (another member's library), one more only the lab has, plus hostile text.
const SHARED_BIB = `
@article{Vaswani2017, title={Attention Is All You Need}, author={Vaswani, Ashish and Shazeer, Noam}, year={2017}, doi={10.5555/3295222.3295349},
  abstract={We propose the Transformer, a network architecture based solely on attention mechanisms.}}
@article{devlin2018bert, title={{BERT}: Pre-training of Deep Bidirectional Transformers}, author={Devlin, Jacob}, year={2018}, eprint={1810.04805v2}, archivePrefix={arXiv},
  abstract={BERT is a language representation model pre-trained with masked language modelling, transformers and attention.}}
@article{He2016, title={Deep Residual Learning for Image Recognition!}, author={He, Kaiming}, year={2016},
  abstract={A residual learning framework for very deep convolutional networks.}}
@inproceedings{lab-only-attention, title={Attention mechanisms in graph transformers: {<script>alert(1)</script>}}, author={Lab, Member}, year={2021}, booktitle={Workshop on Attention},
  abstract={Transformers with attention over graph structured data; attention mechanisms generalised.}}
`;

before(async () => {
  s3 = await startS3Server(['lab']);
  tmp = tempDir('rp-fed-');
  const personalBib = path.join(tmp, 'mine.bib');
  const sharedBib = path.join(tmp, 'lab.bib');
  fs.writeFileSync(personalBib, PERSONAL_BIB);
  fs.writeFileSync(sharedBib, SHARED_BIB);
  personal = await IndexStore.open({ dir: path.join(tmp, 'personal'), workspace: 'ws', space });
  await indexFiles([personalBib], { store: personal, embedder: emb });
  // The lab's index, built the way the CLI builds it (its workspace id), on object storage.
  const shared = await IndexStore.open({ dir: SHARED_URI, workspace: CLI_WORKSPACE, space, storageOptions: storageOptionsFor(SHARED_URI, s3.env) });
  await indexFiles([sharedBib], { store: shared, embedder: emb });
  shared.close();
});
after(async () => {
  personal?.close();
  await s3?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const personalSearch = (q: Parameters<typeof search>[1]) => search(personal, q);

test('the shared workspace id is the one the CLI builds under', () => {
  assert.equal(SHARED_WORKSPACE, CLI_WORKSPACE);
});

test('identities: DOI, arXiv id without version, normalised title', () => {
  assert.equal(normaliseTitle('{BERT}: Pre-training of Deep Bidirectional Transformers'), 'bert pre training of deep bidirectional transformers');
  assert.equal(normaliseTitle('Über naïve   Bayes!'), 'uber naive bayes');
  assert.deepEqual(paperIdentities({ doi: '10.1/ABC', arxiv_id: '1810.04805v2', title: 'Short' }), ['doi:10.1/abc', 'arxiv:1810.04805']);
});

test('fused results from the S3 shared index: duplicates merged (DOI, arXiv, title), shared-only paper marked shared, Insert data round-trips', async () => {
  const shared = new SharedIndex({ uri: SHARED_URI, space, env: s3.env });
  try {
    const text = 'attention mechanisms transformers';
    const [queryVector] = await emb.embedQueries([text]);
    const { hits, sharedError } = await federatedSearch({ text, queryVector, k: 10 }, personalSearch, shared.search);
    assert.equal(sharedError, undefined);
    const keys = hits.map((h) => `${h.origin}:${h.key}`);
    assert.ok(keys.includes('personal:mine-transformer'), keys.join(' '));
    assert.ok(keys.includes('personal:mine-bert'), keys.join(' '));
    assert.ok(keys.includes('shared:lab-only-attention'), keys.join(' '));
    for (const dup of ['Vaswani2017', 'devlin2018bert', 'He2016']) assert.ok(!hits.some((h) => h.key === dup), `${dup} is a duplicate of a personal entry: ${keys.join(' ')}`);
    assert.equal(new Set(hits.map((h) => h.key)).size, hits.length);
    for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
    // Found in both indexes → ranked above what only one index found at the same rank.
    assert.ok(hits[0].origin === 'personal');

    // Insert on the shared-only paper: its stored fields → BibTeX → our parser gives the same paper back.
    const e = shared.entry('lab-only-attention');
    assert.ok(e);
    const parsed = parseBibliography('/tmp/added.bib', new TextEncoder().encode(entryToBibtex(e))).records;
    assert.equal(parsed.length, 1);
    assert.equal(parsed[0].key, 'lab-only-attention');
    assert.equal(parsed[0].title, e.title);
    assert.equal(parsed[0].venue, 'Workshop on Attention');
  } finally {
    shared.close();
  }
});

test('a shared copy of a personal entry outside the personal top k is shown as the personal entry; excluded papers stay out', async () => {
  const shared = new SharedIndex({ uri: SHARED_URI, space, env: s3.env });
  try {
    const resolveLocal = identityIndex((await personal.table.query().toArray()).map((r) => ({ ...r, year: r.year ?? null })));
    const sharedHits = await shared.search({ text: 'residual learning convolutional', k: 5 });
    assert.ok(sharedHits.some((h) => h.key === 'He2016'));
    const fused = fuseFederated([], sharedHits, 5, { resolveLocal });
    const he = fused.find((h) => h.key === 'mine-resnet');
    assert.ok(he && he.origin === 'personal', fused.map((h) => `${h.origin}:${h.key}`).join(' '));
    const excluded = fuseFederated([], sharedHits, 5, { exclude: [{ doi: null, arxiv_id: null, title: 'Deep residual learning for image recognition' }] });
    assert.ok(!excluded.some((h) => h.key === 'He2016'));
  } finally {
    shared.close();
  }
});

test('unreachable shared storage: personal results plus one message, quickly; later queries do not wait again', async () => {
  const port = await closedPort();
  const shared = new SharedIndex({ uri: 's3://lab/papers', space, env: { ...s3.env, AWS_ENDPOINT: `http://127.0.0.1:${port}` } });
  const t0 = Date.now();
  const r = await federatedSearch({ text: 'attention', k: 5 }, personalSearch, shared.search, { sharedTimeoutMs: 30_000 });
  assert.ok(r.hits.length > 0 && r.hits.every((h) => h.origin === 'personal'));
  assert.match(r.sharedError ?? '', /^object storage s3:\/\/lab\/papers \(endpoint http:\/\/127\.0\.0\.1:\d+\) is unreachable \(connection refused\)/);
  assert.ok(Date.now() - t0 < 30_000);
  const t1 = Date.now();
  const again = await federatedSearch({ text: 'attention', k: 5 }, personalSearch, shared.search);
  assert.equal(again.sharedError, r.sharedError);
  assert.ok(Date.now() - t1 < 1000, 'the failure is remembered');
});

test('a shared index that does not answer in time is dropped for this query', async () => {
  const never = () => new Promise<never>(() => {});
  const t0 = Date.now();
  const r = await federatedSearch({ text: 'attention', k: 5 }, personalSearch, never, { sharedTimeoutMs: 300 });
  assert.ok(Date.now() - t0 < 3000);
  assert.match(r.sharedError ?? '', /did not answer within/);
  assert.ok(r.hits.length > 0);
});

test('a missing shared table is an error, and nothing is created in the bucket', async () => {
  const shared = new SharedIndex({ uri: 's3://lab/empty-prefix', space, env: s3.env });
  await assert.rejects(shared.open(), /no index table/);
  const store = await IndexStore.exists({ dir: 's3://lab/empty-prefix', workspace: SHARED_WORKSPACE, space: null, storageOptions: storageOptionsFor('s3://lab/x', s3.env) });
  assert.equal(store, false);
});
