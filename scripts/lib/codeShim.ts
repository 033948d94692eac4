/**
 * A "VS Code executable" for @vscode/test-electron's runTests({ vscodeExecutablePath }): it accepts the command
 * line test-electron builds for the desktop build (--extensionDevelopmentPath=, --extensionTestsPath=,
 * --user-data-dir=, --extensions-dir=, a workspace folder, Electron flags it ignores), runs the suite in
 * code-server's Node extension host through headless chromium, and exits with the suite's exit code.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { launchChromium, runExtensionTestsInPage } from './browser';
import { ensureCodeServer, makeScratch, startCodeServer, tail, workbenchUrl, writeUserSettings } from './codeServer';

function option(argv: string[], name: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
    if (a === `--${name}` && i + 1 < argv.length) return argv[i + 1];
  }
  return undefined;
}

/** Flags that take a separate value in VS Code's CLI; their value is not the workspace. */
const VALUED = new Set(['--extensionDevelopmentPath', '--extensionTestsPath', '--user-data-dir', '--extensions-dir', '--locale']);

export async function main(argv: string[]): Promise<number> {
  const extDev = option(argv, 'extensionDevelopmentPath');
  const tests = option(argv, 'extensionTestsPath');
  if (!extDev || !tests) {
    console.error(`code-shim: needs --extensionDevelopmentPath and --extensionTestsPath (got: ${argv.join(' ')})`);
    return 2;
  }
  const positional = argv.filter((a, i) => !a.startsWith('-') && !VALUED.has(argv[i - 1] ?? ''));
  const root = fs.mkdtempSync(path.join(process.env.CODE_SHIM_SCRATCH ?? os.tmpdir(), 'code-shim-'));
  const scratch = makeScratch(root);
  // Honour test-electron's profile folders (it always passes them) so repeated runs can share or isolate them.
  const udd = option(argv, 'user-data-dir');
  const ext = option(argv, 'extensions-dir');
  if (udd) { scratch.userDataDir = path.resolve(udd); fs.mkdirSync(path.join(udd, 'User'), { recursive: true }); }
  if (ext) { scratch.extensionsDir = path.resolve(ext); fs.mkdirSync(ext, { recursive: true }); }
  writeUserSettings(scratch.userDataDir);
  const folder = positional[0] ? path.resolve(positional[0]) : fs.mkdtempSync(path.join(root, 'ws-'));
  const timeoutMs = Number(process.env.CODE_SHIM_TIMEOUT_MS ?? 300_000);

  ensureCodeServer();
  const server = await startCodeServer({ scratch, workspace: folder });
  const cleanup = () => { void server.stop(); };
  process.on('SIGINT', () => { cleanup(); process.exit(130); });
  process.on('SIGTERM', () => { cleanup(); process.exit(143); });
  const browser = await launchChromium(scratch.env);
  try {
    const page = await browser.newPage();
    const url = workbenchUrl(server.port, folder, { extensionDevelopmentPath: extDev, extensionTestsPath: tests });
    console.log(`code-shim: code-server ${server.url} (log ${server.logFile}); opening ${folder}`);
    const { code, seconds } = await runExtensionTestsInPage(page, url, timeoutMs, (l) => console.log(l));
    console.log(`code-shim: extension tests exited ${code} after ${seconds.toFixed(1)} s`);
    if (code !== 0 && process.env.CODE_SHIM_VERBOSE) console.log(tail(server.logFile, 60));
    return code;
  } finally {
    await browser.close().catch(() => undefined);
    await server.stop();
    if (!process.env.CODE_SHIM_KEEP) fs.rmSync(root, { recursive: true, force: true });
  }
}
