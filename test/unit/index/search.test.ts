import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexStore } from '../../../extension/core/index/store';
import { recordToRow, type IndexRow } from '../../../extension/core/index/schema';
import { search, similarTo, UnknownKeyError, RRF_K } from '../../../extension/core/index/search';
import { HashEmbedder } from './hashEmbedder';
import { rec, tempDir, TOPICS } from './fixtures';

async function seeded(emb: HashEmbedder | null, extra: IndexRow[] = []) {
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: emb ? { embedderId: emb.id, dim: emb.dim } : null });
  const rows = TOPICS.map(([key, title, abstract], i) => {
    const row = recordToRow(rec(key, title, abstract, { line: i * 10 + 1 }));
    return { ...row, vector: emb ? emb.embedText(`${title} ${abstract}`) : null };
  });
  await store.upsert([...rows, ...extra]);
  await store.finishWrites();
  return store;
}

test('hybrid search ranks the matching paper first, scores in [0,1], cosine present', async () => {
  const emb = new HashEmbedder(128);
  const store = await seeded(emb);
  const text = 'transformer network architecture based on attention mechanisms';
  const [qv] = await emb.embedQueries([text]);
  const hits = await search(store, { queryVector: qv, text, k: 3 });
  assert.equal(hits.length, 3);
  assert.equal(hits[0].key, 'attention');
  assert.ok(hits.every((h) => h.mode === 'hybrid'));
  assert.ok(hits.every((h) => h.score > 0 && h.score <= 1));
  assert.ok(hits[0].score >= hits[1].score && hits[1].score >= hits[2].score);
  assert.equal(typeof hits[0].cosine, 'number');
  assert.ok(hits[0].cosine! > 0.3, `cosine ${hits[0].cosine}`);
  assert.equal(hits[0].fields.line, 1);
  assert.equal(hits[0].fields.has_abstract, true);
  store.close();
});

test('vector-only ranking equals brute-force cosine in plain JS', async () => {
  const emb = new HashEmbedder(32);
  const extra: IndexRow[] = [];
  const words = ['graph', 'neural', 'vision', 'language', 'speech', 'robot', 'protein', 'quantum', 'market', 'climate'];
  for (let i = 0; i < 150; i++) {
    const title = `${words[i % 10]} ${words[(i * 7) % 10]} ${words[(i * 3 + 1) % 10]} study ${i}`;
    extra.push({ ...recordToRow(rec(`r${i}`, title)), vector: emb.embedText(title) });
  }
  const store = await seeded(emb, extra);
  const [qv] = await emb.embedQueries(['graph neural protein']);
  const hits = await search(store, { queryVector: qv, k: 10 });
  assert.ok(hits.every((h) => h.mode === 'vector'));
  const cos = (a: Float32Array, b: Float32Array) => {
    let d = 0, na = 0, nb = 0;
    for (let i = 0; i < a.length; i++) { d += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
    return d / Math.sqrt(na * nb);
  };
  const all = [...TOPICS.map(([key, t, a]) => ({ key, v: emb.embedText(`${t} ${a}`) })), ...extra.map((r) => ({ key: r.key, v: r.vector as Float32Array }))];
  const brute = all.map((x) => ({ key: x.key, c: cos(qv, x.v) })).sort((a, b) => b.c - a.c).slice(0, 10);
  assert.equal(hits.length, 10);
  hits.forEach((h, i) => assert.ok(Math.abs(h.cosine! - brute[i].c) < 1e-4, `rank ${i}: ${h.cosine} vs ${brute[i].c}`));
  // Scores follow reciprocal rank fusion over one list: rank r → (1/(60+r)) / (1/61).
  assert.equal(hits[0].score, 1);
  assert.ok(Math.abs(hits[4].score - (RRF_K + 1) / (RRF_K + 5)) < 1e-9);
  store.close();
});

test('excludeKeys and files filters apply before the top-k cut', async () => {
  const emb = new HashEmbedder(64);
  const other = { ...recordToRow(rec('attention2', 'Attention mechanisms survey', 'A survey of attention.', { file: '/ws/other.bib' })), vector: emb.embedText('Attention mechanisms survey') };
  const store = await seeded(emb, [other]);
  const text = 'attention';
  const [qv] = await emb.embedQueries([text]);
  const excluded = await search(store, { queryVector: qv, text, k: 5, excludeKeys: ['attention', "it's'; DROP"] });
  assert.ok(!excluded.some((h) => h.key === 'attention'));
  assert.equal(excluded.length, 5);
  const onlyOther = await search(store, { queryVector: qv, text, k: 5, files: ['/ws/other.bib'] });
  assert.deepEqual(onlyOther.map((h) => h.key), ['attention2']);
  assert.deepEqual(await search(store, { text, k: 5, files: [] }), []);
  // minScore filters on the calibrated relevance, not on the fusion score.
  const all = await search(store, { queryVector: qv, text, k: 10 });
  const floor = all[0].relevance;
  const high = await search(store, { queryVector: qv, text, k: 5, minScore: floor });
  assert.ok(high.length >= 1 && high.every((h) => h.relevance >= floor));
  assert.deepEqual(high.map((h) => h.key), all.filter((h) => h.relevance >= floor).slice(0, 5).map((h) => h.key));
  store.close();
});

test('the same key in two files is returned once (best row)', async () => {
  const emb = new HashEmbedder(64);
  const [, title, abstract] = TOPICS[0];
  const dup = { ...recordToRow(rec('attention', title, abstract, { file: '/ws/thesis.bib', line: 99 })), vector: emb.embedText(`${title} ${abstract}`) };
  const store = await seeded(emb, [dup]);
  assert.equal((await store.entriesByKey('attention')).length, 2);
  const [qv] = await emb.embedQueries(['attention transformer']);
  const hits = await search(store, { queryVector: qv, text: 'attention transformer', k: 10 });
  assert.equal(hits.filter((h) => h.key === 'attention').length, 1);
  store.close();
});

test('without a model the search is lexical and says so', async () => {
  const store = await seeded(null);
  const hits = await search(store, { queryVector: new Float32Array(8), text: 'residual learning image recognition', k: 3 });
  assert.equal(hits[0].key, 'resnet');
  assert.ok(hits.every((h) => h.mode === 'lexical' && h.cosine === undefined));
  // similarTo falls back to the entry's own text.
  const sim = await similarTo(store, 'bert', 3);
  assert.ok(!sim.some((h) => h.key === 'bert'));
  assert.ok(sim.every((h) => h.mode === 'lexical'));
  assert.ok(sim.some((h) => h.key === 'attention'), `got ${sim.map((h) => h.key)}`);
  store.close();
});

test('similarTo uses the stored vector, excludes the entry itself, rejects unknown keys', async () => {
  const emb = new HashEmbedder(128);
  const store = await seeded(emb);
  const before = emb.calls;
  const hits = await similarTo(store, 'bert', 3);
  assert.equal(emb.calls, before, 'no embedder call: the stored vector is used');
  assert.ok(!hits.some((h) => h.key === 'bert'));
  assert.ok(hits.every((h) => h.mode === 'vector'));
  // The nearest other entry by cosine of the stored vectors, computed here in plain JS.
  const vec = (i: number) => emb.embedText(`${TOPICS[i][1]} ${TOPICS[i][2]}`);
  const bert = vec(TOPICS.findIndex((t) => t[0] === 'bert'));
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  const nearest = TOPICS.map((t, i) => ({ key: t[0], c: dot(bert, vec(i)) })).filter((x) => x.key !== 'bert').sort((a, b) => b.c - a.c)[0];
  assert.equal(hits[0].key, nearest.key);
  assert.ok(Math.abs(hits[0].cosine! - nearest.c) < 1e-5);
  await assert.rejects(similarTo(store, 'nope', 3), UnknownKeyError);
  store.close();
});

test('hostile query text reaches full-text search as text, not syntax', async () => {
  const store = await seeded(null);
  for (const text of ["' OR 1=1 --", 'title:attention AND (', '"unterminated', '\\', '*', 'a'.repeat(10_000)]) {
    const hits = await search(store, { text, k: 3 });
    assert.ok(Array.isArray(hits));
  }
  const empty = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: null });
  assert.deepEqual(await search(empty, { text: 'anything', k: 3 }), []);
  empty.close();
  store.close();
});

test('above the threshold an IVF cosine index is built, and results still match brute force', async () => {
  const emb = new HashEmbedder(32);
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: { embedderId: emb.id, dim: emb.dim }, vectorIndexMinRows: 300 });
  const words = ['graph', 'neural', 'vision', 'language', 'speech', 'robot', 'protein', 'quantum', 'market', 'climate', 'sparse', 'causal'];
  const rows: IndexRow[] = [];
  for (let i = 0; i < 400; i++) {
    const title = `${words[i % 12]} ${words[(i * 5) % 12]} ${words[(i * 7 + 3) % 12]} paper ${i}`;
    rows.push({ ...recordToRow(rec(`p${i}`, title)), vector: emb.embedText(title) });
  }
  await store.upsert(rows);
  await store.finishWrites();
  const idx = (await store.table.listIndices()).find((i) => i.columns.includes('vector'));
  assert.ok(idx, 'vector index created');
  assert.equal(idx.indexType, 'IvfFlat');
  const [qv] = await emb.embedQueries(['protein quantum market']);
  const hits = await search(store, { queryVector: qv, k: 5 });
  const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i], 0);
  const brute = rows.map((r) => dot(qv, r.vector as Float32Array)).sort((a, b) => b - a).slice(0, 5);
  assert.equal(hits.length, 5);
  hits.forEach((h, i) => assert.ok(Math.abs(h.cosine! - brute[i]) < 1e-4, `rank ${i}: ${h.cosine} vs ${brute[i]}`));
  store.close();
});
