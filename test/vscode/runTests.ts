/**
 * Runs the mocha suite in test/vscode/suite INSIDE a real VS Code extension host, through the standard runner
 * `@vscode/test-electron` `runTests()`.
 *
 * - Here (no desktop VS Code can be downloaded): `vscodeExecutablePath` is scripts/code-shim.js, which runs the
 *   suite in code-server 4.100.3 (VS Code 1.100.3, Node extension host) driven by headless chromium.
 * - On a desktop CI with internet: `VSCODE_TEST_DESKTOP=1` drops the shim, test-electron downloads VS Code
 *   (`VSCODE_TEST_VERSION`, default 1.100.3) and runs the very same compiled suite in Electron (on Linux under
 *   xvfb-run).
 *
 * The suite's own last line is `vscode: N passed, N failed, N skipped`; this runner repeats it as its closing line
 * (or reports one failure when the suite never got to print it, e.g. the extension host died).
 */
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';
import { REPO_ROOT, makeScratch, makeWorkspace, tinyModel, writeUserSettings } from '../../scripts/lib/codeServer';

const SUITE_SRC = path.join(REPO_ROOT, 'test', 'vscode', 'suite');
const SUITE_OUT = path.join(REPO_ROOT, 'out', 'test', 'vscode', 'suite');
const SHIM = path.join(REPO_ROOT, 'scripts', 'code-shim.js');
const COUNT_LINE = /^vscode: (\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$/m;

/** Tees this process's stdout into a string (the suite's count line) while still streaming it. */
function captureStdout(): { text: () => string; stop: () => void } {
  let seen = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    seen += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  return { text: () => seen, stop: () => { process.stdout.write = write; } };
}

/** Bundles every suite file on its own (mocha adds them one by one); node_modules stay external. */
export async function buildSuite(src = SUITE_SRC, out = SUITE_OUT): Promise<string[]> {
  const entries = fs.readdirSync(src).filter((f) => f.endsWith('.ts')).map((f) => path.join(src, f));
  fs.rmSync(out, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: entries, outdir: out, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    packages: 'external', external: ['vscode'], sourcemap: 'inline', logLevel: 'warning',
  });
  return entries;
}

/**
 * Runs an extension-host suite other than the test suite (bench/host.ts): its own folder of mocha files, its
 * own workspace and environment, same shim. Returns the exit code and everything the suite printed.
 */
export async function runHostSuite(opts: { src: string; workspace: string; settings: Record<string, unknown>; env: Record<string, string> }): Promise<{ code: number; output: string }> {
  const out = path.join(REPO_ROOT, 'out', 'test', 'vscode', path.basename(opts.src));
  await buildSuite(opts.src, out);
  const scratchRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-vscode-'));
  const scratch = makeScratch(scratchRoot);
  writeUserSettings(scratch.userDataDir, opts.settings);
  const captured = captureStdout();
  try {
    const code = await runTests({
      vscodeExecutablePath: SHIM,
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(out, 'index.js'),
      launchArgs: [opts.workspace, `--user-data-dir=${scratch.userDataDir}`, `--extensions-dir=${scratch.extensionsDir}`, '--disable-extensions'],
      extensionTestsEnv: { ...scratch.env, ...opts.env, CODE_SHIM_SCRATCH: scratchRoot },
    });
    return { code, output: captured.text() };
  } finally {
    captured.stop();
    fs.rmSync(scratchRoot, { recursive: true, force: true });
  }
}

export async function main(argv: string[]): Promise<number> {
  const t0 = Date.now();
  const desktop = process.env.VSCODE_TEST_DESKTOP === '1' || argv.includes('--desktop');
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) {
    console.error('vscode: dist/extension.js missing: run `npm run build` first');
    console.log('vscode: 0 passed, 1 failed, 0 skipped');
    return 1;
  }
  await buildSuite();

  const scratchRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-vscode-'));
  const scratch = makeScratch(scratchRoot);
  const model = tinyModel();
  if (!model) console.log('vscode: ../shared/fixtures/specter2-tiny absent: model-dependent tests will skip');
  // relatedPapers.modelFolder is machine-scoped: user settings, not the workspace's .vscode/settings.json.
  writeUserSettings(scratch.userDataDir, model ? { 'relatedPapers.modelFolder': model } : {});
  const workspace = makeWorkspace(path.join(scratchRoot, 'workspace'));

  // Capture the suite's count line while still streaming everything test-electron prints.
  const captured = captureStdout();

  let code: number;
  try {
    code = await runTests({
      ...(desktop ? { version: process.env.VSCODE_TEST_VERSION ?? '1.100.3' } : { vscodeExecutablePath: SHIM }),
      extensionDevelopmentPath: REPO_ROOT,
      extensionTestsPath: path.join(SUITE_OUT, 'index.js'),
      launchArgs: [workspace, `--user-data-dir=${scratch.userDataDir}`, `--extensions-dir=${scratch.extensionsDir}`, '--disable-extensions'],
      // The first worker thread of the session crashes after its 2nd embed batch: every later test runs on a
      // healed worker (the indexing suite checks that indexing finished anyway, with one restart).
      extensionTestsEnv: { ...scratch.env, RELATED_PAPERS_TEST_MODEL: model ?? '', CODE_SHIM_SCRATCH: scratchRoot, RELATED_PAPERS_WORKER_CRASH_AFTER: '2' },
    });
  } catch (e) {
    console.error(`vscode: ${(e as Error).message}`);
    code = 1;
  } finally {
    captured.stop();
  }
  const seen = captured.text();
  const m = COUNT_LINE.exec(seen.split('\n').filter((l) => COUNT_LINE.test(l)).pop() ?? '');
  const counts = m ? { passed: +m[1]!, failed: +m[2]!, skipped: +(m[3] ?? 0) } : { passed: 0, failed: 0, skipped: 0 };
  if (code !== 0 && counts.failed === 0) counts.failed = 1; // crashed before or outside the suite
  if (!process.env.KEEP_SCRATCH) fs.rmSync(scratchRoot, { recursive: true, force: true });
  console.log(`vscode: extension-host layer took ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`vscode: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  return counts.failed === 0 ? 0 : 1;
}
