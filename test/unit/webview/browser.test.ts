/**
 * The BUILT panel (dist/webview/main.js) in a real Chromium under the exact CSP the host sends: the
 * toolkit registers without CSP violations, states and hostile results render, clicks become typed
 * messages. Skips (saying why) when Chromium or the bundle is missing; build with `node scripts/build.mjs`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { parseBibliography } from '../../../extension/core/bib';
import { toPaperView } from '../../../extension/host/paperView';
import { makeNonce, panelHtml } from '../../../extension/host/webviewHtml';
import type { HostMessage, PaperView } from '../../../extension/protocol/webview';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUNDLE = path.join(REPO, 'dist', 'webview', 'main.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const skip = !CHROMIUM ? 'needs Chromium (/usr/bin/chromium or CHROMIUM_PATH)' : !fs.existsSync(BUNDLE) ? `needs the built bundle ${BUNDLE} (node scripts/build.mjs)` : false;

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

/**
 * The variables VS Code puts on a webview's <html> that the layout depends on (Dark Modern values, default font
 * size 13 px), served as a same-origin stylesheet (the CSP allows no inline style).
 */
const THEME_CSS = `html { --vscode-font-family: system-ui, -apple-system, "Segoe UI", "Ubuntu", "Droid Sans", sans-serif; --vscode-font-size: 13px;
  --vscode-foreground: #cccccc; --vscode-descriptionForeground: #9d9d9d; --vscode-sideBar-background: #181818; --vscode-list-hoverBackground: #2a2d2e;
  --vscode-list-activeSelectionBackground: #04395e; --vscode-list-focusOutline: #0078d4; --vscode-list-highlightForeground: #2aaaff; --vscode-charts-green: #89d185; --vscode-charts-blue: #3794ff; }
  body { background: var(--vscode-sideBar-background); }`;
const THEME = '<link rel="stylesheet" href="/theme.css">';

function serve(nonce: string): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    let origin = '';
    const server = http.createServer((req, res) => {
      const url = (req.url ?? '').split('?')[0]!;
      const file =
        url === '/panel.css' ? path.join(REPO, 'media', 'panel.css') : /^\/(main\.js|codicon\.css|codicon\.ttf)$/.test(url) ? path.join(path.dirname(BUNDLE), url.slice(1)) : undefined;
      if (url === '/theme.css') {
        res.writeHead(200, { 'content-type': 'text/css' }).end(THEME_CSS);
      } else if (url === '/') {
        // stand-in for VS Code's acquireVsCodeApi, allowed by the same nonce as the panel script
        const stub = `<script nonce="${nonce}">window.__posted=[];let __s;window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>__s,setState:(s)=>{__s=s}});document.addEventListener('securitypolicyviolation',(e)=>{(window.__csp=window.__csp||[]).push(e.violatedDirective+' '+e.blockedURI)});</script>`;
        const html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/main.js`, styleUri: `${origin}/panel.css`, iconStyleUri: `${origin}/codicon.css` })
          .replace('<script nonce', `${stub}${THEME}<script nonce`);
        res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      } else if (file) {
        const type = file.endsWith('.js') ? 'text/javascript' : file.endsWith('.ttf') ? 'font/ttf' : 'text/css';
        res.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
      } else res.writeHead(404).end();
    });
    server.listen(0, '127.0.0.1', () => {
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      resolve({ url: `${origin}/`, close: () => server.close() });
    });
  });
}

test('built panel in Chromium: toolkit under the CSP, states, hostile results, typed clicks', { skip, timeout: 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const nonce = makeNonce();
  const srv = await serve(nonce);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await page.waitForFunction(() => customElements.get('vscode-button') !== undefined && customElements.get('vscode-text-field') !== undefined);
    const post = (m: HostMessage) => page.evaluate((data) => window.postMessage(data, '*'), m as unknown as Record<string, unknown>);

    await post({ type: 'status', status: { entries: 54, files: 2, model: { kind: 'missing', message: 'Not downloaded.' }, lexicalOnly: true } });
    await page.waitForSelector('body[data-state="model-missing"]');
    assert.match((await page.textContent('#status')) ?? '', /54 papers in 2 files · lexical results only/);
    assert.equal(await page.locator('#banner [data-command="downloadModel"]').textContent(), 'Download SPECTER2 (≈440 MB)');

    const hostile: PaperView = {
      key: `k${XSS}`, title: XSS, authors: [XSS], venue: XSS, abstract: `${XSS}. Second sentence.`, relevance: 0.7, band: 'related', why: ['words'],
      terms: ['img', 'script'], file: XSS, cited: true, hasLink: true, source: XSS, highlight: { start: 0, end: XSS.length },
    };
    await post({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: XSS }, hits: [hostile], lexicalOnly: true });
    await page.waitForSelector('#suggestions .paper[data-key]');
    assert.equal(await page.locator('#suggestions .paper .title').textContent(), XSS);
    assert.equal(await page.locator('img, script:not([nonce]), iframe').count(), 0);
    assert.ok((await page.locator('#suggestions .paper mark.term').count()) > 0, 'shared terms highlighted as text');
    await page.locator('#suggestions .paper .paper-head').click();
    assert.equal(await page.locator('#suggestions .paper .paper-body').isVisible(), true);
    await page.locator('#suggestions .paper [data-action="insert"]').click();
    await page.locator('#search input').fill('dense retrieval');
    await page.locator('#search input').press('Enter');
    const posted = await page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);
    assert.deepEqual(posted.slice(-2), [
      { type: 'insert', id: 1, key: `k${XSS}` },
      { type: 'search', id: 2, text: 'dense retrieval' },
    ]);
    // malformed messages are refused and reported, not rendered
    await post({ type: 'results', section: 'similar', hits: [{ key: 'x' }] } as unknown as HostMessage);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'log'));
    assert.equal(await page.locator('#similar .paper').count(), 0);

    assert.equal(await page.evaluate(() => (window as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), [], 'no CSP violations');
    assert.deepEqual(errors, []);
    if (process.env.PANEL_SCREENSHOT) await page.screenshot({ path: process.env.PANEL_SCREENSHOT, fullPage: true });
  } finally {
    await browser.close();
    srv.close();
  }
});

/** Every entry of examples/library.bib as the panel would show it (real titles, authors, venues, abstracts). */
function examplePapers(): PaperView[] {
  const file = path.join(REPO, 'examples', 'library.bib');
  const { records } = parseBibliography(file, fs.readFileSync(file));
  return records.map((r, i) =>
    toPaperView(
      {
        key: r.key, title: r.title ?? '', authors: r.authors ?? [], year: r.year, venue: r.venue, abstract: r.abstract ?? '', hasAbstract: Boolean(r.abstract),
        doi: r.doi, url: r.url, file, line: r.line, score: 1 - i / records.length, cosine: 0.9 - i / records.length,
        // the calibrated ranking as core/index/search.ts hands it over
        relevance: 1 - i / records.length, band: i < 10 ? 'strong' : i < 30 ? 'related' : 'weak', why: ['meaning', 'words'], terms: ['retrieval'],
        evidence: { cosine: 0.9 - i / records.length, bm25: 3 },
      },
      'dense retrieval of scientific papers for citation recommendation',
      new Set(i % 7 === 3 ? [r.key] : []),
    ),
  );
}

test('layout in Chromium: at least 10 papers fit in a 900-px-high panel at the default font size; hover and focus show the actions', { skip, timeout: 60_000 }, async () => {
  const { chromium } = await import('playwright-core');
  const nonce = makeNonce();
  const srv = await serve(nonce);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  try {
    // a typical sidebar: 300 px wide, 900 px high
    const page = await browser.newPage({ viewport: { width: 300, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(srv.url);
    await page.waitForFunction(() => (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'));
    await page.waitForFunction(() => customElements.get('vscode-text-field') !== undefined);
    const post = (m: HostMessage) => page.evaluate((data) => window.postMessage(data, '*'), m as unknown as Record<string, unknown>);
    const papers = examplePapers();
    assert.ok(papers.length >= 30, `examples/library.bib has ${papers.length} entries`);
    await post({ type: 'status', status: { entries: papers.length, files: 1, model: { kind: 'ready', modelId: 'm', precision: 'fp32' }, lexicalOnly: false, scanned: true, testModel: true } });
    await post({ type: 'filters', files: [{ id: 'library.bib', entries: papers.length }, { id: 'reading-list.md', entries: 6 }], filter: { files: [], uncitedOnly: false } });
    await post({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: 'dense retrieval of scientific papers' }, hits: papers.slice(0, 20), lexicalOnly: false });
    await post({ type: 'results', section: 'similar', query: { source: 'top-suggestion', text: papers[0]!.title, key: papers[0]!.key }, hits: papers.slice(20, 30), lexicalOnly: false });
    await page.waitForSelector('#similar .paper');
    await page.evaluate(() => document.fonts.ready);
    // expanding a row by a click keeps it where it is (no scroll of the tall expanded row under the sticky header)
    const withAbstract = page.locator('#suggestions .paper:has(mark.best)').first();
    const y0 = await withAbstract.evaluate((e) => e.getBoundingClientRect().top);
    await withAbstract.locator('.paper-head').click();
    await page.waitForTimeout(100);
    assert.equal(await withAbstract.getAttribute('aria-expanded'), 'true');
    assert.equal(await withAbstract.evaluate((e) => e.getBoundingClientRect().top), y0, 'the clicked row did not move');
    await withAbstract.locator('.paper-head').click();
    assert.equal(await page.evaluate(() => window.scrollY), 0);
    // the codicon font loaded under the CSP (font-src = cspSource)
    assert.equal(await page.evaluate(() => document.fonts.check('16px codicon')), true, 'codicon font available');
    const rows = await page.locator('.paper').evaluateAll((els) => els.map((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, height: r.height }; }));
    const visible = rows.filter((r) => r.bottom <= 900).length;
    const heights = rows.map((r) => r.height);
    console.log(`# layout: ${visible} rows fully visible in 900 px (row heights ${Math.min(...heights)}–${Math.max(...heights)} px)`);
    assert.ok(visible >= 10, `only ${visible} rows fit in 900 px`);
    assert.ok(Math.max(...heights) <= 60, `a row is ${Math.max(...heights)} px high (title clamped to two lines + one meta line)`);
    assert.equal(await page.locator('#banner').textContent(), 'test model: rankings are not meaningful');

    // actions: invisible at rest, visible on hover and when the row has keyboard focus
    const first = page.locator('#suggestions .paper').first();
    const opacity = () => first.locator('.actions').evaluate((e) => getComputedStyle(e).opacity);
    await page.mouse.move(5, 890);
    assert.equal(await opacity(), '0');
    await first.hover();
    assert.equal(await opacity(), '1');
    await page.mouse.move(299, 5);
    await first.focus();
    assert.equal(await opacity(), '1');
    const icon = await first.locator('[data-action="copy"]').evaluate((e) => getComputedStyle(e, '::before').fontFamily);
    assert.match(icon, /codicon/);
    // the band's tooltip carries the numbers
    assert.match((await first.locator('.band').getAttribute('title')) ?? '', /^Relevance \d+% \((strong|related|weak)\) · cosine 0\.\d{3}/);
    // keyboard: ArrowDown moves, Enter expands (the abstract shows), Right goes into the actions
    await page.keyboard.press('ArrowDown');
    const second = page.locator('#suggestions .paper').nth(1);
    assert.equal(await second.evaluate((e) => e === document.activeElement), true);
    await page.keyboard.press('Enter');
    assert.equal(await second.getAttribute('aria-expanded'), 'true');
    assert.equal(await second.locator('.paper-body').isVisible(), true);
    await page.keyboard.press('ArrowRight');
    assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-action')), 'insert');
    await page.keyboard.press('Escape');
    assert.equal(await second.evaluate((e) => e === document.activeElement), true);
    // a pointer that moves onto a hidden action reveals and clicks it (as a user — and Playwright — does)
    await page.mouse.move(5, 890);
    const fifth = page.locator('#suggestions .paper').nth(4);
    await fifth.locator('[data-action="copy"]').click({ timeout: 5000 });
    const posted = await page.evaluate(() => (window as unknown as { __posted: { type: string; key?: string }[] }).__posted.at(-1));
    assert.deepEqual([posted?.type, posted?.key], ['copy', await fifth.getAttribute('data-key')]);
    assert.deepEqual(errors, []);
    assert.deepEqual(await page.evaluate(() => (window as unknown as { __csp?: string[] }).__csp ?? []), [], 'no CSP violations');
    if (process.env.PANEL_SCREENSHOT) await page.screenshot({ path: process.env.PANEL_SCREENSHOT.replace(/\.png$/, '-layout.png') });
  } finally {
    await browser.close();
    srv.close();
  }
});
