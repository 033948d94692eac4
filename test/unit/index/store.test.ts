import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as arrow from 'apache-arrow';
import * as lancedb from '@lancedb/lancedb';
import { IndexStore } from '../../../extension/core/index/store';
import { recordToRow, tableNameFor, sqlString } from '../../../extension/core/index/schema';
import { HashEmbedder } from './hashEmbedder';
import { rec, tempDir } from './fixtures';

const WS = '/ws';

async function openWith(dir: string, emb: HashEmbedder | null) {
  return IndexStore.open({ dir, workspace: WS, space: emb ? { embedderId: emb.id, dim: emb.dim } : null });
}

function rowWithVector(emb: HashEmbedder, key: string, title: string, abstract = '', file = '/ws/refs.bib') {
  const row = recordToRow(rec(key, title, abstract, { file }));
  return { ...row, vector: emb.embedText(`${title} ${abstract}`) };
}

test('table name depends on workspace, embedder id and dimension', () => {
  const a = tableNameFor('/ws', { embedderId: 'm@1', dim: 768 });
  assert.equal(a, tableNameFor('/ws', { embedderId: 'm@1', dim: 768 }));
  assert.notEqual(a, tableNameFor('/ws2', { embedderId: 'm@1', dim: 768 }));
  assert.notEqual(a, tableNameFor('/ws', { embedderId: 'm@2', dim: 768 }));
  assert.notEqual(a, tableNameFor('/ws', { embedderId: 'm@1', dim: 512 }));
  assert.notEqual(a, tableNameFor('/ws', null));
  assert.match(a, /^papers_v\d+_[0-9a-f]{20}$/);
});

test('upsert by (file,key) never duplicates; updateMeta keeps the vector', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const store = await openWith(dir, emb);
  assert.equal(store.rebuilt, undefined);
  const r = rowWithVector(emb, 'k1', 'A title');
  await store.upsert([r, rowWithVector(emb, 'k2', 'Other')]);
  await store.upsert([r]);
  assert.equal(await store.count(), 2);
  await store.updateMeta([{ ...r, authors: 'Someone, Else' }]);
  await store.writePositions([r.file], [{ uid: r.uid, file: r.file, key: r.key, line: 42 }]);
  const [e] = await store.entriesByKey('k1');
  assert.equal(e.line, 42);
  assert.equal(e.authors, 'Someone, Else');
  const v = await store.vectorOf(r.uid);
  assert.ok(v);
  assert.deepEqual(Array.from(v), Array.from(r.vector));
  store.close();
});

test('hostile keys and titles survive filters (quotes, backslashes, SQL)', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const store = await openWith(dir, emb);
  const keys = ["o'brien", "x') OR 1=1 --", 'back\\slash', 'uni·cödé', 'new\nline'];
  await store.upsert(keys.map((k) => rowWithVector(emb, k, `title ${k}`)));
  for (const k of keys) {
    const found = await store.entriesByKey(k);
    assert.equal(found.length, 1, `key ${JSON.stringify(k)}`);
    assert.equal(found[0].key, k);
  }
  assert.equal((await store.entriesByKey("' OR '1'='1")).length, 0);
  assert.throws(() => sqlString('a\u0000b'), /NUL/);
  store.close();
});

test('a model change builds a new table and never mixes vectors', async () => {
  const dir = tempDir();
  const small = new HashEmbedder(16, { id: 'test/a' });
  const other = new HashEmbedder(32, { id: 'test/b' });
  const s1 = await openWith(dir, small);
  await s1.upsert([rowWithVector(small, 'k1', 'One'), rowWithVector(small, 'k2', 'Two')]);
  const s2 = await openWith(dir, other);
  assert.notEqual(s1.tableName, s2.tableName);
  assert.equal(await s2.count(), 0, 'new model starts from an empty table');
  await s2.upsert([rowWithVector(other, 'k1', 'One')]);
  const v2 = await s2.vectorOf((await s2.entriesByKey('k1'))[0].uid);
  assert.equal(v2?.length, 32);
  const v1 = await s1.vectorOf((await s1.entriesByKey('k1'))[0].uid);
  assert.equal(v1?.length, 16);
  assert.equal(await s1.count(), 2);
  s1.close();
  s2.close();
  // Same embedder again → the same table, untouched.
  const s1b = await openWith(dir, small);
  assert.equal(s1b.tableName, s1.tableName);
  assert.equal(await s1b.count(), 2);
  s1b.close();
});

test('a table with corrupt data files is dropped and rebuilt, and the caller is told', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const s1 = await openWith(dir, emb);
  await s1.upsert([rowWithVector(emb, 'k1', 'One'), rowWithVector(emb, 'k2', 'Two')]);
  s1.close();
  const dataDir = path.join(dir, `${s1.tableName}.lance`, 'data');
  const files = fs.readdirSync(dataDir);
  assert.ok(files.length > 0);
  for (const f of files) fs.writeFileSync(path.join(dataDir, f), 'garbage, not a lance file');
  const s2 = await openWith(dir, emb);
  assert.ok(s2.rebuilt, 'rebuilt is reported');
  assert.match(s2.rebuilt.reason, /could not be read and was rebuilt/);
  assert.equal(s2.rebuilt.table, s1.tableName);
  assert.equal(await s2.count(), 0);
  await s2.upsert([rowWithVector(emb, 'k3', 'Three')]);
  assert.equal(await s2.count(), 1);
  s2.close();
});

test('a table whose manifest is destroyed is rebuilt', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const s1 = await openWith(dir, emb);
  await s1.upsert([rowWithVector(emb, 'k1', 'One')]);
  s1.close();
  const versions = path.join(dir, `${s1.tableName}.lance`, '_versions');
  for (const f of fs.readdirSync(versions)) fs.writeFileSync(path.join(versions, f), Buffer.from([1, 2, 3]));
  const s2 = await openWith(dir, emb);
  assert.ok(s2.rebuilt);
  assert.equal(await s2.count(), 0);
  s2.close();
});

test('a table with the expected name but another schema is rebuilt', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const name = tableNameFor(WS, { embedderId: emb.id, dim: emb.dim });
  const db = await lancedb.connect(dir);
  const wrong = new arrow.Schema([
    new arrow.Field('key', new arrow.Utf8(), false),
    new arrow.Field('vector', new arrow.FixedSizeList(8, new arrow.Field('item', new arrow.Float32(), true)), true),
  ]);
  const t = await db.createEmptyTable(name, wrong);
  await t.add([{ key: 'x', vector: [1, 0, 0, 0, 0, 0, 0, 0] }]);
  t.close();
  const s = await openWith(dir, emb);
  assert.ok(s.rebuilt);
  assert.match(s.rebuilt.reason, /schema mismatch/);
  await s.upsert([rowWithVector(emb, 'k1', 'One')]);
  assert.equal(await s.count(), 1);
  s.close();
});

test('a lexical-only store (no model) has no vector column and stores rows', async () => {
  const dir = tempDir();
  const s = await openWith(dir, null);
  assert.equal(s.hasVectors, false);
  const schema = await s.table.schema();
  assert.ok(!schema.fields.some((f) => f.name === 'vector'));
  await s.upsert([{ ...recordToRow(rec('k1', 'Lexical only')), vector: null }]);
  assert.equal(await s.count(), 1);
  const st = await s.state();
  assert.equal(st[0].has_vector, false);
  s.close();
});

test('openLatest (no model) opens the workspace table last written, whatever its model', async () => {
  const dir = tempDir();
  const fresh = await IndexStore.openLatest({ dir, workspace: WS });
  assert.equal(fresh.hasVectors, false, 'nothing indexed yet → lexical-only table');
  fresh.close();
  const a = new HashEmbedder(16, { id: 'test/a' });
  const b = new HashEmbedder(24, { id: 'test/b' });
  const sa = await openWith(dir, a);
  await sa.upsert([rowWithVector(a, 'k1', 'One')]);
  await new Promise((r) => setTimeout(r, 20));
  const sb = await openWith(dir, b);
  await sb.upsert([rowWithVector(b, 'k1', 'One'), rowWithVector(b, 'k2', 'Two')]);
  const other = await IndexStore.open({ dir, workspace: '/elsewhere', space: { embedderId: 'test/c', dim: 8 } });
  await new Promise((r) => setTimeout(r, 20));
  await other.upsert([{ ...recordToRow(rec('z', 'Z')), vector: new Float32Array(8).fill(0.5) }]);
  const latest = await IndexStore.openLatest({ dir, workspace: WS });
  assert.equal(latest.tableName, sb.tableName);
  assert.deepEqual(latest.space, { embedderId: 'test/b', dim: 24 });
  assert.equal(await latest.count(), 2);
  for (const s of [sa, sb, other, latest]) s.close();
});

test('concurrent opens of one table are serialised and share one table', async () => {
  const dir = tempDir();
  const emb = new HashEmbedder(16);
  const stores = await Promise.all([openWith(dir, emb), openWith(dir, emb), openWith(dir, emb)]);
  assert.equal(new Set(stores.map((s) => s.tableName)).size, 1);
  await stores[0].upsert([rowWithVector(emb, 'k1', 'One')]);
  for (const s of stores) {
    await s.table.checkoutLatest();
    assert.equal(await s.count(), 1);
    assert.equal(s.rebuilt, undefined);
  }
  stores.forEach((s) => s.close());
});
