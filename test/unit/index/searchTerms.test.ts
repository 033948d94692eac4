/**
 * The JS copy of LanceDB's FTS analyzer (terms.ts) and the BM25 normalisation (calibration.ts) against the
 * real LanceDB index: the BM25 recomputed here from our tokens must equal LanceDB's `_score`, and a
 * document that IS the query must score ≈ 1 after normalisation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IndexStore } from '../../../extension/core/index/store';
import { recordToRow } from '../../../extension/core/index/schema';
import { search } from '../../../extension/core/index/search';
import { ftsTokens, ftsTerms, sharedWords } from '../../../extension/core/index/terms';
import { computeCalibration, normaliseBm25, wordsQuery } from '../../../extension/core/index/calibration';
import { rec, tempDir, TOPICS } from './fixtures';

test('tokens: lower case, split on non-alphanumerics, stop words out, Porter2 stems, ASCII folding', () => {
  assert.deepEqual(ftsTerms('The Running models of Études, its being: state-of-the-art!'), ['run', 'model', 'etud', 'state', 'art']);
  assert.deepEqual(ftsTokens('Networks networks').map((t) => t.term), ['network', 'network']);
  assert.deepEqual(sharedWords('Ranking documents; ranked lists', new Set(ftsTerms('rank'))), ['ranking', 'ranked']);
});

const DOCS = [
  ['d1', 'Running models quickly', 'Models that run fast on small devices and the studies of their running time.'],
  ['d2', 'Neural networks for text retrieval', 'Dense retrieval with neural networks ranks documents for a query.'],
  ['d3', 'Café naïve résumé', 'Études on accented words in retrieval systems.'],
  ['d4', 'Graph neural networks', 'Message passing networks on graphs for node classification.'],
  ['d5', 'Being and time', 'It is what it is: a study of stop words in its own right.'],
] as const;

test("BM25 from our tokens equals LanceDB's _score; the query as a document normalises to ≈ 1", async () => {
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: null });
  const rows = [...DOCS, ...TOPICS].map(([k, t, a]) => recordToRow(rec(k, t, a)));
  const query = 'neural retrieval networks running études';
  rows.push(recordToRow(rec('self', query)));
  await store.upsert(rows);
  await store.finishWrites();
  // By hand: LanceDB's BM25 (k1 1.2, b 0.75, idf ln(1 + (N − df + 0.5)/(df + 0.5))) over every row.
  const docs = rows.map((r) => ftsTokens(r.fts_text).map((t) => t.term));
  const N = docs.length;
  const avgdl = docs.reduce((s, d) => s + d.length, 0) / N;
  const qTerms = ftsTerms(query);
  const bm25 = (d: string[]) => qTerms.reduce((s, t) => {
    const tf = d.filter((x) => x === t).length;
    if (!tf) return s;
    const df = docs.filter((x) => x.includes(t)).length;
    const idf = Math.log(1 + (N - df + 0.5) / (df + 0.5));
    return s + (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * d.length) / avgdl));
  }, 0);
  const got = await store.table.query().fullTextSearch(query, { columns: 'fts_text' }).select(['key', '_score']).limit(50).toArray();
  assert.ok(got.length >= 4);
  for (const r of got) {
    const expected = bm25(docs[rows.findIndex((x) => x.key === r.key)]);
    assert.ok(Math.abs(r._score - expected) < 1e-3 * Math.max(1, expected), `${r.key}: LanceDB ${r._score} vs ${expected}`);
  }
  // The calibration (sample = the whole table here) gives the self-document's score as the maximum.
  const cal = await computeCalibration(store);
  assert.equal(cal.words.sample, N);
  const wq = wordsQuery(query, cal);
  const self = got.find((r) => r.key === 'self')!;
  assert.ok(Math.abs(normaliseBm25(self._score, wq) - 1) < 0.01, `self normalised ${self._score / wq.selfScore}`);
  // … and through search(): the self document first, strong, with the shared words for highlighting.
  const hits = await search(store, { text: query, k: 3 });
  assert.equal(hits[0].key, 'self');
  assert.equal(hits[0].band, 'strong');
  assert.ok(hits[0].evidence.bm25Normalised! > 0.99);
  const d2 = (await search(store, { text: query, k: 10 })).find((h) => h.key === 'd2')!;
  assert.deepEqual(d2.terms.sort(), ['networks', 'neural', 'retrieval']);
  assert.deepEqual(d2.why, ['words']);
  assert.ok(d2.relevance < hits[0].relevance);
  store.close();
});

test('rows rewritten behind the FTS index (a vector pass in progress): the best match is not cut by scan order', async () => {
  const { indexFiles } = await import('../../../extension/core/index/indexer');
  const path = await import('node:path');
  const { REPO_ROOT } = await import('../../helpers/shared');
  const store = await IndexStore.open({ dir: tempDir(), workspace: '/ws', space: null });
  await indexFiles([path.join(REPO_ROOT, 'examples', 'library.bib')], { store, embedder: null });
  const all = await store.table.query().select(['uid']).toArray();
  // Rewrite every row in place, as the indexer's vector pass does, without folding them into the index.
  await store.table.mergeInsert('uid').whenMatchedUpdateAll().execute(await store.table.query().where(`uid IN (${all.map((r) => `'${r.uid}'`).join(',')})`).toArrow());
  const idx = (await store.table.listIndices()).find((i) => i.columns.includes('fts_text'))!;
  assert.ok((idx.numUnindexedRows ?? 0) > 30, `rows outside the FTS index: ${idx.numUnindexedRows} (else this test shows nothing)`);
  for (const r of await store.table.query().select(['key', 'title']).toArray()) {
    const hits = await search(store, { text: r.title, k: 3 });
    assert.equal(hits[0]?.key, r.key, `"${r.title}" → ${hits.map((h) => h.key)}`);
  }
  store.close();
});
