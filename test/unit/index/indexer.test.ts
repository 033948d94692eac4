import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexStore } from '../../../extension/core/index/store';
import { indexFiles, removeFiles } from '../../../extension/core/index/indexer';
import { search } from '../../../extension/core/index/search';
import { EntryCache } from '../../../extension/core/bib';
import type { Embedder } from '../../../extension/core/index/embedder';
import { HashEmbedder } from './hashEmbedder';
import { bibEntry, tempDir } from './fixtures';

function writeBib(file: string, n: number, edit: (i: number) => string | undefined = () => undefined): void {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(edit(i) ?? bibEntry(`key${i}`, `Paper number ${i} on topic ${i % 7}`, i % 3 === 0 ? '' : `Abstract of paper ${i} about subject ${i % 5}.`));
  fs.writeFileSync(file, parts.join('\n'));
}

async function setup(emb: HashEmbedder | null = new HashEmbedder(32)) {
  const dir = tempDir();
  const bib = path.join(dir, 'refs.bib');
  const space = emb ? { embedderId: emb.id, dim: emb.dim } : { embedderId: 'test/hash-bow@32', dim: 32 };
  const store = await IndexStore.open({ dir: path.join(dir, 'db'), workspace: dir, space });
  return { dir, bib, store, emb };
}

async function duplicates(store: IndexStore): Promise<number> {
  const st = await store.state();
  return st.length - new Set(st.map((s) => `${s.file}\u0000${s.key}`)).size;
}

test('first run embeds everything; an unchanged re-run costs zero embedder calls', async () => {
  const { bib, store, emb } = await setup();
  writeBib(bib, 40);
  const progress: number[] = [];
  const messages: string[] = [];
  const embedProgress: string[] = [];
  const first = await indexFiles([bib], {
    store, embedder: emb, batchSize: 8,
    onProgress: (d, t, m) => { if (t && m === 'embedded entries') progress.push(d); if (m) messages.push(m); },
    onEmbedProgress: (e, of) => embedProgress.push(`${e}/${of}`),
  });
  assert.equal(first.files, 1);
  assert.equal(first.entries, 40);
  assert.equal(first.embedded, 40);
  assert.equal(first.reused + first.updated + first.unchanged + first.removed, 0);
  assert.equal(first.lexicalOnly, false);
  assert.deepEqual(progress, [8, 16, 24, 32, 40]);
  // Lexical first: every entry is stored and full-text searchable before the first model call.
  assert.ok(messages.indexOf('searchable (full text); embedding') >= 0 && messages.indexOf('searchable (full text); embedding') < messages.indexOf('embedded entries'), messages.join(' | '));
  assert.deepEqual(embedProgress, ['8/40', '16/40', '24/40', '32/40', '40/40']);
  assert.equal(emb!.calls, 5);
  assert.equal(await store.count('vector IS NOT NULL'), 40);
  const noAbstract = (await store.entriesByKey('key0'))[0];
  assert.equal(noAbstract.has_abstract, false);

  const callsBefore = emb!.calls;
  const second = await indexFiles([bib], { store, embedder: emb, cache: new EntryCache() });
  assert.equal(emb!.calls, callsBefore, 'no embedder call for unchanged entries');
  assert.equal(second.embedded, 0);
  assert.equal(second.unchanged, 40);
  assert.equal(await store.count(), 40);
  store.close();
});

test('editing one title embeds one entry; a metadata-only edit embeds none and keeps the vector', async () => {
  const { bib, store, emb } = await setup();
  writeBib(bib, 30);
  await indexFiles([bib], { store, embedder: emb });
  const uid5 = (await store.entriesByKey('key5'))[0].uid;
  const v5 = await store.vectorOf(uid5);

  writeBib(bib, 30, (i) => (i === 7 ? bibEntry('key7', 'A completely new title', 'Abstract of paper 7 about subject 2.') : undefined));
  const r1 = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r1.embedded, 1);
  assert.equal(r1.unchanged, 29);
  assert.equal((await store.entriesByKey('key7'))[0].title, 'A completely new title');

  writeBib(bib, 30, (i) => (i === 7 ? bibEntry('key7', 'A completely new title', 'Abstract of paper 7 about subject 2.') : i === 5 ? bibEntry('key5', 'Paper number 5 on topic 5', 'Abstract of paper 5 about subject 0.', 1999) : undefined));
  const before = emb!.papersEmbedded;
  const r2 = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r2.embedded, 0);
  assert.equal(emb!.papersEmbedded, before);
  assert.equal(r2.updated, 1);
  const e5 = (await store.entriesByKey('key5'))[0];
  assert.equal(e5.year, 1999);
  assert.deepEqual(Array.from((await store.vectorOf(uid5))!), Array.from(v5!));

  // Lines shift for every entry after an inserted line: only positions are rewritten, no paper row, no embedding.
  fs.writeFileSync(bib, '% a comment line\n\n' + fs.readFileSync(bib, 'utf8'));
  const r3 = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r3.embedded, 0);
  assert.equal(r3.updated, 0);
  assert.equal(r3.moved, 30);
  assert.equal(r3.unchanged, 30);
  assert.equal((await store.entriesByKey('key0'))[0].line, 3);
  assert.equal(await duplicates(store), 0);
  store.close();
});

test('removed entries are deleted; a renamed file keeps its vectors', async () => {
  const { dir, bib, store, emb } = await setup();
  writeBib(bib, 20);
  await indexFiles([bib], { store, embedder: emb });
  writeBib(bib, 20, (i) => (i === 3 || i === 4 ? '' : undefined));
  const r1 = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r1.removed, 2);
  assert.equal(r1.embedded, 0);
  assert.equal((await store.entriesByKey('key3')).length, 0);
  assert.equal(await store.count(), 18);

  const moved = path.join(dir, 'sub', 'renamed.bib');
  fs.mkdirSync(path.dirname(moved));
  fs.renameSync(bib, moved);
  const calls = emb!.calls;
  const r2 = await indexFiles([moved], { store, embedder: emb });
  assert.equal(emb!.calls, calls, 'moving a file costs no embedding');
  assert.equal(r2.reused, 18);
  assert.equal(r2.removed, 18);
  assert.equal(await store.count(), 18);
  assert.deepEqual([...new Set((await store.state()).map((s) => s.file))], [moved]);
  assert.equal(await store.count('vector IS NOT NULL'), 18);
  store.close();
});

test('duplicate keys: first wins within a file (warning); both kept across files; search returns the key once', async () => {
  const { dir, bib, store, emb } = await setup();
  fs.writeFileSync(bib, bibEntry('dup', 'First version') + bibEntry('dup', 'Second version') + bibEntry('other', 'Other paper'));
  const other = path.join(dir, 'thesis.bib');
  fs.writeFileSync(other, bibEntry('dup', 'First version'));
  const r = await indexFiles([bib, other], { store, embedder: emb });
  assert.equal(r.entries, 3);
  const d = r.diagnostics.find((x) => x.key === 'dup' && x.file === bib);
  assert.ok(d, `a diagnostic for the duplicate key: ${JSON.stringify(r.diagnostics)}`);
  assert.equal(r.embedded, 2, 'identical text in two files is embedded once');
  const rows = await store.entriesByKey('dup');
  assert.equal(rows.length, 2);
  assert.ok(rows.every((x) => x.title === 'First version'));
  const hits = await search(store, { text: 'First version', k: 10 });
  assert.equal(hits.filter((h) => h.key === 'dup').length, 1);
  store.close();
});

test('without an embedder rows are stored (vector null) and searched lexically; the model later fills them', async () => {
  const { bib, store } = await setup(null);
  writeBib(bib, 12);
  const r = await indexFiles([bib], { store, embedder: null });
  assert.equal(r.lexicalOnly, true);
  assert.equal(r.entries, 12);
  assert.equal(r.withoutVector, 12);
  assert.equal(r.embedded, 0);
  assert.equal(await store.count('vector IS NULL'), 12);
  const hits = await search(store, { text: 'paper number 4', k: 3 });
  assert.equal(hits[0].key, 'key4');
  assert.equal(hits[0].mode, 'lexical');

  const emb = new HashEmbedder(32);
  const r2 = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r2.embedded, 12);
  assert.equal(await store.count('vector IS NULL'), 0);
  store.close();
});

test('a file that cannot be read keeps its rows and reports it; bad entries do not stop good ones', async () => {
  const { dir, bib, store, emb } = await setup();
  writeBib(bib, 5);
  await indexFiles([bib], { store, embedder: emb });
  fs.rmSync(bib);
  fs.mkdirSync(bib); // reading a folder fails (EISDIR) even as root, unlike chmod 000
  const r = await indexFiles([bib], { store, embedder: emb });
  assert.equal(r.files, 0);
  assert.match(r.diagnostics[0].message, /cannot read .*refs\.bib.*kept/);
  assert.equal(await store.count(), 5);

  const broken = path.join(dir, 'broken.bib');
  fs.writeFileSync(broken, bibEntry('good1', 'Good one') + '@article{bad,\n  title = {Unclosed\n\n' + bibEntry('good2', 'Good two'));
  const r2 = await indexFiles([broken], { store, embedder: emb, scope: 'only' });
  assert.ok(r2.diagnostics.some((x) => x.file === broken && x.severity === 'error'), JSON.stringify(r2.diagnostics));
  assert.ok((await store.entriesByKey('good1')).length === 1);
  assert.equal(await store.count(), 5 + r2.entries, 'scope only: the other file\'s rows stay');
  assert.equal(await removeFiles(store, [broken]), r2.entries);
  store.close();
});

test('cancellation stops between batches; the next run embeds only what is missing', async () => {
  const { bib, store, emb } = await setup();
  writeBib(bib, 50);
  const ac = new AbortController();
  await assert.rejects(
    indexFiles([bib], { store, embedder: emb, batchSize: 10, signal: ac.signal, onProgress: (d) => { if (d >= 20) ac.abort(); } }),
    (e: Error) => e.name === 'AbortError',
  );
  // Every entry was stored (lexically searchable) before embedding started; 20 have their vector.
  assert.equal(await store.count(), 50);
  assert.equal(await store.count('has_vector'), 20);
  const r = await indexFiles([bib], { store, embedder: emb, batchSize: 10 });
  assert.equal(r.embedded, 30);
  assert.equal(r.unchanged, 20);
  assert.equal(await store.count(), 50);
  assert.equal(await duplicates(store), 0);
  store.close();
});

test('an embedder returning the wrong dimension is refused with a clear error', async () => {
  const { bib, store } = await setup();
  writeBib(bib, 3);
  const bad: Embedder = {
    id: 'test/hash-bow@32', dim: 32,
    embedPapers: async (items) => items.map(() => new Float32Array(16)),
    embedQueries: async (t) => t.map(() => new Float32Array(32)),
  };
  await assert.rejects(indexFiles([bib], { store, embedder: bad }), /returned a 16-d vector \(expected 32\)/);
  assert.equal(await store.count('has_vector'), 0, 'no bad vector is stored');
  assert.equal(await store.count(), 3, 'the entries stay lexically searchable');
  const other = new HashEmbedder(32, { id: 'another/model' });
  await assert.rejects(indexFiles([bib], { store, embedder: other }), /does not match the index table/);
  store.close();
});

test('concurrent runs on one store are serialised: no duplicate rows, second run sees the first', async () => {
  const { dir, bib, store, emb } = await setup();
  writeBib(bib, 25);
  const other = path.join(dir, 'other.bib');
  fs.writeFileSync(other, bibEntry('x1', 'Extra one') + bibEntry('x2', 'Extra two'));
  const [a, b] = await Promise.all([
    indexFiles([bib], { store, embedder: emb, batchSize: 5, scope: 'only' }),
    indexFiles([bib, other], { store, embedder: emb, batchSize: 5 }),
  ]);
  assert.equal(a.embedded, 25);
  assert.equal(b.embedded, 2, 'the second run reuses what the first wrote');
  assert.equal(b.unchanged, 25);
  assert.equal(await store.count(), 27);
  assert.equal(await duplicates(store), 0);
  store.close();
});

test('lexical first: while the model is still embedding, every entry is found by full text, and embedded rows stay findable', async () => {
  const { bib, store } = await setup();
  writeBib(bib, 60, (i) => bibEntry(`key${i}`, `Paper ${i} about ${i === 59 ? 'zanzibar archipelago' : 'ordinary things'}`, `Abstract ${i} mentions ${i === 3 ? 'quokka marsupials' : 'nothing special'}.`));
  // An embedder that stops at its second batch until released: the run is "in progress" meanwhile.
  const inner = new HashEmbedder(32);
  let release!: () => void;
  const gate = new Promise<void>((r) => { release = r; });
  let batches = 0;
  let reachedGate!: () => void;
  const atGate = new Promise<void>((r) => { reachedGate = r; });
  const slow: Embedder = {
    id: inner.id, dim: inner.dim,
    embedPapers: async (items, o) => { if (++batches === 2) { reachedGate(); await gate; } return inner.embedPapers(items, o); },
    embedQueries: (t) => inner.embedQueries(t),
  };
  const run = indexFiles([bib], { store, embedder: slow, batchSize: 10 });
  await atGate;
  // Mid-run: 10 of 60 rows have vectors, all 60 are stored and full-text searchable.
  assert.equal(await store.count(), 60);
  assert.equal(await store.count('has_vector'), 10);
  const last = await search(store, { text: 'zanzibar archipelago', k: 3 });
  assert.equal(last[0]?.key, 'key59', 'an entry not embedded yet is found lexically');
  const early = await search(store, { text: 'quokka marsupials', k: 3 });
  assert.equal(early[0]?.key, 'key3', 'an entry whose row was rewritten with its vector is still found by full text');
  const hybrid = await search(store, { text: 'quokka marsupials', queryVector: inner.embedText('quokka marsupials'), k: 3 });
  assert.equal(hybrid[0]?.key, 'key3');
  release();
  const s = await run;
  assert.equal(s.embedded, 60);
  assert.equal((await search(store, { text: 'zanzibar archipelago', k: 1 }))[0]?.key, 'key59', 'still found after the run');
  store.close();
});

test('embedding progress carries a time estimate from token counts (the progress notification shows it)', async () => {
  const { bib, store } = await setup();
  writeBib(bib, 40);
  const slow = new HashEmbedder(32, { delayMsPerItem: 2 });
  const seen: (number | undefined)[] = [];
  await indexFiles([bib], { store, embedder: slow, batchSize: 5, onEmbedProgress: (_e, _of, ms) => seen.push(ms) });
  assert.equal(seen.length, 8);
  assert.ok(seen.slice(1, -1).every((ms) => typeof ms === 'number' && ms >= 0), JSON.stringify(seen));
  assert.equal(seen[seen.length - 1], 0, 'nothing left at the end');
  assert.ok(seen[1]! > seen[6]!, `the estimate shrinks as the run goes: ${JSON.stringify(seen)}`);
  store.close();
});

test('lexical first on a library past the IVF threshold: the vector index is trained on vectors, not on rows without them', async () => {
  const dir = tempDir();
  const bib = path.join(dir, 'refs.bib');
  writeBib(bib, 300);
  const emb = new HashEmbedder(16);
  const store = await IndexStore.open({ dir: path.join(dir, 'db'), workspace: dir, space: { embedderId: emb.id, dim: emb.dim }, vectorIndexMinRows: 100 });
  // The lexical pre-write stores 300 rows with no vector before the first batch: no IVF training then.
  const s = await indexFiles([bib], { store, embedder: emb, batchSize: 50 });
  assert.equal(s.embedded, 300);
  const indices = await store.table.listIndices();
  assert.ok(indices.some((i) => i.columns.includes('vector')), 'the IVF index exists once the vectors do');
  store.close();
});
