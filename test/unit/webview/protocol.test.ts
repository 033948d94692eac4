import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  LIMITS, parseHostMessage, parsePaperMenuContext, parseWebviewMessage, SECTION_IDS, SECTIONS, type PaperView,
} from '../../../extension/protocol/webview';

const paper: PaperView = {
  key: 'smith2020',
  title: 'A title',
  authors: ['Smith, Jane', 'Doe, John'],
  year: 2020,
  venue: 'ACL',
  abstract: 'One. Two.',
  relevance: 0.8,
  band: 'strong',
  why: ['meaning', 'words'],
  terms: ['retrieval'],
  evidence: { cosine: 0.71, bm25: 7.25 },
  file: 'refs.bib',
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
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, relevance: 2 }], lexicalOnly: false }, /relevance/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, relevance: NaN }], lexicalOnly: false }, /finite/],
    [{ type: 'results', section: 'similar', query: { source: 'cursor', text: '' }, hits: [{ ...paper, score: 0.5 }], lexicalOnly: false }, /unexpected field "score"/],
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

const results = (hit: unknown) => ({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'q' }, hits: [hit], lexicalOnly: false });

test('ranking fields: relevance, band, why, terms, evidence, file, origin are checked with limits', () => {
  const minimal = { ...paper, why: [], terms: [] } as Record<string, unknown>;
  delete minimal.evidence;
  for (const ok of [minimal, { ...paper, origin: 'shared' }, { ...paper, evidence: {} }, { ...paper, band: 'weak', why: ['words'] }]) {
    const r = parseHostMessage(results(ok));
    assert.ok(r.ok, r.ok ? '' : r.error);
    assert.deepEqual(r.value, results(ok));
  }
  const bad: [unknown, RegExp][] = [
    [{ ...paper, band: 'great' }, /hits\[0\]\.band: expected one of strong\|related\|weak/],
    [{ ...paper, why: ['meaning', 'meaning'] }, /why: (duplicate|array longer)/],
    [{ ...paper, why: ['vibes'] }, /why\[0\]/],
    [{ ...paper, terms: ['ok', ''] }, /terms\[1\]: empty string/],
    [{ ...paper, terms: new Array(LIMITS.terms + 1).fill('t') }, /terms: array longer/],
    [{ ...paper, terms: ['x'.repeat(LIMITS.term + 1)] }, /terms\[0\]: string longer/],
    [{ ...paper, evidence: { cosine: 1.5 } }, /evidence\.cosine/],
    [{ ...paper, evidence: { bm25: -1 } }, /evidence\.bm25/],
    [{ ...paper, evidence: { cosine: 0.1, url: 'javascript:' } }, /evidence: unexpected field "url"/],
    [{ ...paper, origin: 'internet' }, /origin/],
    [{ ...paper, file: 7 }, /hits\[0\]\.file: expected a string/],
    [(() => { const p = { ...paper } as Record<string, unknown>; delete p.band; return p; })(), /band/],
  ];
  for (const [hit, re] of bad) {
    const r = parseHostMessage(results(hit));
    assert.equal(r.ok, false, JSON.stringify(hit).slice(0, 200));
    if (!r.ok) assert.match(r.error, re);
  }
});

test('status: testModel is an optional boolean', () => {
  assert.deepEqual(parseHostMessage({ type: 'status', status: { ...status, testModel: true } }), { ok: true, value: { type: 'status', status: { ...status, testModel: true } } });
  const r = parseHostMessage({ type: 'status', status: { ...status, testModel: 'yes' } });
  assert.equal(r.ok, false);
  if (!r.ok) assert.match(r.error, /status\.status\.testModel: expected a boolean/);
});

test('filters (host → panel) and filter (panel → host): file labels, distinct, bounded; uncitedOnly a boolean', () => {
  const filters = { type: 'filters', files: [{ id: 'refs.bib', entries: 54 }, { id: 'lab/refs.bib', entries: 3 }], filter: { files: ['refs.bib'], uncitedOnly: true } };
  assert.deepEqual(parseHostMessage(filters), { ok: true, value: filters });
  const filter = { type: 'filter', id: 3, files: ['refs.bib', 'lab/refs.bib'], uncitedOnly: false };
  assert.deepEqual(parseWebviewMessage(filter), { ok: true, value: filter });
  const badHost: [unknown, RegExp][] = [
    [{ ...filters, files: [{ id: 'a', entries: 1 }, { id: 'a', entries: 2 }] }, /filters\.files: duplicate file/],
    [{ ...filters, files: [{ id: '', entries: 1 }] }, /empty string/],
    [{ ...filters, files: [{ id: 'a', entries: -1 }] }, /entries/],
    [{ ...filters, files: [{ id: 'a', entries: 1, path: '/home/x/a.bib' }] }, /unexpected field "path"/],
    [{ ...filters, filter: { files: ['a'], uncitedOnly: 1 } }, /uncitedOnly: expected a boolean/],
    [{ ...filters, files: new Array(LIMITS.files + 1).fill(0).map((_, i) => ({ id: `f${i}`, entries: 1 })) }, /array longer/],
  ];
  for (const [m, re] of badHost) {
    const r = parseHostMessage(m);
    assert.equal(r.ok, false, JSON.stringify(m).slice(0, 200));
    if (!r.ok) assert.match(r.error, re);
  }
  for (const m of [
    { ...filter, files: ['a', 'a'] },
    { ...filter, files: 'refs.bib' },
    { ...filter, files: [42] },
    { ...filter, uncitedOnly: 'true' },
    { type: 'filter', files: [], uncitedOnly: false },
    { ...filter, paths: ['/etc/passwd'] },
  ]) assert.equal(parseWebviewMessage(m).ok, false, JSON.stringify(m));
});

test('sections are data-driven: every listed section validates, others do not', () => {
  assert.deepEqual(SECTION_IDS, SECTIONS.map((s) => s.id));
  assert.deepEqual(SECTION_IDS.slice(0, 2), ['suggestions', 'similar']);
  for (const section of SECTION_IDS) {
    assert.ok(parseHostMessage({ type: 'busy', section, busy: true }).ok, section);
    assert.ok(parseHostMessage({ type: 'clear', section }).ok, section);
  }
  assert.equal(parseHostMessage({ type: 'clear', section: 'elsewhere' }).ok, false);
});

test('the paper context menu argument: the key is validated like a message key; VS Code’s own fields are ignored', () => {
  const ctx = { webview: 'relatedPapers.panel', webviewSection: 'paper', paperKey: 'smith2020', paperCitable: true, paperHasLink: false, preventDefaultContextMenuItems: true };
  assert.deepEqual(parsePaperMenuContext(ctx), { ok: true, value: 'smith2020' });
  for (const bad of [undefined, 'smith2020', { ...ctx, webviewSection: 'other' }, { ...ctx, paperKey: '' }, { ...ctx, paperKey: 'a\nb' }, { ...ctx, paperKey: 'x'.repeat(LIMITS.key + 1) }]) {
    assert.equal(parsePaperMenuContext(bad).ok, false, JSON.stringify(bad)?.slice(0, 80));
  }
});

test('"Not in your library" requests: add and dismiss carry only a key; the section and origin validate', () => {
  for (const type of ['add', 'dismiss'] as const) {
    const ok = parseWebviewMessage({ type, id: 3, key: 'f'.repeat(40) });
    assert.equal(ok.ok, true);
    assert.equal(parseWebviewMessage({ type, id: 3, key: 'x', url: 'https://evil.example' }).ok, false, 'no URL or path rides along');
    assert.equal(parseWebviewMessage({ type, id: 3, key: 'a\u0007b' }).ok, false);
  }
  assert.ok(SECTION_IDS.includes('outside'));
});
