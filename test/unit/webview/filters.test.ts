/**
 * The panel's filters through the real path: examples/library.bib and examples/reading-list.md parsed and
 * indexed into a real (lexical) LanceDB table, queried by the real search() behind the controller, the filter
 * remembered in a Memento-shaped store and applied again by a new controller (a reloaded window).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { IndexStore, DISPLAY_COLUMNS, toEntry } from '../../../extension/core/index/store';
import { indexFiles } from '../../../extension/core/index/indexer';
import { search, similarTo } from '../../../extension/core/index/search';
import { entryToPaper, hitToPaper } from '../../../extension/core/index/paper';
import { oneEntryPerKey as entriesByKey } from '../../../extension/core/index/paper';
import { FILTER_MEMORY_KEY, ResultsController, type FilterMemory } from '../../../extension/host/resultsController';
import type { IndexStatus, QueryOptions, Services } from '../../../extension/host/serviceApi';
import { parseHostMessage, type HostMessage } from '../../../extension/protocol/webview';
import { tempDir } from '../index/fixtures';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** The extension's services, reduced to the real store + search (what services.ts does, minus VS Code). */
async function lexicalServices(): Promise<{ services: Services; files: string[]; close(): void }> {
  const dir = tempDir('rp-filters-');
  const files = ['library.bib', 'reading-list.md'].map((f) => {
    const to = path.join(dir, f);
    fs.copyFileSync(path.join(EXAMPLES, f), to);
    return to;
  });
  const store = await IndexStore.open({ dir: path.join(dir, 'db'), workspace: 'filters', space: null });
  await indexFiles(files, { store, embedder: null });
  const rows = await store.table.query().select([...DISPLAY_COLUMNS]).toArray();
  const entries = entriesByKey(rows.map(toEntry));
  const services: Services = {
    status: (): IndexStatus => ({ entries: entries.size, files: files.length, model: { kind: 'missing', message: '' }, lexicalOnly: true }),
    onDidChangeStatus: () => ({ dispose() {} }),
    suggest: async (text: string, o: QueryOptions) =>
      (await search(store, { text, k: o.k, excludeKeys: o.excludeKeys, minScore: o.minScore, files: o.files })).map(hitToPaper),
    similar: async (key: string, o: QueryOptions) =>
      (await similarTo(store, key, o.k, { excludeKeys: o.excludeKeys, minScore: o.minScore, files: o.files })).map(hitToPaper),
    indexedFiles: () => {
      const counts = new Map<string, number>();
      for (const e of entries.values()) counts.set(e.file, (counts.get(e.file) ?? 0) + 1);
      return [...counts].sort((a, b) => a[0].localeCompare(b[0])).map(([file, n]) => ({ file, entries: n }));
    },
    lookup: (k: string) => {
      const e = entries.get(k);
      return e ? entryToPaper(e, 0) : undefined;
    },
    reindex: async () => {},
    downloadModel: async () => {},
    dispose() {},
  };
  return { services, files, close: () => store.close() };
}

class Memory implements FilterMemory {
  readonly values = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.values.get(key) as T | undefined;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.values.set(key, JSON.parse(JSON.stringify(value)));
  }
}

const last = <T extends HostMessage['type']>(sent: HostMessage[], type: T, section?: string) =>
  sent.filter((m): m is Extract<HostMessage, { type: T }> => m.type === type && (section === undefined || (m as { section?: string }).section === section)).at(-1);

const QUERY = 'citation recommendation from the paragraph context with dense retrieval';

test('filters on a real index: file list, one file only, not-yet-cited only; remembered per workspace', async () => {
  const { services, files, close } = await lexicalServices();
  try {
    const memory = new Memory();
    const sent: HostMessage[] = [];
    const controller = () =>
      new ResultsController(() => services, { send: (m) => sent.push(m) }, () => ({ maxResults: 50, minScore: 0 }), { warn: () => {}, error: () => {} }, memory);
    const c = controller();
    const ctx = { text: QUERY, paragraphKeys: [] as string[], citedKeys: [] as string[] };
    await c.followContext(ctx);

    // the indexed files reach the panel as labels with counts; the message validates
    const filters = last(sent, 'filters')!;
    assert.ok(parseHostMessage(filters).ok);
    assert.deepEqual(filters.files.map((f) => f.id), ['library.bib', 'reading-list.md']);
    assert.ok(filters.files.every((f) => f.entries > 0));
    assert.deepEqual(filters.filter, { files: [], uncitedOnly: false });
    const all = last(sent, 'results', 'suggestions')!;
    assert.ok(new Set(all.hits.map((h) => h.file)).size === 2, `unfiltered results come from both files: ${all.hits.map((h) => h.file).join(', ')}`);

    // only the reading list: every hit from it, and the rerun happened by itself
    await c.setFilter(['reading-list.md', 'no-such-file.bib'], false);
    assert.deepEqual(memory.get(FILTER_MEMORY_KEY), { files: [files[1]], uncitedOnly: false }, 'remembered as the path; unknown labels dropped');
    assert.deepEqual(last(sent, 'filters')!.filter, { files: ['reading-list.md'], uncitedOnly: false });
    const reading = last(sent, 'results', 'suggestions')!;
    assert.ok(reading.hits.length > 0, 'the reading list has matches');
    assert.ok(reading.hits.every((h) => h.file === 'reading-list.md'), reading.hits.map((h) => h.file).join(', '));
    assert.ok(reading.hits.length < all.hits.length);

    // not yet cited: the document's keys disappear (from both sections)
    await c.setFilter([], true);
    const cited = all.hits.slice(0, 3).map((h) => h.key);
    await c.followContext({ ...ctx, citedKeys: cited });
    const uncited = last(sent, 'results', 'suggestions')!;
    assert.ok(uncited.hits.length > 0);
    for (const k of cited) assert.ok(!uncited.hits.some((h) => h.key === k), `${k} is cited, so hidden`);
    assert.ok(uncited.hits.every((h) => !h.cited));
    const similar = last(sent, 'results', 'similar')!;
    for (const k of cited) assert.ok(!similar.hits.some((h) => h.key === k), `${k} hidden from similar papers too`);
    // without the filter the cited keys are back, marked "cited"
    await c.setFilter([], false);
    const marked = last(sent, 'results', 'suggestions')!;
    assert.deepEqual(marked.hits.filter((h) => h.cited).map((h) => h.key).sort(), [...cited].sort());

    // a reloaded window: a new controller reads the remembered filter and applies it to its first query
    await c.setFilter(['library.bib'], true);
    sent.length = 0;
    const again = controller();
    assert.deepEqual(again.currentFilter, { files: [files[0]], uncitedOnly: true });
    await again.followContext({ ...ctx, citedKeys: cited });
    assert.deepEqual(last(sent, 'filters')!.filter, { files: ['library.bib'], uncitedOnly: true });
    const restored = last(sent, 'results', 'suggestions')!;
    assert.ok(restored.hits.length > 0 && restored.hits.every((h) => h.file === 'library.bib' && !cited.includes(h.key)));
  } finally {
    close();
  }
});
