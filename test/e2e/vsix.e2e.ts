/**
 * The packaged extension, installed the way users install it: `code-server --install-extension x.vsix` into an
 * empty extensions folder, then a fresh workbench with NO development payload. Proves the .vsix carries everything
 * it needs (bundles, webview, native ONNX Runtime + LanceDB for this platform): the activity-bar entry appears,
 * the webview renders, and a query returns results with the tiny model.
 */
import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, codeServerBin, makeScratch, makeWorkspace, startCodeServer, tinyModel, writeUserSettings } from '../../scripts/lib/codeServer';
import { ARTIFACTS, e2e, Skip } from './harness';
import { panelFrame, waitForIndexed, waitForWorkbench } from './workbench';

e2e('the .vsix installs into code-server, activates and answers a query', async (ctx) => {
  const model = tinyModel();
  if (!model) throw new Skip('../shared/fixtures/specter2-tiny is absent');
  const root = path.join(ctx.scratch.root, 'vsix');
  fs.mkdirSync(root, { recursive: true });

  // RELATED_PAPERS_VSIX: test a .vsix built elsewhere (e.g. `npm run package` in CI); otherwise package dist/ now.
  let vsix = process.env.RELATED_PAPERS_VSIX;
  if (!vsix) {
    vsix = path.join(root, 'related-papers.vsix');
    const t = Date.now();
    const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'package-vsix.mjs'), '--skip-build', '--no-verify', '--out', vsix],
      { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`packaging failed (exit ${r.status}):\n${r.stderr}\n${r.stdout.slice(-2000)}`);
    ctx.log(`packaged ${(fs.statSync(vsix).size / 1048576).toFixed(1)} MB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  }

  const scratch = makeScratch(root, ctx.scratch.env);
  writeUserSettings(scratch.userDataDir, { 'relatedPapers.modelFolder': model });
  const t = Date.now();
  const install = spawnSync(codeServerBin(), ['--user-data-dir', scratch.userDataDir, '--extensions-dir', scratch.extensionsDir, '--install-extension', vsix],
    { env: scratch.env, encoding: 'utf8', timeout: 180_000 });
  assert.equal(install.status, 0, `--install-extension failed:\n${install.stdout}\n${install.stderr}`);
  const installed = fs.readdirSync(scratch.extensionsDir).filter((d) => d.startsWith('related-papers.related-papers-'));
  assert.equal(installed.length, 1, `installed folders: ${fs.readdirSync(scratch.extensionsDir).join(', ')}`);
  const dir = path.join(scratch.extensionsDir, installed[0]!);
  assert.ok(fs.existsSync(path.join(dir, 'dist', 'extension.js')));
  assert.ok(!fs.existsSync(path.join(dir, 'extension')), 'sources are not shipped');
  ctx.log(`installed ${installed[0]} in ${((Date.now() - t) / 1000).toFixed(1)} s`);

  const server = await startCodeServer({ scratch, logFile: path.join(ARTIFACTS, 'code-server-vsix.log') });
  try {
    const ws = makeWorkspace(path.join(root, 'workspace'));
    const { page } = await ctx.openPage(ws, 'vsix', server, false);
    await waitForWorkbench(page, 'library.bib');
    assert.doesNotMatch(await page.title(), /Extension Development Host/, 'the installed extension, not a development payload');
    await page.click('.activitybar [aria-label^="Related Papers"]');
    const frame = await panelFrame(page);
    const state = await waitForIndexed(frame);
    ctx.log(`installed extension indexed: ${state} — ${(await frame.textContent('#status'))?.trim()}`);
    await frame.locator('#search input').fill('citation recommendation with scientific document embeddings');
    await frame.locator('#search input').press('Enter');
    const items = frame.locator('#suggestions .paper[data-key]');
    await items.first().waitFor({ timeout: 60_000 });
    const n = await items.count();
    await ctx.screenshot(page, 'vsix-results');
    assert.ok(n > 0, 'the query returned results');
    const s = await frame.getAttribute('body', 'data-state');
    assert.equal(s, 'results', `vector results (not lexical-only): the native runtime loaded from the .vsix; state ${s}`);
  } finally {
    await server.stop();
  }
});
