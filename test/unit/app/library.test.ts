/** THE application layer on a real LanceDB folder: catalogue, entry at file:line, progress, repeated queries. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Library, embeddingProgressText } from '../../../extension/core/app/library';
import { HashEmbedder } from '../index/hashEmbedder';
import { bibEntry, tempDir } from '../index/fixtures';

function lib(dir: string, emb: HashEmbedder | null) {
  return new Library({ dbDir: path.join(dir, 'db'), workspace: dir, model: { ensure: async () => emb }, vectorCacheDir: path.join(dir, 'vc') });
}

test('Library: catalogue without abstracts, the entry under a line from the parse, progress wording', async () => {
  const dir = tempDir('rp-lib-');
  const bib = path.join(dir, 'refs.bib');
  fs.writeFileSync(bib, ['% header', bibEntry('first', 'First Paper', 'An abstract.'), bibEntry('second', 'Second Paper', 'Another abstract.')].join('\n'));
  const emb = new HashEmbedder(32);
  const l = lib(dir, emb);
  const s = await l.index([bib]);
  assert.equal(s.entries, 2);
  const cat = await l.catalog();
  assert.deepEqual(cat.map((e) => e.key), ['first', 'second']);
  assert.ok(cat.every((e) => !('abstract' in e)), 'no abstracts in the catalogue');
  const text = fs.readFileSync(bib, 'utf8').split('\n');
  const secondLine = text.findIndex((t) => t.startsWith('@article{second')) + 1;
  assert.equal((await l.entryAt(bib, secondLine))?.key, 'second');
  assert.equal((await l.entryAt(bib, secondLine + 1))?.key, 'second', 'inside the entry');
  assert.equal((await l.entryAt(bib, secondLine - 1))?.key, 'first');
  assert.equal(await l.entryAt(bib, 1), undefined, 'before the first entry');
  assert.equal(embeddingProgressText(await l.embeddingProgress()), '2 of 2 papers embedded');
  assert.equal(embeddingProgressText({ embedded: 3120, embeddable: 10569 }), '3,120 of 10,569 papers embedded');
  l.close();
});

test('Library: a text asked twice (panel, then the completion list in the same paragraph) is embedded once', async () => {
  const dir = tempDir('rp-lib-');
  const bib = path.join(dir, 'refs.bib');
  fs.writeFileSync(bib, [bibEntry('a', 'Graph neural networks', 'Message passing.'), bibEntry('b', 'Protein folding', 'Structures.')].join('\n'));
  const emb = new HashEmbedder(32);
  const asked: string[] = [];
  const embedQueries = emb.embedQueries.bind(emb);
  emb.embedQueries = async (t: string[]) => { asked.push(...t); return embedQueries(t); };
  const l = lib(dir, emb);
  await l.index([bib]);
  const count = (t: string) => asked.filter((x) => x === t).length;
  const r1 = await l.search({ text: 'graph networks for molecules', k: 2 });
  const r2 = await l.search({ text: 'graph networks for molecules', k: 1, excludeKeys: ['b'] });
  assert.equal(count('graph networks for molecules'), 1, 'one model call for the same text');
  assert.equal(r1.mode, 'hybrid');
  assert.equal(r2.hits[0]?.key, 'a');
  await l.search({ text: 'protein structures', k: 2 });
  assert.equal(count('protein structures'), 1, 'another text is embedded');
  l.close();
});
