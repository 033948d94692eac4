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
import { makeNonce, panelHtml } from '../../../extension/host/webviewHtml';
import type { HostMessage, PaperView } from '../../../extension/protocol/webview';

const REPO = path.resolve(__dirname, '..', '..', '..');
const BUNDLE = path.join(REPO, 'dist', 'webview', 'main.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => fs.existsSync(p));
const skip = !CHROMIUM ? 'needs Chromium (/usr/bin/chromium or CHROMIUM_PATH)' : !fs.existsSync(BUNDLE) ? `needs the built bundle ${BUNDLE} (node scripts/build.mjs)` : false;

const XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function serve(nonce: string): Promise<{ url: string; close: () => void }> {
  return new Promise((resolve) => {
    let origin = '';
    const server = http.createServer((req, res) => {
      const file = req.url === '/main.js' ? BUNDLE : req.url === '/panel.css' ? path.join(REPO, 'media', 'panel.css') : undefined;
      if (req.url === '/') {
        // stand-in for VS Code's acquireVsCodeApi, allowed by the same nonce as the panel script
        const stub = `<script nonce="${nonce}">window.__posted=[];let __s;window.acquireVsCodeApi=()=>({postMessage:(m)=>window.__posted.push(m),getState:()=>__s,setState:(s)=>{__s=s}});document.addEventListener('securitypolicyviolation',(e)=>{(window.__csp=window.__csp||[]).push(e.violatedDirective+' '+e.blockedURI)});</script>`;
        const html = panelHtml({ cspSource: origin, nonce, scriptUri: `${origin}/main.js`, styleUri: `${origin}/panel.css` }).replace('<script nonce', `${stub}<script nonce`);
        res.writeHead(200, { 'content-type': 'text/html' }).end(html);
      } else if (file) {
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' }).end(fs.readFileSync(file));
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

    const hostile: PaperView = { key: `k${XSS}`, title: XSS, authors: [XSS], venue: XSS, abstract: `${XSS}. Second sentence.`, score: 0.7, cited: true, hasLink: true, source: XSS, highlight: { start: 0, end: XSS.length } };
    await post({ type: 'results', section: 'suggestions', query: { source: 'cursor', text: XSS }, hits: [hostile], lexicalOnly: true });
    await page.waitForSelector('#suggestions .paper[data-key]');
    assert.equal(await page.locator('#suggestions .paper .title').textContent(), XSS);
    assert.equal(await page.locator('img, script:not([nonce]), iframe').count(), 0);
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
