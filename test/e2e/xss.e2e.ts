/**
 * Hostile bibliography strings rendered in the REAL webview (VS Code's iframes, CSP and all): none may execute,
 * all must be visible as text. Payloads set window.__xss / parent.__xss / top.__xss; every frame is checked.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, makeWorkspace, tinyModel } from '../../scripts/lib/codeServer';
import type { DomScript, InPage } from './dom';
import { ARTIFACTS, e2e, Skip } from './harness';
import { panelFrame, waitForIndexed, waitForWorkbench, xssMarkers } from './workbench';

/** Extra payloads beyond test/fixtures/bib/xss.bib: frame escapes, iframes, entities, handler attributes. */
const EXTRA_BIB = String.raw`
@article{xss2024frames,
  title    = {Adversarial payload study seven <iframe srcdoc="<script>top.__xss=7</script>"></iframe> \textless{}iframe src=javascript:parent.__xss=7\textgreater{}},
  author   = {Frame, Escape and \textless{}b onclick=top.__xss=7\textgreater{}Bold\textless{}/b\textgreater{}},
  journal  = {\textless{}a href="javascript:top.__xss=7"\textgreater{}click\textless{}/a\textgreater{}},
  year     = {2024},
  url      = {javascript:top.__xss=7},
  abstract = {Adversarial payload study seven: &lt;img src=x onerror=top.__xss=7&gt; and \textless{}details open ontoggle=top.__xss=7\textgreater{} and \textless{}style\textgreater{}body{display:none}\textless{}/style\textgreater{} and {{constructor.constructor('top.__xss=7')()}}}
}
`;

e2e('XSS payloads from a .bib render as inert text in the webview', async (ctx) => {
  const model = tinyModel();
  if (!model) throw new Skip('../shared/fixtures/specter2-tiny is absent');
  const fixture = path.join(REPO_ROOT, 'test', 'fixtures', 'bib', 'xss.bib');
  if (!fs.existsSync(fixture)) throw new Error(`missing ${fixture}`);
  const empty = path.join(ctx.scratch.root, 'xss-src');
  fs.mkdirSync(empty, { recursive: true });
  const dir = makeWorkspace(path.join(ctx.scratch.root, 'ws-xss'), { from: empty });
  fs.copyFileSync(fixture, path.join(dir, 'xss.bib'));
  fs.writeFileSync(path.join(dir, 'hostile.bib'), EXTRA_BIB);
  fs.writeFileSync(path.join(dir, 'paper.tex'), 'Adversarial payload study of citation tools.\n');

  const { page, context } = await ctx.openPage(dir, 'xss');
  const popups: string[] = [];
  context.on('page', (p) => popups.push(p.url()));
  await waitForWorkbench(page, 'xss.bib');
  await page.click('.activitybar [aria-label^="Related Papers"]');
  const frame = await panelFrame(page);
  await waitForIndexed(frame);
  ctx.log(`indexed: ${(await frame.textContent('#status'))?.trim()}`);

  await frame.locator('#search input').fill('Adversarial payload study');
  await frame.locator('#search input').press('Enter');
  const items = frame.locator('#suggestions .paper[data-key], #similar .paper[data-key]');
  await frame.waitForFunction(() => (globalThis as unknown as InPage).document.querySelectorAll('.paper[data-key^="xss2024"]').length >= 7, undefined, { timeout: 60_000 });
  const keys = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-key')));
  ctx.log(`rendered: ${keys.join(', ')}`);

  // Poke every element the way a user would: hover, expand abstracts, click the (hopefully disabled) links.
  for (const head of await frame.locator('.paper .paper-head').all()) {
    await head.hover().catch(() => undefined);
    await head.click().catch(() => undefined);
  }
  for (const link of await frame.locator('.paper [data-action="link"]').all()) await link.click({ timeout: 2000 }).catch(() => undefined);
  await page.waitForTimeout(1500); // give any handler (onerror of a failed image load, ontoggle) time to fire
  await ctx.screenshot(page, 'xss-rendered');
  await (await frame.frameElement()).screenshot({ path: path.join(ARTIFACTS, 'xss-webview-only.png') }).catch(() => undefined);

  const markers = await xssMarkers(page);
  ctx.log(`checked window.__xss in ${markers.length} frames`);
  assert.ok(markers.length >= 3, 'workbench + webview frames were inspected');
  assert.deepEqual(markers.filter((m) => m.value !== undefined), [], 'no payload ran in any frame');

  const dom = await frame.evaluate(() => {
    const document = (globalThis as unknown as InPage).document;
    const all = Array.from(document.querySelectorAll('*'));
    const handlers = all.flatMap((e) => Array.from(e.attributes).filter((a) => /^on/i.test(a.name)).map((a) => `${e.tagName}[${a.name}]`));
    const scripts = Array.from(document.querySelectorAll<DomScript>('script')).map((s) => s.src || `inline:${(s.textContent ?? '').trim()}`);
    const injected = Array.from(document.querySelectorAll('#suggestions *, #similar *'))
      .filter((e) => /^(SCRIPT|IMG|SVG|IFRAME|STYLE|A|DETAILS|OBJECT|EMBED|LINK|META)$/i.test(e.tagName)).map((e) => e.tagName);
    const jsLinks = Array.from(document.querySelectorAll('[href^="javascript" i], [src^="javascript" i]')).map((e) => e.outerHTML.slice(0, 80));
    return { handlers, scripts, injected, jsLinks, text: document.body.innerText };
  });
  assert.deepEqual(dom.handlers, [], 'no element carries an on* handler attribute');
  assert.deepEqual(dom.injected, [], 'no markup from the .bib became elements');
  assert.deepEqual(dom.jsLinks, [], 'no javascript: href/src');
  // Allowed: the panel bundle, and the acquireVsCodeApi shim VS Code itself injects into every webview.
  const foreign = dom.scripts.filter((s) => !s.endsWith('/dist/webview/main.js') && !s.startsWith('inline:globalThis.acquireVsCodeApi'));
  assert.deepEqual(foreign.map((s) => s.slice(0, 120)), [], 'only the panel bundle and VS Code\'s own webview script');
  assert.ok(dom.scripts.every((s) => !s.includes('__xss')), 'no script carries a payload');
  // The payloads are shown as text (decoded \textless… or raw <…>, whichever the parser produced).
  assert.match(dom.text, /Adversarial payload study two/);
  assert.match(dom.text, /onerror="?window\.__xss=1/, 'the img payload is visible as text');
  assert.match(dom.text, /\/?style.*script.*window\.__xss=1/s, 'the </style> payload is visible as text');
  assert.deepEqual(popups.filter((u) => /^javascript:/i.test(u)), [], 'no javascript: URL was opened');
});
