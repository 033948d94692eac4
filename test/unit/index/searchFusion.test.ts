/** Weighted reciprocal rank fusion: by hand on fixed lists, and through search() on a real LanceDB table. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexStore } from '../../../extension/core/index/store';
import { recordToRow } from '../../../extension/core/index/schema';
import { fuse, search, RRF_K } from '../../../extension/core/index/search';
import { HashEmbedder } from './hashEmbedder';
import { rec, tempDir, TOPICS } from './fixtures';

const r = (...keys: string[]) => keys.map((k) => ({ uid: `u-${k}`, key: k }));

test('fuse: Σ w/(60 + rank) normalised by Σw/61, weights move the order', () => {
  const vec = r('x', 'y');
  const txt = r('y', 'z');
  const heavyVector = fuse([{ items: vec, weight: 0.8 }, { items: txt, weight: 0.2 }], 10);
  // x = 0.8/61, y = 0.8/62 + 0.2/61, z = 0.2/62, all × 61 (Σw = 1)
  const expect = { x: 0.8, y: (0.8 * 61) / 62 + 0.2, z: (0.2 * 61) / 62 };
  assert.deepEqual(heavyVector.map((h) => h.key), ['y', 'x', 'z']);
  for (const h of heavyVector) assert.ok(Math.abs(h.score - expect[h.key as 'x']) < 1e-12, `${h.key} ${h.score}`);
  const heavyText = fuse([{ items: vec, weight: 0.2 }, { items: txt, weight: 0.8 }], 10);
  assert.deepEqual(heavyText.map((h) => h.key), ['y', 'z', 'x']);
  assert.ok(Math.abs(heavyText.find((h) => h.key === 'x')!.score - 0.2) < 1e-12);
  // Unweighted lists = weight 1 each: the plain RRF of before.
  const plain = fuse([vec, txt], 10);
  assert.ok(Math.abs(plain[0].score - (1 / (RRF_K + 2) + 1 / (RRF_K + 1)) / (2 / (RRF_K + 1))) < 1e-12);
  // Weight 0: the list orders nothing, but its evidence is kept; all weight on a missing list → equal weights.
  const zero = fuse([{ items: [{ uid: 'u-a', key: 'a', cosine: 0.9 }, { uid: 'u-b', key: 'b', cosine: 0.5 }], weight: 0 }, { items: r('b', 'a'), weight: 1 }], 10);
  assert.deepEqual(zero.map((h) => [h.key, h.cosine]), [['b', 0.5], ['a', 0.9]]);
  const only = fuse([{ items: r('p', 'q'), weight: 0 }], 10).map((h) => h.score);
  assert.equal(only[0], 1);
  assert.ok(Math.abs(only[1] - 61 / 62) < 1e-12);
});

test('search(): vectorWeight 1 orders like the vector ranking, 0 like the full-text ranking', async () => {
  const emb = new HashEmbedder(64);
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: { embedderId: emb.id, dim: emb.dim } });
  const words = ['graph', 'neural', 'vision', 'language', 'speech', 'robot', 'protein', 'quantum', 'market', 'climate'];
  const rows = TOPICS.map(([k, t, a]) => ({ ...recordToRow(rec(k, t, a)), vector: emb.embedText(`${t} ${a}`) }));
  for (let i = 0; i < 60; i++) {
    const title = `${words[i % 10]} ${words[(i * 7) % 10]} networks ${words[(i * 3 + 1) % 10]} study ${i}`;
    rows.push({ ...recordToRow(rec(`r${i}`, title, `An abstract about ${words[(i * 9) % 10]} and attention.`)), vector: emb.embedText(title) });
  }
  await store.upsert(rows);
  await store.finishWrites();
  const text = 'attention networks for protein language';
  const [qv] = await emb.embedQueries([text]);
  const keys = async (q: Parameters<typeof search>[1]) => (await search(store, q)).map((h) => h.key);
  const vectorOnly = await keys({ queryVector: qv, k: 8 });
  const textOnly = await keys({ text, k: 8 });
  assert.notDeepEqual(vectorOnly, textOnly, 'the two rankings differ (else this test shows nothing)');
  assert.deepEqual(await keys({ queryVector: qv, text, k: 8, vectorWeight: 1 }), vectorOnly);
  assert.deepEqual(await keys({ queryVector: qv, text, k: 8, vectorWeight: 0 }), textOnly);
  const mid = await search(store, { queryVector: qv, text, k: 8, vectorWeight: 0.5 });
  assert.ok(mid.every((h) => h.mode === 'hybrid'));
  // The relevance does not depend on the weight: same hit, same relevance.
  const at1 = await search(store, { queryVector: qv, text, k: 30, vectorWeight: 1 });
  const at0 = await search(store, { queryVector: qv, text, k: 30, vectorWeight: 0 });
  for (const h of at1) {
    const o = at0.find((x) => x.key === h.key);
    if (o && o.evidence.cosine !== undefined && o.evidence.bm25 !== undefined && h.evidence.bm25 !== undefined) assert.equal(o.relevance, h.relevance);
  }
  store.close();
});

test('hitToPaper carries relevance, band, evidence, why and terms to the display shape', async () => {
  const { hitToPaper } = await import('../../../extension/core/index/paper');
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: null });
  await store.upsert(TOPICS.map(([k, t, a]) => recordToRow(rec(k, t, a))));
  await store.finishWrites();
  const [hit] = await search(store, { text: 'residual learning for image recognition', k: 1 });
  const p = hitToPaper(hit);
  assert.equal(p.key, 'resnet');
  assert.deepEqual([p.relevance, p.band, p.evidence, p.why, p.terms], [hit.relevance, hit.band, hit.evidence, hit.why, hit.terms]);
  assert.ok(p.terms!.includes('residual') && p.why!.includes('words'));
  store.close();
});
