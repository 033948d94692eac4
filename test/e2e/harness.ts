/**
 * A deliberately small test runner for the browser-driven end-to-end tests: each `*.e2e.ts` file registers tests
 * with `e2e(name, fn)`; they run one after another (one code-server + chromium at a time is ≈2.2 GB) and share
 * one code-server with the extension loaded from the repo. Output: `ok - name (Ns)`, `not ok - name: reason`,
 * `skip - name: reason`, and a closing `e2e: N passed, N failed, N skipped` line.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/lib/browser';
import {
  REPO_ROOT, makeScratch, startCodeServer, tinyModel, workbenchUrl, writeUserSettings, type RunningCodeServer, type Scratch,
} from '../../scripts/lib/codeServer';

export const ARTIFACTS = path.join(REPO_ROOT, 'test-results', 'e2e');

export class Skip extends Error {}

export interface E2EContext {
  /** Scratch folder of this run (HOME/TMPDIR/XDG for code-server and chromium). */
  scratch: Scratch;
  /** code-server (the extension comes from the repo via the URL's payload); one per test, started on demand. */
  devServer(): Promise<RunningCodeServer>;
  browser(): Promise<Browser>;
  /** A new page on the dev server opening `folder`; console and page errors go to the test's log file. */
  openPage(folder: string, name: string, server?: RunningCodeServer, devExtension?: boolean): Promise<{ page: Page; context: BrowserContext; logs: string[] }>;
  screenshot(page: Page, name: string): Promise<string>;
  log(msg: string): void;
}

type TestFn = (ctx: E2EContext) => Promise<void>;
const tests: { name: string; fn: TestFn; file: string }[] = [];
let currentFile = '';

export function e2e(name: string, fn: TestFn): void {
  tests.push({ name, fn, file: currentFile });
}

export async function runAll(files: string[], scratchRoot: string, grep?: RegExp): Promise<{ passed: number; failed: number; skipped: number }> {
  for (const f of files) { currentFile = path.basename(f); require(f); }
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const scratch = makeScratch(scratchRoot);
  const model = tinyModel();
  writeUserSettings(scratch.userDataDir, model ? { 'relatedPapers.modelFolder': model } : {});
  let server: RunningCodeServer | undefined;
  let browser: Browser | undefined;
  let open: { page: Page; context: BrowserContext; name: string }[] = [];
  const counts = { passed: 0, failed: 0, skipped: 0 };
  const t0 = Date.now();
  const lap = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
  const ctx: E2EContext = {
    scratch,
    async devServer() {
      server ??= await startCodeServer({ scratch, logFile: path.join(ARTIFACTS, 'code-server.log') });
      return server;
    },
    async browser() {
      browser ??= await launchChromium(scratch.env);
      return browser;
    },
    async openPage(folder, name, srv, devExtension = true) {
      const s = srv ?? await ctx.devServer();
      const context = await (await ctx.browser()).newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      const logs: string[] = [];
      page.on('console', (m: ConsoleMessage) => logs.push(`[${m.type()}] ${m.text()}`));
      page.on('pageerror', (e) => logs.push(`[pageerror] ${e.message}`));
      page.on('close', () => fs.writeFileSync(path.join(ARTIFACTS, `${name}.console.log`), logs.join('\n')));
      // RELATED_PAPERS_EXTENSION_PATH: load another build of the extension (e.g. an unpacked .vsix) from source.
      const ext = process.env.RELATED_PAPERS_EXTENSION_PATH ?? REPO_ROOT;
      const url = workbenchUrl(s.port, folder, devExtension ? { extensionDevelopmentPath: ext } : undefined);
      open.push({ page, context, name });
      await page.goto(url);
      return { page, context, logs };
    },
    async screenshot(page, name) {
      const file = path.join(ARTIFACTS, `${name}.png`);
      await page.screenshot({ path: file }).catch(() => undefined);
      return file;
    },
    log(msg) { console.log(`  [${lap()}] ${msg}`); },
  };
  try {
    for (const t of tests) {
      if (grep && !grep.test(t.name)) continue;
      const started = Date.now();
      try {
        await t.fn(ctx);
        counts.passed++;
        console.log(`ok - ${t.name} (${((Date.now() - started) / 1000).toFixed(1)}s)`);
      } catch (e) {
        if (e instanceof Skip) { counts.skipped++; console.log(`skip - ${t.name}: ${e.message}`); continue; }
        counts.failed++;
        const err = e as Error;
        // Playwright appends a long "Call log"; the first lines and our own frames say what failed.
        // eslint-disable-next-line no-control-regex
        const message = String(err.message).replace(/\x1b\[[0-9;]*m/g, '').split('\nCall log:')[0]!.trim();
        console.log(`not ok - ${t.name} (${t.file}, ${((Date.now() - started) / 1000).toFixed(1)}s): ${message}`);
        const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at .*test\/e2e\//.test(l)).slice(0, 4);
        if (frames.length) console.log(frames.join('\n'));
        for (const o of open) console.log(`  screenshot: ${await ctx.screenshot(o.page, `${o.name}-failure`)}`);
      } finally {
        for (const o of open) await o.context.close().catch(() => undefined);
        open = [];
        // code-server keeps a closed window's extension host alive for reconnection; a desktop window's dies with
        // it. A fresh server per test keeps tests independent (the profile and global storage are kept).
        await server?.stop();
        server = undefined;
      }
    }
  } finally {
    await browser?.close().catch(() => undefined);
    await server?.stop();
  }
  return counts;
}
