import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PaperView, StatusView } from '../../../extension/protocol/webview';
import {
  bandTooltip, bannerFor, bodyState, filesLabel, nextFocus, paperLabel, renderAbstract, renderFileOptions, renderHits, shortAuthors, statusLine,
  syntheticKeyHint, termMatcher, TEST_MODEL_TEXT,
} from '../../../webview/render';
import { buildLayout } from '../../../webview/layout';
import { newWindow, skipWithoutDom } from './dom';

const REPO = path.resolve(__dirname, '..', '..', '..');

const paper = (over: Partial<PaperView> = {}): PaperView => ({
  key: 'smith2020',
  title: 'Dense retrieval for citations',
  authors: ['Smith, Jane', 'Doe, John', 'Roe, Richard'],
  year: 2020,
  venue: 'ACL',
  abstract: 'We study retrieval. Dense models rank citations well. The end.',
  relevance: 0.42,
  band: 'related',
  why: ['meaning', 'words'],
  terms: ['dense', 'citation'],
  evidence: { cosine: 0.7123, bm25: 4.56 },
  file: 'refs.bib',
  cited: false,
  hasLink: true,
  source: 'refs.bib:12',
  highlight: { start: 20, end: 53 },
  ...over,
});

const XSS = [
  '<script>window.__pwned = 1</script>',
  '<img src=x onerror="window.__pwned=1">',
  '"><svg onload=alert(1)>',
  'javascript:alert(1)',
  '</style><style>body{display:none}</style>',
  '<a href="javascript:alert(1)">click</a>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '{{constructor.constructor("alert(1)")()}}',
  '\u202Eevil\u202C <b onmouseover=alert(1)>x</b>',
];

test('shortAuthors: family names, & for two, et al. beyond', () => {
  assert.equal(shortAuthors([]), '');
  assert.equal(shortAuthors(['Smith, Jane']), 'Smith');
  assert.equal(shortAuthors(['Jane Smith', 'Doe, John']), 'Smith & Doe');
  assert.equal(shortAuthors(['Smith, Jane', 'Doe, John', 'Roe, R.']), 'Smith et al.');
  assert.equal(shortAuthors(['{World Health Organization}']), 'Organization}');
});

test('bodyState precedence and the status line say what is going on', () => {
  const base: StatusView = { entries: 1234, files: 3, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false };
  assert.equal(bodyState(undefined, false), 'empty');
  assert.equal(bodyState(base, false), 'empty');
  assert.equal(bodyState(base, true), 'results');
  assert.equal(bodyState({ ...base, lexicalOnly: true, model: { kind: 'error', message: 'x' } }, true), 'lexical');
  assert.equal(bodyState({ ...base, model: { kind: 'missing', message: 'x' }, lexicalOnly: true }, true), 'model-missing');
  assert.equal(bodyState({ ...base, entries: 0, files: 0 }, false), 'no-bibliography');
  assert.equal(bodyState({ ...base, entries: 0, files: 0, scanned: false }, false), 'indexing', 'not searched yet is not "none found"');
  assert.equal(statusLine({ ...base, entries: 0, files: 0, scanned: false }, false), 'Looking for bibliographies… · SPECTER2 int8');
  assert.equal(bodyState({ ...base, entries: 0, files: 0, indexing: { done: 0, total: 5 } }, false), 'indexing');
  assert.equal(bodyState({ ...base, storageError: 'disk full', indexing: { done: 0, total: 5 } }, true), 'error');
  assert.equal(statusLine(base, false), '1,234 papers in 3 files · SPECTER2 int8');
  assert.equal(statusLine({ ...base, lexicalOnly: true, model: { kind: 'missing', message: '' } }, true), '1,234 papers in 3 files · lexical results only (no embedding model) · searching…');
  assert.equal(statusLine({ ...base, indexing: { done: 12, total: 3000 } }, false), 'Indexed 12 of 3,000 · SPECTER2 int8');
  const missing = bannerFor('model-missing', { ...base, model: { kind: 'missing', message: 'Not downloaded yet.' } });
  assert.deepEqual(missing?.buttons.map((b) => [b.label, b.command]), [
    ['Download SPECTER2 (≈440 MB)', 'downloadModel'],
    ['Use a local folder', 'useLocalModelFolder'],
  ]);
  assert.equal(missing!.text, 'Not downloaded yet.');
  assert.match(bannerFor('model-missing', { ...base, model: { kind: 'missing', message: '' } })!.text, /lexical only/);
  assert.equal(bannerFor('results', base), undefined);
  assert.equal(bannerFor('results', { ...base, testModel: true })?.text, TEST_MODEL_TEXT);
  assert.equal(bannerFor('empty', { ...base, testModel: true })?.text, 'test model: rankings are not meaningful');
  assert.match(bannerFor('results', { ...base, testModel: true, model: { kind: 'error', message: 'bad onnx' } })!.text, /failed to load/, 'a model error says more');
});

test('nextFocus: arrows, Home and End move between item heads', () => {
  const items = ['a', 'b', 'c'].map((x) => ({ x }) as unknown as Element);
  assert.equal(nextFocus(items, items[0]!, 'ArrowDown'), items[1]);
  assert.equal(nextFocus(items, items[2]!, 'ArrowDown'), items[2]);
  assert.equal(nextFocus(items, items[1]!, 'ArrowUp'), items[0]);
  assert.equal(nextFocus(items, items[1]!, 'End'), items[2]);
  assert.equal(nextFocus(items, items[2]!, 'Home'), items[0]);
  assert.equal(nextFocus(items, items[0]!, 'a'), undefined);
});

test('renderHits: compact rows — treeitem with label, title, meta line, band with tooltip, codicon actions, context menu', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const doc = win.document;
  buildLayout(doc);
  const list = doc.querySelector<HTMLElement>('#suggestions .papers')!;
  assert.equal(list.getAttribute('role'), 'tree');
  renderHits(list, 'suggestions', [paper(), paper({ key: 'other', cited: true, hasLink: false, highlight: undefined, band: 'weak', year: undefined })], new Set(['other']));
  const items = doc.querySelectorAll('#suggestions .paper[data-key]');
  assert.equal(items.length, 2);
  const first = items[0]!;
  assert.equal(first.getAttribute('role'), 'treeitem');
  assert.equal(first.getAttribute('data-key'), 'smith2020');
  assert.equal(first.getAttribute('data-band'), 'related');
  assert.equal(first.getAttribute('data-file'), 'refs.bib');
  assert.equal(first.getAttribute('aria-label'), 'Dense retrieval for citations, related match, 2020, Smith et al., ACL');
  assert.equal(first.getAttribute('aria-expanded'), 'false');
  assert.equal(first.querySelector('.title')?.textContent, 'Dense retrieval for citations');
  assert.equal(first.querySelector('.meta-text')?.textContent, 'Smith et al. · 2020 · ACL');
  assert.equal(first.querySelector('.band')?.textContent, 'related');
  assert.equal(first.querySelector('.band')?.getAttribute('title'), 'Relevance 42% (related) · cosine 0.712 · BM25 4.6 · found by meaning and words');
  assert.equal(first.querySelector('.paper-body')?.hasAttribute('hidden'), true);
  assert.equal(first.querySelector('mark.best')?.textContent, 'Dense models rank citations well.');
  assert.deepEqual([...first.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action')), ['toggle', 'insert', 'copy', 'open', 'link']);
  for (const b of first.querySelectorAll('.actions button')) {
    assert.match(b.className, /\bcodicon codicon-[a-z-]+\b/, 'a codicon button');
    assert.match(b.getAttribute('aria-label') ?? '', /smith2020/, 'screen readers hear which paper');
    assert.ok((b.getAttribute('title') ?? '').length > 0, 'hover tooltip names the action');
  }
  assert.equal(first.querySelector('[data-action="open"]')?.getAttribute('title'), 'Open entry (refs.bib:12)');
  assert.deepEqual(JSON.parse(first.getAttribute('data-vscode-context')!), {
    webviewSection: 'paper', paperKey: 'smith2020', paperCitable: true, paperHasLink: true, preventDefaultContextMenuItems: true,
  });
  const second = items[1]!;
  assert.ok(second.classList.contains('cited'));
  assert.equal(second.querySelector('.cited-badge')?.textContent, 'cited');
  assert.equal(second.getAttribute('aria-label'), 'Dense retrieval for citations, weak match, Smith et al., ACL, cited');
  assert.equal(second.getAttribute('aria-expanded'), 'true', 'expanded keys stay open');
  assert.equal(second.querySelector('.paper-body')?.hasAttribute('hidden'), false);
  assert.ok(second.querySelector('.twistie')?.classList.contains('codicon-chevron-down'));
  assert.ok(second.querySelector('[data-action="link"]')?.hasAttribute('disabled'));
  assert.equal(JSON.parse(second.getAttribute('data-vscode-context')!).paperHasLink, false);
  assert.equal(second.querySelector('.details')?.textContent, 'other · refs.bib:12 · found by meaning and words');
  assert.equal(doc.querySelectorAll('#similar .paper').length, 0);
  win.close();
});

test('shared query terms are highlighted in the title and abstract (whole words, plurals, stems), as text', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const doc = win.document;
  buildLayout(doc);
  const list = doc.querySelector<HTMLElement>('#suggestions .papers')!;
  renderHits(list, 'suggestions', [paper({ title: 'Dense Citations: densely citing', terms: ['dense', 'citation', 'retriev'] })], new Set(['smith2020']));
  const li = list.querySelector('.paper')!;
  assert.deepEqual([...li.querySelectorAll('.title mark.term')].map((m) => m.textContent), ['Dense', 'Citations', 'densely'], 'a suffix of ≤ 3 letters is the same word');
  assert.equal(li.querySelector('.title')?.textContent, 'Dense Citations: densely citing', 'the text is unchanged');
  assert.deepEqual([...li.querySelectorAll('.abstract-text mark.term')].map((m) => m.textContent), ['retrieval', 'Dense', 'citations']);
  // terms inside the best sentence are marked inside it
  assert.deepEqual([...li.querySelectorAll('mark.best mark.term')].map((m) => m.textContent), ['Dense', 'citations']);
  assert.equal(li.querySelector('mark.best')?.textContent, 'Dense models rank citations well.');
  const m = termMatcher(['retriev', 'bm25', 'ai']);
  assert.deepEqual(['Retrieval', 'retrieved', 'retrievers', 'BM25', 'AI', 'aim', 'retrievability'].map(m), [true, true, true, true, true, false, false]);
  win.close();
});

test('paperLabel and bandTooltip: what a screen reader says and what the band tooltip shows', () => {
  assert.equal(paperLabel(paper({ syntheticKey: true, title: '' })), 'smith2020, related match, 2020, Smith et al., ACL, no citation key');
  assert.equal(bandTooltip({ relevance: 0.126, band: 'weak', why: ['words'], evidence: { bm25: 3 } }), 'Relevance 13% (weak) · BM25 3.0 · found by words');
  assert.equal(bandTooltip({ relevance: 1, band: 'strong', why: [] }), 'Relevance 100% (strong)');
});

test('file filter menu: one checkbox per file, labels as text, selection shown; button label', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const doc = win.document;
  buildLayout(doc);
  const menu = doc.getElementById('files-menu')!;
  const hostile = '<img src=x onerror="window.__pwned=1">.bib';
  renderFileOptions(menu, [{ id: 'refs.bib', entries: 1234 }, { id: hostile, entries: 1 }], new Set([hostile]));
  const boxes = [...menu.querySelectorAll<HTMLInputElement>('input[type="checkbox"][data-file]')];
  assert.deepEqual(boxes.map((b) => [b.getAttribute('data-file'), b.checked]), [['refs.bib', false], [hostile, true]]);
  assert.deepEqual([...menu.querySelectorAll('.file-name')].map((e) => e.textContent), ['refs.bib', hostile]);
  assert.equal(menu.querySelector('.file-count')?.textContent, '1,234');
  assert.equal(menu.querySelectorAll('img').length, 0);
  assert.ok(menu.querySelector('#files-all'));
  renderFileOptions(menu, [], new Set());
  assert.equal(menu.querySelector('.files-none')?.textContent, 'No bibliography indexed yet.');
  assert.equal(filesLabel([]), 'All files');
  assert.equal(filesLabel(['refs.bib']), 'refs.bib');
  assert.equal(filesLabel(['a.bib', 'b.bib']), '2 files');
  win.close();
});

test('XSS payloads in every bibliography field never become live markup', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const doc = win.document;
  buildLayout(doc);
  const list = doc.querySelector<HTMLElement>('#similar .papers')!;
  const hits = XSS.map((x, i) =>
    paper({
      key: `k${i}${x}`, title: x, authors: [x, `${x}, ${x}`], venue: x, abstract: `${x} ${x}`, source: x, file: x,
      terms: ['script', 'img', 'alert', x.slice(0, 50)], highlight: { start: 0, end: x.length },
    }),
  );
  renderHits(list, 'similar', hits, new Set(hits.map((h) => h.key)));
  for (const tag of ['script', 'img', 'svg', 'iframe', 'style', 'a', 'b', 'object', 'embed', 'link']) {
    assert.equal(list.querySelectorAll(tag).length, 0, `no <${tag}> element may appear`);
  }
  for (const e of list.querySelectorAll('*')) {
    for (const a of e.getAttributeNames()) {
      assert.doesNotMatch(a, /^on/i, `event handler attribute ${a} on <${e.tagName}>`);
      assert.ok(!['href', 'src', 'srcdoc', 'action', 'formaction', 'style'].includes(a.toLowerCase()), `attribute ${a} on <${e.tagName}>`);
    }
  }
  // the payloads are there, verbatim, as text (also with shared terms marked inside them)
  const items = list.querySelectorAll('.paper');
  assert.equal(items.length, XSS.length);
  XSS.forEach((x, i) => {
    assert.equal(items[i]!.querySelector('.title')?.textContent, x);
    assert.equal(items[i]!.getAttribute('data-key'), `k${i}${x}`);
    assert.equal(items[i]!.getAttribute('data-file'), x);
    assert.equal(items[i]!.querySelector('mark.best')?.textContent, x);
    assert.equal(JSON.parse(items[i]!.getAttribute('data-vscode-context')!).paperKey, `k${i}${x}`);
  });
  assert.ok(list.querySelectorAll('mark.term').length > 0);
  // and serialised HTML escapes them
  assert.ok(list.innerHTML.includes('&lt;/script&gt;'));
  assert.equal((win as unknown as { __pwned?: number }).__pwned, undefined);
  win.close();
});

test('renderAbstract: out-of-range highlight falls back to plain text; empty abstract says so', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const p = renderAbstract(win.document, 'Short.', { start: 2, end: 99 });
  assert.equal(p.textContent, 'Short.');
  assert.equal(p.querySelectorAll('mark').length, 0);
  assert.equal(renderAbstract(win.document, '').textContent, 'No abstract in the bibliography.');
  win.close();
});

test('webview sources never use HTML-string sinks', () => {
  const dir = path.join(REPO, 'webview');
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const src = fs.readFileSync(path.join(dir, f), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/[^\n]*/g, '');
    assert.doesNotMatch(src, /\.innerHTML\b|\.outerHTML\b|insertAdjacentHTML|document\.write|\beval\(|new Function\(|\.href\s*=|setAttribute\(\s*['"](?:href|src|on\w+)/, f);
  }
});

test('an entry without a citation key (synthetic key) is not offered for Insert; says why', { skip: skipWithoutDom }, () => {
  const win = newWindow();
  const doc = win.document;
  buildLayout(doc);
  const list = doc.querySelector<HTMLElement>('#suggestions .papers')!;
  const hostile = '<img src=x onerror="window.__pwned=1">';
  renderHits(list, 'suggestions', [
    paper({ key: 'arxiv:2311.04172', source: 'reading-list.md:8', syntheticKey: true }),
    paper({ key: `doi:10.5555/x${hostile}`, source: `${hostile}.md:3`, syntheticKey: true, hasLink: false }),
    paper(),
  ], new Set());
  const [synthetic, hostileItem, normal] = [...list.querySelectorAll('.paper')];
  const actions = (li: Element) => [...li.querySelectorAll('[data-action]')].map((b) => b.getAttribute('data-action'));
  assert.deepEqual(actions(synthetic!), ['toggle', 'copy', 'open', 'link'], 'no Insert; Copy key / Open entry / Open link stay');
  assert.equal(JSON.parse(synthetic!.getAttribute('data-vscode-context')!).paperCitable, false, 'nor in the context menu');
  assert.ok(synthetic!.classList.contains('synthetic'));
  const hint = synthetic!.querySelector('.synthetic-hint');
  assert.equal(hint?.textContent, 'From a reading list; no citation key');
  assert.match(hint?.getAttribute('title') ?? '', /generated/);
  assert.match(synthetic!.getAttribute('aria-label') ?? '', /no citation key/);
  // hostile key and source stay text
  assert.deepEqual(actions(hostileItem!), ['toggle', 'copy', 'open', 'link']);
  assert.equal(hostileItem!.querySelectorAll('img').length, 0);
  assert.equal(hostileItem!.getAttribute('data-key'), `doi:10.5555/x${hostile}`);
  // entries with a real key keep Insert and have no hint
  assert.deepEqual(actions(normal!), ['toggle', 'insert', 'copy', 'open', 'link']);
  assert.equal(normal!.querySelector('.synthetic-hint'), null);
  win.close();
});

test('synthetic-key hint: reading lists vs other bibliographies', () => {
  assert.equal(syntheticKeyHint('reading-list.md:8'), 'From a reading list; no citation key');
  assert.equal(syntheticKeyHint('notes.qmd:3'), 'From a reading list; no citation key');
  assert.equal(syntheticKeyHint('refs.bib:12'), 'No citation key in the bibliography');
  assert.equal(syntheticKeyHint('items.json:4'), 'No citation key in the bibliography');
});

test('"Not in your library" rows: Add / Open DOI / Dismiss, no Insert or Open entry, where it comes from instead of a band, hostile text inert', { skip: skipWithoutDom }, () => {
  const { document } = newWindow();
  const list = document.createElement('ul');
  document.body.append(list);
  const hostile = '<img src=x onerror="window.__pwned=1">';
  renderHits(list, 'outside', [paper({ key: 'a'.repeat(40), title: hostile, origin: 'outside', relevance: 0, band: 'weak', file: 'Semantic Scholar', source: 'Semantic Scholar' })], new Set());
  const row = list.querySelector('.paper')!;
  assert.equal(row.getAttribute('data-origin'), 'outside');
  assert.deepEqual([...row.querySelectorAll('.action')].map((b) => b.getAttribute('data-action')), ['add', 'link', 'dismiss']);
  assert.equal(row.querySelector('.band'), null, 'no relevance band: it is not ranked against the library');
  assert.equal(row.querySelector('.origin-badge')?.textContent, 'Semantic Scholar');
  assert.equal(row.querySelector('.title')?.textContent, hostile);
  assert.equal(row.querySelector('img'), null, 'the title is text, not markup');
  assert.equal(JSON.parse(row.getAttribute('data-vscode-context')!).paperCitable, false);
});
