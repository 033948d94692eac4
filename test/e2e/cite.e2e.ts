/**
 * Citing in the line in a real workbench: type `\cite{` in a .tex paragraph, pick the first item of the suggest
 * widget, save, and find the key in the file on disk.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeWorkspace, tinyModel } from '../../scripts/lib/codeServer';
import { e2e, Skip } from './harness';
import { goToLine, openFile, panelFrame, runCommand, waitForIndexed, waitForWorkbench } from './workbench';

e2e('typing \\cite{ in a .tex paragraph offers ranked keys; picking the first writes it into the file', async (ctx) => {
  const model = tinyModel();
  if (!model) throw new Skip('../shared/fixtures/specter2-tiny is absent (the tiny SPECTER2-shaped model the e2e tests use)');
  const dir = makeWorkspace(path.join(ctx.scratch.root, 'ws-cite'), {});
  const tex = path.join(dir, 'draft.tex');
  const before = fs.readFileSync(tex, 'utf8');
  const lines = before.split('\n');
  const idx = lines.findIndex((l) => /^Most of this work assumes a large shared index/.test(l));
  assert.ok(idx >= 0, 'the paragraph is in examples/draft.tex');
  const dot = lines[idx]!.indexOf('. ');
  const { page } = await ctx.openPage(dir, 'cite');
  await waitForWorkbench(page, 'draft.tex');
  await page.click('.activitybar [aria-label^="Related Papers"]');
  await waitForIndexed(await panelFrame(page));
  await openFile(page, 'draft.tex');
  await goToLine(page, idx + 1, dot + 2); // just after the full stop
  await page.keyboard.type(' \\cite{', { delay: 60 });
  const widget = page.locator('.editor-widget.suggest-widget .monaco-list-row');
  await widget.first().waitFor({ timeout: 60_000 }).catch(async () => {
    await page.keyboard.press('Control+Space'); // quick suggestions may be off for LaTeX: ask explicitly
    await widget.first().waitFor({ timeout: 30_000 });
  });
  await ctx.screenshot(page, 'cite-01-suggest-widget');
  const first = ((await widget.first().locator('.label-name').textContent()) ?? '').trim();
  ctx.log(`first completion item: ${first}`);
  assert.match(first, /^[\w:.-]+$/, 'the first item is a citation key');
  // a key some bibliography of the workspace defines (library.bib, or the inline `references:` of chapter.qmd)
  const defines = (f: string) => { const t = fs.readFileSync(path.join(dir, f), 'utf8'); return t.includes(`{${first},`) || t.includes(`id: ${first}\n`); };
  assert.ok(fs.readdirSync(dir).filter((f) => /\.(bib|qmd|md|json|ya?ml)$/.test(f)).some(defines), `${first} is defined by a bibliography of the workspace`);
  await page.keyboard.press('Enter');
  await runCommand(page, 'File: Save');
  const end = Date.now() + 20_000;
  let after = before;
  while (Date.now() < end && after === before) {
    await page.waitForTimeout(250);
    after = fs.readFileSync(tex, 'utf8');
  }
  const changed = after.split('\n')[idx]!;
  ctx.log(`line on disk: ${changed.slice(0, 160)}`);
  assert.ok(changed.includes(`\\cite{${first}}`), `draft.tex on disk has \\cite{${first}} (closed)`);
});
