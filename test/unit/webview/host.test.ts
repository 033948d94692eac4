/** Host-side pieces of the panel that need no `vscode`: handshake queue, links, PaperView, CSP, controller, manifest. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ReadyQueue } from '../../../extension/host/messageQueue';
import { entryLink, normaliseDoi, safeHttpUrl } from '../../../extension/host/links';
import { fileLabels, rankingOf, toPaperView } from '../../../extension/host/paperView';

import { contentSecurityPolicy, makeNonce, panelHtml, EMPTY_STYLE_HASH } from '../../../extension/host/webviewHtml';
import { ResultsController } from '../../../extension/host/resultsController';
import { COMMANDS, VIEW_CONTAINER_ID, VIEW_ID } from '../../../extension/host/ids';
import type { IndexStatus, PaperHit, QueryOptions, Services } from '../../../extension/host/serviceApi';
import { PAPER_MENU_COMMANDS, parseHostMessage, type HostMessage } from '../../../extension/protocol/webview';

const REPO = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8'));

test('ReadyQueue: nothing is posted before ready; flush keeps order; status/results coalesce', () => {
  const posted: HostMessage[] = [];
  const q = new ReadyQueue();
  q.send({ type: 'status', status: { entries: 1, files: 1, model: { kind: 'loading' }, lexicalOnly: false } });
  q.attach((m) => {
    posted.push(m);
  });
  q.send({ type: 'error', message: 'e1' });
  q.send({ type: 'busy', section: 'suggestions', busy: true });
  q.send({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'a' }, hits: [], lexicalOnly: false });
  q.send({ type: 'status', status: { entries: 2, files: 1, model: { kind: 'loading' }, lexicalOnly: false } });
  assert.equal(posted.length, 0, 'posting before the webview listens loses messages');
  q.markReady();
  assert.deepEqual(posted.map((m) => m.type), ['error', 'results', 'status']);
  assert.equal((posted[2] as Extract<HostMessage, { type: 'status' }>).status.entries, 2);
  q.send({ type: 'error', message: 'e2' });
  assert.equal(posted.length, 4, 'after ready, messages go straight through');
  q.attach(() => undefined); // the page reloaded (hidden and shown again)
  q.send({ type: 'error', message: 'e3' });
  assert.equal(q.isReady, false);
  assert.equal(q.queued.length, 1);
});

test('links: only http(s) and DOIs; javascript:, data:, file:, credentials refused', () => {
  assert.equal(safeHttpUrl('https://arxiv.org/abs/2004.07180'), 'https://arxiv.org/abs/2004.07180');
  for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', ' javascript:alert(1)', 'data:text/html,<script>', 'file:///etc/passwd', 'command:workbench.action.terminal.new', 'vscode://x', 'https://user:pw@example.org', 'https://exa mple.org', 'https://x.org/\u0000', '//example.org', 'example.org']) {
    assert.equal(safeHttpUrl(bad), undefined, bad);
  }
  assert.equal(normaliseDoi('doi:10.5555/rp.2024.1'), '10.5555/rp.2024.1');
  assert.equal(normaliseDoi('https://doi.org/10.5555/abc'), '10.5555/abc');
  assert.equal(normaliseDoi('10.5555/a"><script>'), undefined);
  assert.equal(normaliseDoi('javascript:10.1234/x'), undefined);
  assert.equal(entryLink({ doi: '10.5555/a#b?c', url: 'https://x.org' }), 'https://doi.org/10.5555/a%23b%3Fc');
  assert.equal(entryLink({ url: 'javascript:alert(1)' }), undefined);
  assert.equal(entryLink({ url: 'doi:10.5555/x' }), 'https://doi.org/10.5555/x');
  assert.equal(entryLink({}), undefined);
});

const hit = (key: string, over: Partial<PaperHit> = {}): PaperHit => ({
  key,
  title: `Title ${key}`,
  authors: ['Smith, Jane'],
  abstract: 'We study protein folding. Dense retrieval ranks scientific documents. Done.',
  hasAbstract: true,
  file: '/w/refs.bib',
  line: 7,
  score: 0.5,
  cosine: 0.6,
  ...over,
});

test('toPaperView: cited mark, best sentence, link flag, source, clamped numbers — and the result validates', () => {
  const ranked = { relevance: 1.7, band: 'strong' as const, why: ['meaning' as const, 'words' as const], terms: ['dense', 'retrieval', 'document'], evidence: { cosine: 0.6 } };
  const v = toPaperView(hit('a', { url: 'javascript:alert(1)', score: 1.7, year: 2020, ...ranked }), 'dense retrieval of documents', new Set(['a']), 'lab/refs.bib');
  assert.equal(v.cited, true);
  assert.equal(v.hasLink, false);
  assert.equal(v.relevance, 1, 'clamped to 0..1');
  assert.equal(v.band, 'strong');
  assert.deepEqual(v.why, ['meaning', 'words']);
  assert.deepEqual(v.terms, ['dense', 'retrieval', 'document']);
  assert.deepEqual(v.evidence, { cosine: 0.6 });
  assert.equal(v.file, 'lab/refs.bib');
  assert.equal('score' in v, false, 'the fusion score is not displayed');
  assert.equal(toPaperView(hit('c'), '', new Set()).file, 'refs.bib', 'default label: the base name, never the path');
  assert.equal(v.source, 'refs.bib:7');
  assert.equal(v.abstract.slice(v.highlight!.start, v.highlight!.end), 'Dense retrieval ranks scientific documents.');
  assert.equal(toPaperView(hit('b', { doi: '10.5555/x' }), '', new Set()).hasLink, true);
  const msg = { type: 'results', section: 'similar', query: { source: 'cursor', text: 'q' }, hits: [v], lexicalOnly: false };
  assert.equal(parseHostMessage(msg).ok, true);
});

test('rankingOf: the calibrated fields of a ranked hit are shown as they are; the fusion score never is', () => {
  // A hit without ranked fields (looked up by key) is weak with relevance 0, whatever its fusion score.
  assert.deepEqual(rankingOf(hit('a', { score: 1 })), { relevance: 0, band: 'weak', why: [], terms: [] });
  const ranked = { ...hit('a', { score: 1 }), relevance: 0.12, band: 'weak' as const, why: ['words' as const], terms: ['folding'], evidence: { bm25: 2.5 } };
  assert.deepEqual(rankingOf(ranked), { relevance: 0.12, band: 'weak', why: ['words'], terms: ['folding'], evidence: { bm25: 2.5 } });
  const v = toPaperView(ranked, 'protein folding', new Set());
  assert.deepEqual([v.relevance, v.band, v.evidence], [0.12, 'weak', { bm25: 2.5 }]);
  // out-of-range ranked numbers are clamped so the message still validates
  const wildHit = { ...ranked, relevance: 7, evidence: { cosine: 3, bm25: -1 }, terms: ['', 'X'.repeat(200), 'Folding', 'folding'] };
  const wild = toPaperView(wildHit, '', new Set());
  assert.deepEqual([wild.relevance, wild.evidence, wild.terms], [1, { cosine: 1 }, ['folding']]);
  assert.ok(parseHostMessage({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'q' }, hits: [wild], lexicalOnly: false }).ok);
});

test('fileLabels: base names, with parent folders only where names collide', () => {
  const labels = fileLabels(['/w/refs.bib', '/w/a/lab/refs.bib', '/w/b/lab/refs.bib', '/w/notes/reading-list.md', '/w/refs.bib']);
  assert.deepEqual([...labels.values()], ['w/refs.bib', 'a/lab/refs.bib', 'b/lab/refs.bib', 'reading-list.md']);
  assert.deepEqual([...fileLabels(['C:\\papers\\x.bib']).values()], ['x.bib']);
  assert.equal(new Set(fileLabels(['/a/x.bib', '/b/x.bib']).values()).size, 2);
});

test('panel HTML: strict CSP with a fresh nonce, no remote or inline script, only our resources', () => {
  const n1 = makeNonce();
  const n2 = makeNonce();
  assert.notEqual(n1, n2);
  assert.match(n1, /^[A-Za-z0-9+/]{22}==$/, '16 random bytes, base64');
  const parts = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: n1, scriptUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview/main.js', styleUri: 'https://file+.vscode-resource.vscode-cdn.net/ext/media/panel.css' };
  const csp = contentSecurityPolicy(parts);
  assert.match(csp, /^default-src 'none'/);
  assert.match(csp, new RegExp(`script-src 'nonce-${n1.replace(/[+/]/g, '\\$&')}'(;|$)`));
  assert.ok(csp.includes(`style-src ${parts.cspSource} ${EMPTY_STYLE_HASH}`));
  assert.ok(csp.includes(`img-src ${parts.cspSource}`));
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|\*|http:/);
  const html = panelHtml(parts);
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0]!.includes(`nonce="${n1}"`) && scripts[0]!.includes(`src="${parts.scriptUri}"`));
  assert.doesNotMatch(html, /<script[^>]*>[^<]+<\/script>/, 'no inline script body');
  assert.doesNotMatch(html, /style="/);
});

class FakeServices implements Services {
  calls: { op: string; arg: string; opts: QueryOptions }[] = [];
  delayMs = 0;
  constructor(private readonly hits: PaperHit[]) {}
  status(): IndexStatus {
    return { entries: this.hits.length, files: 1, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false };
  }
  onDidChangeStatus = () => ({ dispose() {} });
  private async answer(op: string, arg: string, opts: QueryOptions): Promise<PaperHit[]> {
    this.calls.push({ op, arg, opts });
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    if (opts.signal?.aborted) throw Object.assign(new Error('aborted'), { name: 'AbortError' });
    return this.hits.filter((h) => !opts.excludeKeys?.includes(h.key) && h.key !== (op === 'similar' ? arg : ''));
  }
  suggest(text: string, opts: QueryOptions) {
    return this.answer('suggest', text, opts);
  }
  similar(key: string, opts: QueryOptions) {
    return this.answer('similar', key, opts);
  }
  lookup(key: string) {
    return this.hits.find((h) => h.key === key);
  }
  async reindex() {}
  async downloadModel() {}
  dispose() {}
}

function controller(services: FakeServices) {
  const sent: HostMessage[] = [];
  const logs: string[] = [];
  const c = new ResultsController(() => services, { send: (m) => sent.push(m) }, () => ({ maxResults: 10, minScore: 0 }), {
    warn: (m) => logs.push(m),
    error: (m) => logs.push(m),
  });
  return { c, sent, logs };
}

const results = (sent: HostMessage[], section: string) =>
  sent.filter((m): m is Extract<HostMessage, { type: 'results' }> => m.type === 'results' && m.section === section);

test('controller: paragraph keys hidden, document keys marked, similar follows the top suggestion', async () => {
  const s = new FakeServices([hit('a'), hit('b'), hit('c')]);
  const { c, sent } = controller(s);
  await c.followContext({ text: 'dense retrieval', paragraphKeys: ['a'], citedKeys: ['a', 'c'] });
  const sug = results(sent, 'suggestions');
  assert.equal(sug.length, 1);
  assert.deepEqual(sug[0]!.hits.map((h) => [h.key, h.cited]), [['b', false], ['c', true]]);
  assert.deepEqual(s.calls[0]!.opts.excludeKeys, ['a']);
  const sim = results(sent, 'similar');
  assert.equal(sim[0]!.query.source, 'top-suggestion');
  assert.equal(sim[0]!.query.key, 'b');
  for (const m of sent) assert.equal(parseHostMessage(m).ok, true, `valid on the wire: ${m.type}`);
});

test('controller: a newer query cancels the stale one, which never delivers results', async () => {
  const s = new FakeServices([hit('a'), hit('b')]);
  s.delayMs = 30;
  const { c, sent, logs } = controller(s);
  const first = c.followContext({ text: 'first sentence', paragraphKeys: [], citedKeys: [] });
  const second = c.followContext({ text: 'second sentence', paragraphKeys: [], citedKeys: [] });
  await Promise.all([first, second]);
  assert.equal(s.calls[0]!.opts.signal?.aborted, true);
  const sug = results(sent, 'suggestions');
  assert.deepEqual(sug.map((r) => r.query.text), ['second sentence']);
  assert.deepEqual(logs, [], 'a cancellation is not an error');
});

test('controller: search overrides the cursor until cleared; failures reach the panel as an error', async () => {
  const s = new FakeServices([hit('a')]);
  const { c, sent } = controller(s);
  await c.search('graph neural networks');
  await c.followContext({ text: 'cursor text', paragraphKeys: [], citedKeys: [] });
  assert.deepEqual(results(sent, 'suggestions').map((r) => r.query.source), ['search']);
  await c.search('');
  assert.deepEqual(results(sent, 'suggestions').map((r) => r.query.source), ['search', 'cursor']);
  s.suggest = async () => {
    throw new Error('LanceDB table is corrupt');
  };
  await c.search('again');
  const err = sent.find((m) => m.type === 'error');
  assert.match((err as { message: string }).message, /Could not get suggestions: LanceDB table is corrupt/);
});

test('manifest: ids, activation, settings and menus match the code', () => {
  const c = pkg.contributes;
  assert.equal(c.viewsContainers.activitybar[0].id, VIEW_CONTAINER_ID);
  assert.ok(fs.existsSync(path.join(REPO, c.viewsContainers.activitybar[0].icon)), 'activity-bar icon exists');
  const view = c.views[VIEW_CONTAINER_ID][0];
  assert.equal(view.id, VIEW_ID);
  assert.equal(view.type, 'webview');
  const declared = new Set(c.commands.map((x: { command: string }) => x.command));
  for (const id of Object.values(COMMANDS)) assert.ok(declared.has(id), `command ${id} declared`);
  assert.equal(c.commands.find((x: { command: string }) => x.command === COMMANDS.findRelated).title, 'Find related papers');
  // the citing languages activate it too: completion, hover and diagnostics work in a folder without a .bib
  const citing = ['latex', 'tex', 'markdown', 'quarto', 'rmd', 'typst'].map((l) => `onLanguage:${l}`);
  assert.deepEqual(pkg.activationEvents.sort(), [`onCommand:${COMMANDS.findRelated}`, `onView:${VIEW_ID}`, 'workspaceContains:**/*.bib', ...citing].sort());
  assert.equal(pkg.engines.vscode, '^1.100.0');
  // the paper rows' context menu: VS Code's webview menu, one command per row action, hidden from the palette
  const menu = c.menus['webview/context'] as { command: string; when: string }[];
  assert.deepEqual(menu.map((m) => m.command), Object.values(PAPER_MENU_COMMANDS));
  for (const m of menu) {
    assert.ok(declared.has(m.command), `${m.command} declared`);
    assert.match(m.when, new RegExp(`^webviewId == '${VIEW_ID.replace('.', '\\.')}' && webviewSection == 'paper'`));
    assert.ok(c.menus.commandPalette.some((p: { command: string; when: string }) => p.command === m.command && p.when === 'false'), `${m.command} not in the palette`);
  }
  assert.match(menu.find((m) => m.command === PAPER_MENU_COMMANDS.insert)!.when, /&& paperCitable$/);
  assert.match(menu.find((m) => m.command === PAPER_MENU_COMMANDS.link)!.when, /&& paperHasLink$/);
  const props = c.configuration.properties;
  for (const [k, v] of Object.entries(props) as [string, { description?: string; markdownDescription?: string }][]) {
    assert.ok((v.description ?? v.markdownDescription ?? '').length > 20, `${k} is documented`);
  }
  const settingsSrc = fs.readFileSync(path.join(REPO, 'extension/host/settings.ts'), 'utf8');
  for (const m of settingsSrc.matchAll(/c\.get(?:<\w+>)?\('([\w.]+)'/g)) assert.ok(props[`relatedPapers.${m[1]}`], `setting relatedPapers.${m[1]} is contributed`);
  assert.equal(props['relatedPapers.citationCommand'].default, '\\cite');
});

test('controller: "Find related papers" without a selection leaves search mode and clears the box', async () => {
  const s = new FakeServices([hit('a')]);
  const { c, sent } = controller(s);
  await c.search('some search');
  await c.findForContext({ text: 'cursor sentence', paragraphKeys: [], citedKeys: [] });
  assert.deepEqual(sent.filter((m) => m.type === 'setQuery'), [{ type: 'setQuery', text: '' }]);
  assert.deepEqual(results(sent, 'suggestions').map((r) => [r.query.source, r.query.text]), [['search', 'some search'], ['cursor', 'cursor sentence']]);
  assert.deepEqual(s.calls.filter((x) => x.op === 'suggest').map((x) => x.arg), ['some search', 'cursor sentence']);
});

test('controller: rerun answers the last query again once the index has content', async () => {
  const s = new FakeServices([]);
  const { c, sent } = controller(s);
  await c.findForContext({ text: 'query before indexing', paragraphKeys: [], citedKeys: [] });
  assert.deepEqual(results(sent, 'suggestions').at(-1)!.hits, [], 'empty index: no hits yet');
  (s as unknown as { hits: PaperHit[] }).hits.push(hit('a'), hit('b'));
  await c.rerun();
  const last = results(sent, 'suggestions').at(-1)!;
  assert.equal(last.query.text, 'query before indexing');
  assert.deepEqual(last.hits.map((h) => h.key), ['a', 'b']);
  assert.equal(results(sent, 'similar').at(-1)!.query.key, 'a');
  // in a .bib file the similar section follows the entry, and a rerun keeps it that way
  await c.similarToEntry('b');
  await c.rerun();
  assert.deepEqual(results(sent, 'similar').at(-1)!.query, { source: 'entry', text: 'b', key: 'b' });
});

test('status bar wording: size, indexing, lexical warning, storage error, not yet scanned', async () => {
  const { statusBarText } = await import('../../../extension/host/statusText');
  const ready: IndexStatus = { entries: 1234, files: 3, model: { kind: 'ready', modelId: 'm', precision: 'int8' }, lexicalOnly: false };
  assert.equal(statusBarText(ready).text, '$(book) 1,234 papers');
  assert.equal(statusBarText({ ...ready, entries: 1 }).text, '$(book) 1 paper');
  assert.equal(statusBarText({ ...ready, indexing: { done: 12, total: 300 } }).text, '$(sync~spin) Indexing 12/300');
  const lexical = statusBarText({ ...ready, lexicalOnly: true, model: { kind: 'missing', message: 'x' } });
  assert.equal(lexical.text, '$(book) 1,234 papers $(warning)');
  assert.match(lexical.tooltip, /lexical results only/);
  assert.match(statusBarText({ ...ready, storageError: 'EACCES /x' }).tooltip, /EACCES/);
  assert.equal(statusBarText({ ...ready, entries: 0, files: 0 }, false).text, '$(book) Related Papers');
});

test('controller: "Not in your library" asks once per set of cited keys, maps papers to inert views, says nothing while off', async () => {
  const s = new FakeServices([hit('a'), hit('b')]);
  const asked: string[][] = [];
  let on = true;
  const paper = { paperId: 'f'.repeat(40), title: '<img src=x onerror=alert(1)> Outside', abstract: 'From S2.', year: 2024, venue: 'ArXiv', authors: ['Doe, J.'], doi: '10.1/x', arxivId: null, url: null, bibtex: null };
  Object.assign(s, {
    outside: {
      feed: async (keys: readonly string[]) => { asked.push([...keys]); return on ? [paper] : undefined; },
      paper: () => paper, add: async () => 'doe2024outside', dismiss: async () => {},
    },
  });
  const { c, sent } = controller(s);
  await c.followContext({ text: 'q', paragraphKeys: [], citedKeys: ['a', 'b'] });
  await c.followContext({ text: 'another sentence', paragraphKeys: [], citedKeys: ['b', 'a'] });
  assert.deepEqual(asked, [['a', 'b']], 'the same cited set is not asked again');
  const out = results(sent, 'outside');
  assert.equal(out.length, 1);
  const v = out[0].hits[0];
  assert.equal(v.origin, 'outside');
  assert.equal(v.title, paper.title, 'kept as text; the webview renders it with textContent');
  assert.equal(v.hasLink, true);
  assert.equal(parseHostMessage(out[0]).ok, true, 'the message validates');
  on = false;
  await c.followContext({ text: 'q', paragraphKeys: [], citedKeys: ['a'] });
  assert.equal(results(sent, 'outside').length, 1, 'off: nothing sent');
  await c.refreshOutside();
  assert.equal(asked.length, 3, 'refresh asks again (after add/dismiss)');
});
