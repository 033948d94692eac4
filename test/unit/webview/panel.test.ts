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
  score: 0.5,
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
  assert.equal(head.getAttribute('aria-expanded'), 'true');
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

test('keyboard: arrow keys move between item heads across sections', { skip: skipWithoutDom }, () => {
  const { win, panel } = setup();
  const doc = win.document;
  panel.receive(results('suggestions', ['a', 'b']));
  panel.receive(results('similar', ['c']));
  const heads = [...doc.querySelectorAll<HTMLElement>('.paper-head')];
  heads[0]!.focus();
  heads[0]!.dispatchEvent(new win.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
  assert.equal(doc.activeElement, heads[1]);
  heads[1]!.dispatchEvent(new win.KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true }));
  assert.equal(doc.activeElement, heads[2]);
  heads[2]!.dispatchEvent(new win.KeyboardEvent('keydown', { key: 'Home', bubbles: true }));
  assert.equal(doc.activeElement, heads[0]);
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
  assert.equal(doc2.querySelector('.paper[data-key="y"] .paper-head')?.getAttribute('aria-expanded'), 'true');
  second.win.close();

  // a corrupted stored state is ignored, not thrown
  const third = setup({ version: 1, query: 42, results: { suggestions: { type: 'results', hits: 'x' } } });
  assert.equal(third.win.document.querySelectorAll('.paper').length, 0);
  third.win.close();
});
