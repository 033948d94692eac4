/**
 * Entries whose key was generated (Markdown reading-list items, key-less BibTeX/CSL entries) have no key in
 * any bibliography: citing them would leave an unresolved citation. The flag travels index row → PaperHit →
 * PaperView (wire) and the host refuses to insert them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBibliography } from '../../../extension/core/bib';
import { recordToRow } from '../../../extension/core/index/schema';
import { toEntry, type StoredEntry } from '../../../extension/core/index/store';
import { notCitableReason } from '../../../extension/host/paperHit';
import { oneEntryPerKey as entriesByKey } from '../../../extension/core/index/paper';
import { entryToPaper as entryToPaperHit } from '../../../extension/core/index/paper';
import { toPaperView } from '../../../extension/host/paperView';
import { ResultsController } from '../../../extension/host/resultsController';
import type { IndexStatus, PaperHit, QueryOptions, Services } from '../../../extension/host/serviceApi';
import { parseHostMessage, type HostMessage } from '../../../extension/protocol/webview';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** Parse an example bibliography and turn its records into stored entries (what the index hands back). */
function storedEntries(name: string): StoredEntry[] {
  const file = path.join(EXAMPLES, name);
  const parsed = parseBibliography(file, fs.readFileSync(file));
  assert.ok(parsed.records.length > 0, `${name} has records`);
  return parsed.records.map((r) => toEntry(recordToRow(r)));
}

test('entryToPaper: reading-list items are marked synthetic, library.bib entries are not', () => {
  const reading = storedEntries('reading-list.md').map((e) => entryToPaperHit(e, 0.5));
  const item = reading.find((h) => h.key === 'arxiv:2311.04172');
  assert.ok(item, 'the reading list item with arXiv id 2311.04172');
  assert.equal(item.syntheticKey, true);
  assert.equal(item.title, 'Paragraph-Level Queries for Local Citation Recommendation');
  assert.ok(reading.every((h) => h.syntheticKey === true));
  const library = storedEntries('library.bib').map((e) => entryToPaperHit(e, 0.5, 0.7));
  const vaswani = library.find((h) => h.key === 'vaswani2017attention');
  assert.ok(vaswani);
  assert.equal(vaswani.syntheticKey, undefined);
  assert.equal(vaswani.cosine, 0.7);
  assert.ok(library.every((h) => h.syntheticKey === undefined));
});

test('oneEntryPerKey: a real key wins over a generated one of the same spelling; otherwise the first is kept', () => {
  const [synthetic] = storedEntries('reading-list.md');
  const real: StoredEntry = { ...synthetic!, synthetic_key: false, file: '/w/refs.bib', line: 3 };
  assert.equal(entriesByKey([synthetic!, real]).get(synthetic!.key)?.file, '/w/refs.bib');
  assert.equal(entriesByKey([real, synthetic!]).get(synthetic!.key)?.file, '/w/refs.bib');
  const other: StoredEntry = { ...synthetic!, file: '/w/other.md' };
  assert.equal(entriesByKey([synthetic!, other]).get(synthetic!.key)?.file, synthetic!.file);
});

test('notCitableReason: refuses generated keys with a message naming the key and its source', () => {
  const [synthetic] = storedEntries('reading-list.md').map((e) => entryToPaperHit(e, 0));
  const reason = notCitableReason(synthetic!.key, synthetic);
  assert.ok(reason);
  assert.match(reason, /"arxiv:2311\.04172"/);
  assert.match(reason, /reading-list\.md:8/);
  assert.match(reason, /no citation key/i);
  const [bib] = storedEntries('library.bib').map((e) => entryToPaperHit(e, 0));
  assert.equal(notCitableReason(bib!.key, bib), undefined);
  assert.equal(notCitableReason('typed-by-hand', undefined), undefined, 'an unknown key is the user’s call');
});

test('toPaperView carries the flag only when set, and the result validates on the wire', () => {
  const [synthetic] = storedEntries('reading-list.md').map((e) => entryToPaperHit(e, 0.4));
  const v = toPaperView(synthetic!, '', new Set());
  assert.equal(v.syntheticKey, true);
  assert.equal(v.source, 'reading-list.md:8');
  const [bib] = storedEntries('library.bib').map((e) => entryToPaperHit(e, 0.4));
  assert.equal('syntheticKey' in toPaperView(bib!, '', new Set()), false);
  const msg = { type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'q' }, hits: [v], lexicalOnly: false };
  const parsed = parseHostMessage(msg);
  assert.ok(parsed.ok && parsed.value.type === 'results' && parsed.value.hits[0]!.syntheticKey === true);
});

test('controller: suggestions from a reading list reach the panel marked synthetic', async () => {
  const hits = [...storedEntries('reading-list.md').slice(0, 2), ...storedEntries('library.bib').slice(0, 2)].map((e) => entryToPaperHit(e, 0.5));
  const services: Services = {
    status: (): IndexStatus => ({ entries: hits.length, files: 2, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false }),
    onDidChangeStatus: () => ({ dispose() {} }),
    suggest: async (_t: string, _o: QueryOptions) => hits,
    similar: async (_k: string, _o: QueryOptions) => [] as PaperHit[],
    lookup: (k: string) => hits.find((h) => h.key === k),
    reindex: async () => {},
    downloadModel: async () => {},
    dispose() {},
  };
  const sent: HostMessage[] = [];
  const c = new ResultsController(() => services, { send: (m) => sent.push(m) }, () => ({ maxResults: 10, minScore: 0 }), {
    warn: () => {},
    error: () => {},
  });
  await c.followContext({ text: 'local citation recommendation', paragraphKeys: [], citedKeys: [] });
  const r = sent.find((m): m is Extract<HostMessage, { type: 'results' }> => m.type === 'results' && m.section === 'suggestions');
  assert.ok(r);
  assert.ok(parseHostMessage(r).ok);
  assert.deepEqual(r.hits.map((h) => h.syntheticKey === true), [true, true, false, false]);
});
