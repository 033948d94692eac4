/**
 * The indexer with Semantic Scholar as its vector source (real LanceDB table in S2's vector space,
 * the stand-in over HTTP, the file cache on disk): cache hits/misses, and the extension's 'degrade'
 * mode when S2 is unreachable (everything still indexed, lexically, and nothing asked again in the run).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexStore } from '../../../extension/core/index/store';
import { indexFiles } from '../../../extension/core/index/indexer';
import { S2Client, S2_SPACE } from '../../../extension/core/remote/semanticScholar';
import { S2VectorSource } from '../../../extension/core/remote/s2VectorSource';
import { FileVectorCache, MemoryVectorCache } from '../../../extension/core/remote/vectorCache';
import { addPaper, standInVector, startS2StandIn, type S2StandIn } from '../../helpers/s2Server';
import { closedPort } from '../../helpers/s3Server';
import { tempDir } from '../index/fixtures';

let s2: S2StandIn;
let tmp: string;
before(async () => { s2 = await startS2StandIn(); tmp = tempDir('rp-s2src-'); });
after(async () => { await s2.close(); fs.rmSync(tmp, { recursive: true, force: true }); });

test('file vector cache: survives a reopen, remembers misses, ignores a truncated tail', async () => {
  const file = path.join(tmp, 'c', 's2.bin');
  const c = new FileVectorCache(file);
  await c.put(new Map([['DOI:10.1/a', Float32Array.from(standInVector('a'))], ['DOI:10.1/miss', new Float32Array(0)]]));
  fs.appendFileSync(file, Buffer.from([9, 0, 0, 0, 65, 66])); // a record cut short by a crash
  const again = new FileVectorCache(file);
  const got = await again.get(['DOI:10.1/a', 'DOI:10.1/miss', 'DOI:10.1/never']);
  assert.deepEqual([...got.get('DOI:10.1/a')!], standInVector('a'));
  assert.equal(got.get('DOI:10.1/miss')!.length, 0);
  assert.equal(got.has('DOI:10.1/never'), false);
});

test('indexer + S2 source: vectors by DOI, miss remembered, entries without ids lexical; degrade mode when S2 is down', async () => {
  addPaper(s2, { doi: '10.2000/a', title: 'A' });
  addPaper(s2, { doi: '10.2000/b', title: 'B' });
  const bib = path.join(tmp, 'lib.bib');
  fs.writeFileSync(bib, ['a', 'b', 'c'].map((k) => `@article{${k}, title={Title ${k}}, doi={10.2000/${k}}}`).join('\n') + '\n@article{d, title={No id}}\n');
  const store = await IndexStore.open({ dir: path.join(tmp, 'db'), workspace: 'w', space: S2_SPACE });
  try {
    const cache = new MemoryVectorCache();
    const src = new S2VectorSource(new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 0 }), cache);
    const first = await indexFiles([bib], { store, embedder: null, vectorSource: src });
    assert.equal(first.sourced, 2);
    assert.equal(first.embedded, 0);
    assert.equal(src.stats.missing, 1);
    assert.equal(cache.size, 3, 'two vectors and one miss cached');
    const n = s2.requests.length;
    // c has no vector: it is offered again on the next run, but the cache answers (no request).
    const second = await indexFiles([bib], { store, embedder: null, vectorSource: src });
    assert.equal(second.sourced, 0);
    assert.equal(s2.requests.length, n);
    assert.equal(await store.count('has_vector'), 2);
    assert.equal(await store.count(`vector_source = 's2'`), 2);
  } finally {
    store.close();
  }

  const port = await closedPort();
  const down = new S2VectorSource(new S2Client({ baseUrl: `http://127.0.0.1:${port}`, minIntervalMs: 0, backoffMs: 1 }), new MemoryVectorCache(), 'degrade');
  const store2 = await IndexStore.open({ dir: path.join(tmp, 'db2'), workspace: 'w', space: S2_SPACE });
  try {
    const r = await indexFiles([bib], { store: store2, embedder: null, vectorSource: down, batchSize: 1 });
    assert.equal(r.entries, 4, 'everything indexed');
    assert.equal(r.sourced, 0);
    assert.match(down.unavailable ?? '', /^Semantic Scholar is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/);
    assert.equal(await store2.count(), 4);
  } finally {
    store2.close();
  }
});

test('vector_source: locally embedded rows record local; rows without a vector record nothing', async () => {
  const { HashEmbedder } = await import('../index/hashEmbedder');
  const emb = new HashEmbedder(32);
  const bib = path.join(tmp, 'local.bib');
  fs.writeFileSync(bib, '@article{a, title={Alpha beta}}\n@article{b, author={Nobody}}\n');
  const store = await IndexStore.open({ dir: path.join(tmp, 'db-local'), workspace: 'w', space: { embedderId: emb.id, dim: emb.dim } });
  try {
    await indexFiles([bib], { store, embedder: emb });
    const rows = await store.table.query().select(['key', 'vector_source']).toArray();
    assert.deepEqual(Object.fromEntries(rows.map((r) => [r.key, r.vector_source])), { a: 'local', b: null });
  } finally {
    store.close();
  }
});
