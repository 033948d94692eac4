import { test } from 'node:test';
import assert from 'node:assert/strict';
import { LIMITS, parseHostMessage, parseWebviewMessage, type PaperView } from '../../../extension/protocol/webview';

const paper: PaperView = {
  key: 'smith2020',
  title: 'A title',
  authors: ['Smith, Jane', 'Doe, John'],
  year: 2020,
  venue: 'ACL',
  abstract: 'One. Two.',
  score: 0.8,
  cosine: 0.71,
  cited: false,
  hasLink: true,
  source: 'refs.bib:12',
  highlight: { start: 5, end: 9 },
};
const status = { entries: 3, files: 1, model: { kind: 'missing', message: 'not downloaded' }, lexicalOnly: true };

test('host messages: well-formed ones are accepted unchanged', () => {
  const msgs = [
    { type: 'status', status },
    { type: 'status', status: { ...status, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false, indexing: { done: 1, total: 9 } } },
    { type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'q' }, hits: [paper], lexicalOnly: false },
    { type: 'results', section: 'similar', query: { source: 'entry', text: 'k', key: 'k' }, hits: [], lexicalOnly: true, replyTo: 3 },
    { type: 'busy', section: 'similar', busy: true },
    { type: 'clear', section: 'suggestions' },
    { type: 'setQuery', text: 'x' },
    { type: 'reply', id: 1, ok: false, error: 'no editor' },
    { type: 'error', message: 'boom' },
  ];
  for (const m of msgs) {
    const r = parseHostMessage(m);
    assert.ok(r.ok, `${JSON.stringify(m)}: ${r.ok ? '' : r.error}`);
    assert.deepEqual(r.value, m);
  }
});

test('host messages: malformed and hostile ones are rejected with a path', () => {
  const bad: [unknown, RegExp][] = [
    [null, /expected an object/],
    ['{"type":"status"}', /expected an object/],
    [{ type: 'evil' }, /message\.type/],
    [{ type: 'status', status: { ...status, entries: -1 } }, /status\.status\.entries/],
    [{ type: 'status', status: { ...status, entries: 1.5 } }, /integer/],
    [{ type: 'status', status: { ...status, model: { kind: 'ready', modelId: 'm', precision: 'fp16' } } }, /precision/],
    [{ type: 'results', section: 'other', query: { source: 'cursor', text: '' }, hits: [], lexicalOnly: false }, /section/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, score: 2 }], lexicalOnly: false }, /score/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, score: NaN }], lexicalOnly: false }, /finite/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, highlight: { start: 5, end: 99 } }], lexicalOnly: false }, /highlight\.end/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, onclick: 'x' }], lexicalOnly: false }, /unexpected field "onclick"/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, authors: 'Smith' }], lexicalOnly: false }, /authors: expected an array/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: new Array(LIMITS.hits + 1).fill(paper), lexicalOnly: false }, /longer than/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, key: 'a\u0000b' }], lexicalOnly: false }, /control character/],
    [{ type: 'reply', id: '1', ok: true }, /reply\.id/],
    [{ type: 'setQuery', text: 'x'.repeat(LIMITS.query + 1) }, /longer than/],
  ];
  for (const [m, re] of bad) {
    const r = parseHostMessage(m);
    assert.equal(r.ok, false, JSON.stringify(m)?.slice(0, 200));
    if (!r.ok) assert.match(r.error, re);
  }
});

test('webview messages: requests carry an id and a key, never a URL or command id', () => {
  const good = [
    { type: 'ready', version: 1 },
    { type: 'search', id: 1, text: 'dense retrieval' },
    { type: 'insert', id: 2, key: 'smith2020' },
    { type: 'copy', id: 3, key: 'smith2020' },
    { type: 'open', id: 4, key: 'smith2020' },
    { type: 'link', id: 5, key: 'smith2020' },
    { type: 'command', id: 6, command: 'downloadModel' },
    { type: 'log', level: 'warn', message: 'x' },
  ];
  for (const m of good) assert.deepEqual(parseWebviewMessage(m), { ok: true, value: m });
  const bad: unknown[] = [
    { type: 'link', id: 5, key: 'k', url: 'javascript:alert(1)' },
    { type: 'link', id: 5, url: 'https://example.org' },
    { type: 'command', id: 6, command: 'workbench.action.terminal.new' },
    { type: 'command', id: 6, command: 'downloadModel', args: ['x'] },
    { type: 'insert', id: -1, key: 'k' },
    { type: 'insert', id: 1, key: '' },
    { type: 'insert', id: 1, key: 'a\nb' },
    { type: 'open', id: 1, key: 'x'.repeat(LIMITS.key + 1) },
    { type: 'search', id: 1 },
    { type: 'ready' },
    { type: '__proto__' },
    Object.create({ type: 'ready', version: 1 }),
    [],
  ];
  for (const m of bad) assert.equal(parseWebviewMessage(m).ok, false, JSON.stringify(m));
});

test('a paper with a synthetic key (no citation key in its source) round-trips; the flag must be a boolean', () => {
  const synthetic = { ...paper, key: 'arxiv:2311.04172', source: 'reading-list.md:8', syntheticKey: true };
  const m = { type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'q' }, hits: [synthetic], lexicalOnly: false };
  const r = parseHostMessage(m);
  assert.ok(r.ok, r.ok ? '' : r.error);
  assert.deepEqual(r.value, m);
  const bad = parseHostMessage({ ...m, hits: [{ ...synthetic, syntheticKey: 'yes' }] });
  assert.equal(bad.ok, false);
  if (!bad.ok) assert.match(bad.error, /hits\[0\]\.syntheticKey: expected a boolean/);
});
