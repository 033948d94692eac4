/**
 * Indexing real bibliographies from ../shared (skipped when absent): every entry of the small
 * real-world corpus lands in the table, a re-run is free, and a known title is found lexically.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexStore } from '../../extension/core/index/store';
import { indexFiles } from '../../extension/core/index/indexer';
import { search } from '../../extension/core/index/search';
import { EntryCache } from '../../extension/core/bib';
import { HashEmbedder } from '../unit/index/hashEmbedder';
import { tempDir } from '../unit/index/fixtures';
import { sharedPath, skipUnlessShared } from '../helpers/shared';

const SMALL = ['bib-real', 'small'];

test('the small real corpus indexes completely and incrementally', { skip: skipUnlessShared('corpora', ...SMALL) }, async () => {
  const manifest = JSON.parse(fs.readFileSync(sharedPath('corpora', 'MANIFEST.json'), 'utf8')) as { file: string; entries?: number; with_abstract?: number }[];
  const files = manifest.filter((m) => m.file.startsWith('bib-real/small/'));
  assert.ok(files.length > 0);
  const expected = files.reduce((s, m) => s + (m.entries ?? 0), 0);
  const withAbstract = files.reduce((s, m) => s + (m.with_abstract ?? 0), 0);
  const emb = new HashEmbedder(64);
  const store = await IndexStore.open({ dir: tempDir(), workspace: 'corpus', space: { embedderId: emb.id, dim: emb.dim } });
  const paths = files.map((m) => sharedPath('corpora', ...m.file.split('/')));
  const cache = new EntryCache();
  const r = await indexFiles(paths, { store, embedder: emb, cache });
  assert.equal(r.files, files.length);
  assert.equal(r.entries, expected);
  assert.equal(await store.count(), expected);
  assert.equal(await store.count('has_abstract'), withAbstract);
  assert.equal(r.embedded, new Set((await store.state()).map((s) => s.content_hash)).size);

  const again = await indexFiles(paths, { store, embedder: emb, cache });
  assert.equal(again.embedded, 0);
  assert.equal(again.unchanged, expected);

  // Pick a real entry and find it by its own title.
  const someone = (await store.state())[Math.floor(expected / 2)];
  const [entry] = await store.entriesByKey(someone.key);
  const [qv] = await emb.embedQueries([entry.title]);
  const hits = await search(store, { text: entry.title, queryVector: qv, k: 5 });
  assert.ok(hits.some((h) => h.key === entry.key), `"${entry.title}" not found: ${hits.map((h) => h.title)}`);
  assert.equal(path.isAbsolute(hits[0].file), true);
  store.close();
});
