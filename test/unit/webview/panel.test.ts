import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { HostMessage, PaperView } from '../../../extension/protocol/webview';
import { buildLayout } from '../../../webview/layout';
import { Panel, type VsCodeApi } from '../../../webview/panel';
import { newWindow, skipWithoutDom, type DomWindow } from './dom';

class FakeApi implements VsCodeApi {
  posted: Record<string, unknown>[] = [];
  state: unknown;
  constructor(state?: unknown) {
    this.state = state;
  }
  postMessage(m: unknown) {
    this.posted.push(m as Record<string, unknown>);
  }
  getState() {
    return this.state;
  }
  setState(s: unknown) {
    this.state = JSON.parse(JSON.stringify(s)); // VS Code stores a JSON copy
  }
}

const hit = (key: string, over: Partial<PaperView> = {}): PaperView => ({
  key,
  title: `Title ${key}`,
  authors: ['Smith, J.'],
  abstract: 'Abstract text.',
  relevance: 0.5,
  band: 'related',
  why: ['words'],
  terms: [],
  file: 'refs.bib',
  cited: false,
  hasLink: true,
  source: 'refs.bib:1',
  ...over,
});

function setup(state?: unknown): { win: DomWindow; api: FakeApi; panel: Panel } {
  const win = newWindow();
  buildLayout(win.document);
  const api = new FakeApi(state);
  const panel = new Panel(win.document, api);
  panel.start(win as unknown as Window);
  return { win, api, panel };
}

const results = (section: 'suggestions' | 'similar', keys: string[]): HostMessage => ({
  type: 'results',
  section,
  query: { source: 'cursor', text: 'dense retrieval' },
  hits: keys.map((k) => hit(k)),
  lexicalOnly: false,
});

test('handshake: ready is posted after listeners exist; messages arrive through window "message"', { skip: skipWithoutDom }, () => {
  const { win, api } = setup();
  assert.deepEqual(api.posted, [{ type: 'ready', version: 1 }]);
  win.dispatchEvent(new win.MessageEvent('message', { data: results('suggestions', ['a', 'b']) }));
  const doc = win.document;
  assert.deepEqual([...doc.querySelectorAll('#suggestions .paper')].map((e) => e.getAttribute('data-key')), ['a', 'b']);
  assert.equal(doc.body.getAttribute('data-state'), 'results');
  assert.equal(doc.querySelector('#suggestions .query')?.textContent, 'For: “dense retrieval”');
  win.close();
});

test('malformed host messages are rejected, reported to the host, and change nothing', { skip: skipWithoutDom }, () => {
  const { win, api, panel } = setup();
  panel.receive({ type: 'results', section: 'suggestions', hits: [{ key: '<img onerror=x>' }] });
  panel.receive('not an object');
  assert.equal(win.document.querySelectorAll('.paper').length, 0);
  const logs = api.posted.filter((m) => m.type === 'log');
  assert.equal(logs.length, 2);
  assert.match(String(logs[0]!.message), /rejected a host message: results\.query/);
  win.close();
});

test('states: status drives body[data-state], #status and the banner buttons', { skip: skipWithoutDom }, () => {
  const { win, api, panel } = setup();
  const doc = win.document;
  panel.receive({ type: 'status', status: { entries: 0, files: 0, model: { kind: 'loading' }, lexicalOnly: false } });
  assert.equal(doc.body.getAttribute('data-state'), 'no-bibliography');
  panel.receive({ type: 'status', status: { entries: 10, files: 1, model: { kind: 'loading' }, lexicalOnly: false, indexing: { done: 3, total: 10 } } });
  assert.equal(doc.body.getAttribute('data-state'), 'indexing');
  assert.equal(doc.getElementById('status')?.textContent, 'Indexed 3 of 10 · loading model…');
  assert.ok(doc.querySelector('#banner vscode-progress-ring'));
  panel.receive({ type: 'status', status: { entries: 10, files: 1, model: { kind: 'missing', message: 'Not downloaded.' }, lexicalOnly: true } });
  assert.equal(doc.body.getAttribute('data-state'), 'model-missing');
  assert.match(doc.getElementById('status')?.textContent ?? '', /lexical results only/);
  (doc.querySelector('#banner [data-command="downloadModel"]') as HTMLElement).click();
  assert.deepEqual(api.posted.at(-1), { type: 'command', id: 1, command: 'downloadModel' });
  panel.receive({ type: 'status', status: { entries: 10, files: 1, model: { kind: 'error', message: 'bad onnx' }, lexicalOnly: true } });
  panel.receive(results('suggestions', ['a']));
  assert.equal(doc.body.getAttribute('data-state'), 'lexical');
  panel.receive({ type: 'status', status: { entries: 10, files: 1, model: { kind: 'loading' }, lexicalOnly: false, storageError: 'EACCES' } });
  assert.equal(doc.body.getAttribute('data-state'), 'error');
  assert.match(doc.getElementById('banner')?.textContent ?? '', /EACCES/);
  win.close();
});

test('item actions post typed requests with the key; toggling expands and is remembered', { skip: skipWithoutDom }, () => {
  const { win, api, panel } = setup();
  const doc = win.document;
  panel.receive(results('similar', ['k1', 'k2']));
  const item = doc.querySelector('#similar .paper[data-key="k2"]')!;
  for (const action of ['insert', 'copy', 'open', 'link']) (item.querySelector(`[data-action="${action}"]`) as HTMLElement).click();
  assert.deepEqual(
    api.posted.filter((m) => m.type !== 'ready').map((m) => [m.type, m.key]),
    [['insert', 'k2'], ['copy', 'k2'], ['open', 'k2'], ['link', 'k2']],
  );
  const head = item.querySelector('.paper-head') as HTMLElement;
  head.click();
  assert.equal(item.getAttribute('aria-expanded'), 'true');
  assert.equal(item.querySelector('.paper-body')?.hasAttribute('hidden'), false);
  assert.deepEqual((api.state as { expanded: { similar: string[] } }).expanded.similar, ['k2']);
  // a failed request shows its error
  const insertId = api.posted.find((m) => m.type === 'insert')!.id as number;
  panel.receive({ type: 'reply', id: insertId, ok: false, error: 'No document to insert into' });
  assert.equal(doc.getElementById('notice')?.textContent, 'Insert citation failed: No document to insert into');
  win.close();
});

test('busy: a section is marked busy while its query runs and cleared by its results', { skip: skipWithoutDom }, () => {
  const { win, panel } = setup();
  const doc = win.document;
  panel.receive({ type: 'status', status: { entries: 5, files: 1, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false } });
  panel.receive({ type: 'busy', section: 'suggestions', busy: true });
  assert.equal(doc.getElementById('suggestions')?.getAttribute('aria-busy'), 'true');
  assert.match(doc.getElementById('status')?.textContent ?? '', /searching…/);
  panel.receive(results('suggestions', ['a']));
  assert.equal(doc.getElementById('suggestions')?.getAttribute('aria-busy'), 'false');
  assert.doesNotMatch(doc.getElementById('status')?.textContent ?? '', /searching/);
  win.close();
});

test('keyboard: arrows/Home/End move between rows across sections; Enter/Space/Right/Left expand and collapse; Right enters the actions', { skip: skipWithoutDom }, () => {
  const { win, api, panel } = setup();
  const doc = win.document;
  panel.receive(results('suggestions', ['a', 'b']));
  panel.receive(results('similar', ['c']));
  const rows = [...doc.querySelectorAll<HTMLElement>('.paper')];
  const key = (el: Element, k: string) => el.dispatchEvent(new win.KeyboardEvent('keydown', { key: k, bubbles: true, cancelable: true }));
  // one tab stop: the first row, with its actions
  assert.deepEqual(rows.map((r) => r.tabIndex), [0, -1, -1]);
  assert.deepEqual([...rows[0]!.querySelectorAll<HTMLElement>('.action')].map((b) => b.tabIndex), [0, 0, 0, 0]);
  assert.deepEqual([...rows[1]!.querySelectorAll<HTMLElement>('.action')].map((b) => b.tabIndex), [-1, -1, -1, -1]);
  rows[0]!.focus();
  key(rows[0]!, 'ArrowDown');
  assert.equal(doc.activeElement, rows[1]);
  assert.deepEqual(rows.map((r) => r.tabIndex), [-1, 0, -1], 'the tab stop follows focus');
  key(rows[1]!, 'ArrowDown');
  assert.equal(doc.activeElement, rows[2], 'into the next section');
  key(rows[2]!, 'Home');
  assert.equal(doc.activeElement, rows[0]);
  key(rows[0]!, 'End');
  assert.equal(doc.activeElement, rows[2]);
  // Enter expands (the abstract shows), Space collapses
  key(rows[2]!, 'Enter');
  assert.equal(rows[2]!.getAttribute('aria-expanded'), 'true');
  assert.equal(rows[2]!.querySelector('.paper-body')?.hasAttribute('hidden'), false);
  key(rows[2]!, ' ');
  assert.equal(rows[2]!.getAttribute('aria-expanded'), 'false');
  // Right expands, Right again enters the actions, Right/Left move among them, Escape goes back to the row
  key(rows[2]!, 'ArrowRight');
  assert.equal(rows[2]!.getAttribute('aria-expanded'), 'true');
  key(rows[2]!, 'ArrowRight');
  assert.equal(doc.activeElement?.getAttribute('data-action'), 'insert');
  key(doc.activeElement!, 'ArrowRight');
  assert.equal(doc.activeElement?.getAttribute('data-action'), 'copy');
  // Enter on a focused action is the button's own click (not a toggle of the row)
  (doc.activeElement as HTMLElement).click();
  assert.deepEqual(api.posted.at(-1), { type: 'copy', id: 1, key: 'c' });
  assert.equal(rows[2]!.getAttribute('aria-expanded'), 'true');
  key(doc.activeElement!, 'Escape');
  assert.equal(doc.activeElement, rows[2]);
  key(rows[2]!, 'ArrowLeft');
  assert.equal(rows[2]!.getAttribute('aria-expanded'), 'false');
  assert.deepEqual((api.state as { expanded: { similar: string[] } }).expanded.similar, []);
  win.close();
});

test('hover/focus actions: every row carries its four codicon actions and its context-menu context', { skip: skipWithoutDom }, () => {
  const { win, panel } = setup();
  const doc = win.document;
  panel.receive({ ...results('suggestions', ['a']), hits: [hit('a'), hit('syn', { syntheticKey: true, hasLink: false })] } as HostMessage);
  const [a, syn] = [...doc.querySelectorAll<HTMLElement>('.paper')];
  assert.deepEqual([...a!.querySelectorAll('.actions .action')].map((b) => b.getAttribute('data-action')), ['insert', 'copy', 'open', 'link']);
  assert.deepEqual([...syn!.querySelectorAll('.actions .action')].map((b) => b.getAttribute('data-action')), ['copy', 'open', 'link']);
  assert.ok(syn!.querySelector('[data-action="link"]')!.hasAttribute('disabled'));
  assert.deepEqual(JSON.parse(syn!.getAttribute('data-vscode-context')!), {
    webviewSection: 'paper', paperKey: 'syn', paperCitable: false, paperHasLink: false, preventDefaultContextMenuItems: true,
  });
  // clicking a disabled action posts nothing
  const before = (panel as unknown as { nextId: number }).nextId;
  (syn!.querySelector('[data-action="link"]') as HTMLElement).click();
  assert.equal((panel as unknown as { nextId: number }).nextId, before);
  win.close();
});

test('filters: host file list → menu; checking files and "Not cited yet" posts filter requests; remembered in state', { skip: skipWithoutDom }, () => {
  const first = setup();
  const doc = first.win.document;
  first.panel.receive({ type: 'filters', files: [{ id: 'library.bib', entries: 54 }, { id: 'reading-list.md', entries: 6 }], filter: { files: [], uncitedOnly: false } });
  const button = doc.getElementById('files-button')!;
  assert.equal(button.textContent, 'All files');
  const menu = doc.getElementById('files-menu')!;
  assert.equal(menu.hidden, true);
  button.click();
  assert.equal(menu.hidden, false);
  assert.equal(button.getAttribute('aria-expanded'), 'true');
  const box = (id: string) => menu.querySelector<HTMLInputElement>(`input[data-file="${id}"]`)!;
  const change = (el: HTMLInputElement, checked: boolean) => {
    el.checked = checked;
    el.dispatchEvent(new first.win.Event('change', { bubbles: true }) as Event);
  };
  change(box('reading-list.md'), true);
  assert.deepEqual(first.api.posted.at(-1), { type: 'filter', id: 1, files: ['reading-list.md'], uncitedOnly: false });
  change(box('library.bib'), true);
  assert.deepEqual(first.api.posted.at(-1), { type: 'filter', id: 2, files: ['library.bib', 'reading-list.md'], uncitedOnly: false }, 'in the menu’s order');
  assert.equal(doc.querySelector('#files-button .filter-label')?.textContent, '2 files');
  change(doc.getElementById('uncited-only') as HTMLInputElement, true);
  assert.deepEqual(first.api.posted.at(-1), { type: 'filter', id: 3, files: ['library.bib', 'reading-list.md'], uncitedOnly: true });
  // Escape closes the menu; a click elsewhere too
  menu.querySelector('input')!.dispatchEvent(new first.win.KeyboardEvent('keydown', { key: 'Escape', bubbles: true }));
  assert.equal(menu.hidden, true);
  assert.equal(doc.activeElement, button);
  button.click();
  doc.body.click();
  assert.equal(menu.hidden, true);
  // "Show all files" clears the file selection
  button.click();
  (doc.getElementById('files-all') as HTMLElement).click();
  assert.deepEqual(first.api.posted.at(-1), { type: 'filter', id: 4, files: [], uncitedOnly: true });
  change(box('library.bib'), true);
  const saved = first.api.state;
  first.win.close();

  // reload: the filter shows at once from getState, before the host says anything
  const second = setup(saved);
  const doc2 = second.win.document;
  assert.equal(doc2.querySelector('#files-button .filter-label')?.textContent, 'library.bib');
  assert.equal((doc2.getElementById('uncited-only') as HTMLInputElement).checked, true);
  assert.equal(doc2.querySelector<HTMLInputElement>('#files-menu input[data-file="library.bib"]')?.checked, true);
  // and the host's word wins when it comes
  second.panel.receive({ type: 'filters', files: [{ id: 'library.bib', entries: 54 }], filter: { files: [], uncitedOnly: false } });
  assert.equal(doc2.querySelector('#files-button .filter-label')?.textContent, 'All files');
  assert.equal((doc2.getElementById('uncited-only') as HTMLInputElement).checked, false);
  second.win.close();
});

test('test model: the banner says rankings are not meaningful', { skip: skipWithoutDom }, () => {
  const { win, panel } = setup();
  panel.receive({ type: 'status', status: { entries: 5, files: 1, model: { kind: 'ready', modelId: 'tiny', precision: 'fp32' }, lexicalOnly: false, testModel: true } });
  panel.receive(results('suggestions', ['a']));
  const banner = win.document.getElementById('banner')!;
  assert.equal(banner.hidden, false);
  assert.equal(banner.textContent, 'test model: rankings are not meaningful');
  panel.receive({ type: 'status', status: { entries: 5, files: 1, model: { kind: 'ready', modelId: 'real', precision: 'fp32' }, lexicalOnly: false } });
  assert.equal(banner.hidden, true);
  win.close();
});

test('search: Enter posts the query; state (query, expanded, results) survives a reload', { skip: skipWithoutDom }, () => {
  const first = setup();
  const doc = first.win.document;
  const search = doc.getElementById('search') as HTMLElement & { value: string };
  search.value = '  sparse retrieval ';
  search.dispatchEvent(new first.win.KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
  assert.deepEqual(first.api.posted.at(-1), { type: 'search', id: 1, text: 'sparse retrieval' });
  first.panel.receive(results('suggestions', ['x', 'y']));
  (doc.querySelector('.paper[data-key="y"] .paper-head') as HTMLElement).click();
  const saved = first.api.state;
  first.win.close();

  const second = setup(saved);
  const doc2 = second.win.document;
  assert.equal((doc2.getElementById('search') as HTMLElement & { value: string }).value, 'sparse retrieval');
  assert.deepEqual([...doc2.querySelectorAll('#suggestions .paper')].map((e) => e.getAttribute('data-key')), ['x', 'y']);
  assert.equal(doc2.querySelector('.paper[data-key="y"]')?.getAttribute('aria-expanded'), 'true');
  second.win.close();

  // a corrupted stored state is ignored, not thrown
  const third = setup({ version: 1, query: 42, results: { suggestions: { type: 'results', hits: 'x' } } });
  assert.equal(third.win.document.querySelectorAll('.paper').length, 0);
  third.win.close();
});
