/**
 * Calibrated relevance on a real library (examples/library.bib through the real parser and indexer, real
 * LanceDB), with the tiny SPECTER2 fixture through real ONNX Runtime and with no model (lexical):
 *  - a query made of an entry's own title ranks that entry first, in the 'strong' band;
 *  - a query of words unrelated to the library yields only 'weak' hits;
 *  - the calibration is stored beside the table and reused by the next session.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { IndexStore } from '../../../extension/core/index/store';
import { indexFiles } from '../../../extension/core/index/indexer';
import { search } from '../../../extension/core/index/search';
import { modelSeparates, type Calibration } from '../../../extension/core/index/calibration';
import { createCliEmbedder } from '../../../extension/cli/deps';
import { REPO_ROOT, skipUnlessShared, TINY_MODEL } from '../../helpers/shared';
import { tempDir } from './fixtures';

const LIBRARY = path.join(REPO_ROOT, 'examples', 'library.bib');
const NONSENSE = ['purple elephant banana saxophone marmalade', 'zebra orchestra volcano lighthouse cupcake', 'football match yesterday evening referee'];

async function library(embedder: Awaited<ReturnType<typeof createCliEmbedder>>, dir = tempDir()) {
  const store = await IndexStore.open({ dir, workspace: '/ws', space: embedder ? { embedderId: embedder.id, dim: embedder.dim } : null });
  await indexFiles([LIBRARY], { store, embedder });
  return store;
}

async function check(embedder: Awaited<ReturnType<typeof createCliEmbedder>>) {
  const dir = tempDir();
  const store = await library(embedder, dir);
  let calibrationCalls = 0;
  const embedQueries = embedder ? async (t: string[]) => { calibrationCalls++; return embedder.embedQueries(t); } : undefined;
  const entries = (await store.table.query().select(['key', 'title']).toArray()).filter((r) => r.title.trim());
  assert.ok(entries.length >= 50, `library has ${entries.length} titled entries`);
  for (const e of entries) {
    const [qv] = embedder ? await embedder.embedQueries([e.title]) : [undefined];
    const hits = await search(store, { text: e.title, queryVector: qv, k: 5, embedQueries });
    assert.equal(hits[0]?.key, e.key, `own title "${e.title}" → ${hits.map((h) => `${h.key}:${h.relevance}`).join(', ')}`);
    assert.equal(hits[0].band, 'strong', `${e.key}: ${JSON.stringify(hits[0].evidence)} relevance ${hits[0].relevance}`);
    assert.ok(hits[0].why.includes('words'));
    assert.ok(hits[0].terms.length > 0);
    for (const h of hits) assert.ok(h.relevance >= 0 && h.relevance <= 1);
  }
  for (const text of NONSENSE) {
    const [qv] = embedder ? await embedder.embedQueries([text]) : [undefined];
    const hits = await search(store, { text, queryVector: qv, k: 10, embedQueries });
    if (embedder) assert.equal(hits.length, 10, 'the vector half always answers');
    for (const h of hits) assert.equal(h.band, 'weak', `"${text}" → ${h.key} relevance ${h.relevance} ${JSON.stringify(h.evidence)}`);
    // minScore filters on relevance: nothing here reaches 'related'.
    assert.deepEqual(await search(store, { text, queryVector: qv, k: 10, minScore: 0.3, embedQueries }), []);
  }
  assert.equal(calibrationCalls, embedder ? 1 : 0, 'the calibration embeds its sample titles once');
  store.close();
  // Next session: the stored calibration is read back, nothing is recomputed.
  const again = await IndexStore.open({ dir, workspace: '/ws', space: embedder ? { embedderId: embedder.id, dim: embedder.dim } : null });
  const cal = JSON.parse((await again.readSideRecord('calibration'))!) as Calibration;
  assert.equal(cal.rows, await again.count());
  assert.ok(cal.words.avgdl > 5 && Object.keys(cal.words.df).length > 100);
  const [qv] = embedder ? await embedder.embedQueries([entries[0].title]) : [undefined];
  await search(again, { text: entries[0].title, queryVector: qv, k: 3, embedQueries });
  assert.equal(calibrationCalls, embedder ? 1 : 0, 'the stored calibration is reused');
  again.close();
  return cal;
}

test('no model (lexical): own title → first and strong; unrelated words → only weak', async () => {
  const cal = await check(null);
  assert.equal(cal.query, undefined);
});

test('tiny random model: own title → first and strong; unrelated words → only weak', { skip: skipUnlessShared('fixtures', 'specter2-tiny') }, async () => {
  const embedder = await createCliEmbedder(TINY_MODEL);
  try {
    const cal = await check(embedder);
    assert.ok(cal.query?.positive && cal.entry, 'query null + positives and entry null measured');
    // Random weights: its title queries are no closer to their own entry than chance — the calibration sees it.
    assert.equal(modelSeparates(cal.query), false);
  } finally {
    await (embedder as unknown as { dispose(): Promise<void> }).dispose();
  }
});
