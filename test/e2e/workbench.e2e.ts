/**
 * The main user journey in a real workbench: open the example workspace with the tiny model, wait for indexing,
 * put the cursor in a paragraph of draft.tex, see suggestions, insert one and find it in the file on disk; then
 * "Find related papers" from the command palette.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeWorkspace, tinyModel } from '../../scripts/lib/codeServer';
import { e2e, Skip, type E2EContext } from './harness';
import { focusEditor, goToLine, openFile, panelFrame, runCommand, waitForIndexed, waitForWorkbench } from './workbench';

/** §3.2 "Building the query" of examples/draft.tex has no citations yet (examples/README.md). */
const QUERY_PARAGRAPH = /^The query is built from the paragraph that contains the cursor/;

function workspace(ctx: E2EContext, name: string): { dir: string; tex: string } {
  const model = tinyModel();
  if (!model) throw new Skip('../shared/fixtures/specter2-tiny is absent (the tiny SPECTER2-shaped model the e2e tests use)');
  const dir = makeWorkspace(path.join(ctx.scratch.root, name), {});
  const tex = path.join(dir, 'draft.tex');
  if (!fs.existsSync(tex)) throw new Error(`examples/draft.tex missing from ${dir}`);
  return { dir, tex };
}

function lineOf(file: string, re: RegExp): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no line matching ${re} in ${file}`);
  return i + 1;
}

/** 1-based line and column of the first full stop on the line after `re` (inside the paragraph). */
function cursorSpot(file: string, re: RegExp): { line: number; column: number } {
  const line = lineOf(file, re) + 1;
  const text = fs.readFileSync(file, 'utf8').split('\n')[line - 1]!;
  const dot = text.indexOf('. ');
  if (dot < 0) throw new Error(`no sentence end on ${file}:${line}`);
  return { line, column: dot + 1 }; // just before the full stop, where a citation goes
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const count = (text: string, needle: string) => text.split(needle).length - 1;

e2e('cursor in a .tex paragraph → suggestions → Insert writes the citation', async (ctx) => {
  const { dir, tex } = workspace(ctx, 'ws-journey');
  const before = fs.readFileSync(tex, 'utf8');
  const { page } = await ctx.openPage(dir, 'journey');
  await waitForWorkbench(page, 'draft.tex');
  ctx.log('workbench ready: explorer + Related Papers activity entry');
  await ctx.screenshot(page, 'journey-01-workbench');

  // Open the panel and let it index first (the race of a query during indexing has its own test below).
  await page.click('.activitybar [aria-label^="Related Papers"]');
  const frame = await panelFrame(page);
  const state = await waitForIndexed(frame);
  const status = (await frame.textContent('#status')) ?? '';
  ctx.log(`indexed: state=${state} status="${status.trim()}"`);
  assert.match(status, /[\d,]+ papers? in \d+ files?/, 'status line reports the indexed library');

  await openFile(page, 'draft.tex');
  const spot = cursorSpot(tex, QUERY_PARAGRAPH); // before a full stop inside the paragraph
  await goToLine(page, spot.line, spot.column);
  ctx.log(`cursor on draft.tex:${spot.line}:${spot.column}`);

  const items = frame.locator('#suggestions .paper[data-key]');
  await items.first().waitFor({ timeout: 60_000 });
  const keys = await items.evaluateAll((els) => els.map((e) => e.getAttribute('data-key') ?? ''));
  ctx.log(`suggestions: ${keys.slice(0, 5).join(', ')}${keys.length > 5 ? ', …' : ''} (${keys.length})`);
  assert.ok(keys.length > 0 && keys.every((k) => k.length > 0), 'suggestions carry citation keys');
  await ctx.screenshot(page, 'journey-02-suggestions');

  // Insert the first suggestion from library.bib (the draft's \bibliography) that the draft does not cite yet, so
  // its count must go up by one.
  const bib = fs.readFileSync(path.join(dir, 'library.bib'), 'utf8');
  const citable = await frame.locator('#suggestions .paper[data-key]:not(.synthetic)').evaluateAll((els) => els.map((e) => e.getAttribute('data-key') ?? ''));
  assert.ok(citable.length > 0, 'at least one suggestion has a real citation key');
  const key = citable.find((k) => count(before, k) === 0 && bib.includes(`{${k},`)) ?? citable[0]!;
  await frame.locator(`#suggestions .paper[data-key="${key}"] [data-action="insert"]`).click();
  await focusEditor(page, 'draft.tex');
  await runCommand(page, 'File: Save');
  const end = Date.now() + 20_000;
  let after = before;
  while (Date.now() < end && count(after, key) === count(before, key)) {
    await page.waitForTimeout(250);
    after = fs.readFileSync(tex, 'utf8');
  }
  await ctx.screenshot(page, 'journey-03-inserted');
  assert.equal(count(after, key), count(before, key) + 1, `draft.tex on disk contains one more "${key}" after Insert + Save`);
  const changed = after.split('\n').find((l, i) => l !== before.split('\n')[i]) ?? '';
  assert.match(changed, new RegExp(`\\\\\\w*cite\\w*(\\[[^\\]]*\\])*\\{[^}]*${escapeRe(key)}`), `inserted as a LaTeX citation: ${changed}`);
  ctx.log(`inserted: ${changed.trim()}`);
});

e2e('"Find related papers" from the command palette shows results', async (ctx) => {
  const { dir, tex } = workspace(ctx, 'ws-palette');
  const { page } = await ctx.openPage(dir, 'palette');
  await waitForWorkbench(page, 'draft.tex');
  await page.click('.activitybar [aria-label^="Related Papers"]');
  await waitForIndexed(await panelFrame(page));
  await page.click('.activitybar [aria-label^="Explorer"]'); // hide the panel: the command must bring it back
  await openFile(page, 'draft.tex');
  const spot = cursorSpot(tex, QUERY_PARAGRAPH);
  await goToLine(page, spot.line, spot.column);
  await runCommand(page, 'Find related papers');
  const frame = await panelFrame(page);
  const items = frame.locator('#suggestions .paper[data-key], #similar .paper[data-key]');
  await items.first().waitFor({ timeout: 60_000 });
  const titles = (await frame.locator('#suggestions .paper .title, #similar .paper .title').allTextContents()).map((t) => t.trim());
  ctx.log(`results: ${titles.length}; first: ${titles[0]}`);
  assert.ok(titles.length > 0 && titles.every((t) => t.length > 0), 'results show titles');
  const state = await frame.getAttribute('body', 'data-state');
  assert.ok(state === 'results' || state === 'lexical', `panel state after the command: ${state}`);
  await ctx.screenshot(page, 'palette-results');
});

e2e('suggestions asked for while the library is still indexing appear when indexing ends', async (ctx) => {
  const { dir, tex } = workspace(ctx, 'ws-race');
  const { page } = await ctx.openPage(dir, 'race');
  await waitForWorkbench(page, 'draft.tex');
  // Cursor first, panel second: the panel's first query is made before the index exists.
  await openFile(page, 'draft.tex');
  const spot = cursorSpot(tex, QUERY_PARAGRAPH);
  await goToLine(page, spot.line, spot.column);
  await page.click('.activitybar [aria-label^="Related Papers"]');
  const frame = await panelFrame(page);
  await waitForIndexed(frame);
  // No further interaction: a user who waits must not be left with "No matching papers".
  await frame.locator('#suggestions .paper[data-key]').first().waitFor({ timeout: 30_000 })
    .catch(async () => {
      await ctx.screenshot(page, 'race-no-results');
      throw new Error(`no suggestions 30 s after indexing ended; panel says: ${(await frame.textContent('#suggestions'))?.trim().slice(0, 200)}`);
    });
});
