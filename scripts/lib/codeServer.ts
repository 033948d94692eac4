/**
 * Starting a real VS Code (code-server 4.100.3 = VS Code 1.100.3) for `npm start`, the e2e tests, the
 * extension-host suite (through scripts/code-shim.js) and the .vsix smoke test. One place for: where code-server
 * is installed, the scratch HOME/TMPDIR/XDG folders, the server command line, health checks and teardown.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const CODE_SERVER_VERSION = '4.100.3';
/** Where scripts/install-code-server.sh puts it unless CODE_SERVER_DIR says otherwise. */
export const CODE_SERVER_DIR = process.env.CODE_SERVER_DIR ?? path.join(REPO_ROOT, '.cache', 'code-server');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function codeServerBin(dir = CODE_SERVER_DIR): string {
  return path.join(dir, 'node_modules', '.bin', 'code-server');
}

export function isCodeServerInstalled(dir = CODE_SERVER_DIR): boolean {
  return fs.existsSync(path.join(dir, `.installed-${CODE_SERVER_VERSION}`)) && fs.existsSync(codeServerBin(dir));
}

/** Runs scripts/install-code-server.sh when code-server (or chromium) is missing; returns the binary. */
export function ensureCodeServer(dir = CODE_SERVER_DIR): string {
  if (!isCodeServerInstalled(dir) || !fs.existsSync(CHROMIUM)) {
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'scripts', 'install-code-server.sh'), dir], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error(`scripts/install-code-server.sh ${dir} failed (exit ${r.status})`);
  }
  return codeServerBin(dir);
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** A scratch folder holding HOME, TMPDIR and XDG_* for one run: VS Code, chromium and onnxruntime write there. */
export interface Scratch {
  root: string;
  env: NodeJS.ProcessEnv;
  userDataDir: string;
  extensionsDir: string;
}

export function makeScratch(root: string, base: NodeJS.ProcessEnv = process.env): Scratch {
  const dirs = {
    HOME: path.join(root, 'home'),
    TMPDIR: path.join(root, 'tmp'),
    XDG_CONFIG_HOME: path.join(root, 'xdg-config'),
    XDG_DATA_HOME: path.join(root, 'xdg-data'),
    XDG_CACHE_HOME: path.join(root, 'xdg-cache'),
    XDG_STATE_HOME: path.join(root, 'xdg-state'),
    XDG_RUNTIME_DIR: path.join(root, 'xdg-runtime'),
  };
  for (const d of Object.values(dirs)) fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  const userDataDir = path.join(root, 'user-data');
  const extensionsDir = path.join(root, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...base, ...dirs };
  // test-electron (and an enclosing Electron) may set this; the server must start as a normal Node program.
  delete env.ELECTRON_RUN_AS_NODE;
  return { root, env, userDataDir, extensionsDir };
}

/**
 * User settings that keep the workbench quiet and deterministic (no welcome page, no telemetry), merged into an
 * existing settings.json. `relatedPapers.modelFolder` has scope "machine": VS Code ignores it in workspace
 * settings, so the model folder is configured here, in the (server-side) user settings.
 */
export function writeUserSettings(userDataDir: string, extra: Record<string, unknown> = {}): void {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  let current: Record<string, unknown> = {};
  if (fs.existsSync(file)) {
    try {
      current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // Hand-edited JSONC (comments, trailing commas): never overwrite what the user wrote.
      console.warn(`${file} is not plain JSON; left unchanged (wanted to add: ${Object.keys(extra).join(', ') || 'defaults'})`);
      return;
    }
  }
  const settings = {
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'security.workspace.trust.enabled': false,
    'files.autoSave': 'off',
    'window.restoreWindows': 'none',
    ...current, // what the user changed in a kept profile (npm start) wins over our defaults
    ...extra,
  };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
}

export interface CodeServerOptions {
  scratch: Scratch;
  port?: number;
  /** Folder the server opens when the URL has no ?folder=. */
  workspace?: string;
  /** Server stdout/stderr go here (appended). */
  logFile?: string;
  bin?: string;
}

export interface RunningCodeServer {
  port: number;
  url: string;
  process: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

function get(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.get(url, (r) => { r.resume(); resolve(r.statusCode ?? 0); });
    req.on('error', () => resolve(0));
    req.setTimeout(2000, () => { req.destroy(); resolve(0); });
  });
}

/** Starts code-server on 127.0.0.1 without auth and waits for /healthz. */
export async function startCodeServer(opts: CodeServerOptions): Promise<RunningCodeServer> {
  const bin = opts.bin ?? codeServerBin();
  if (!fs.existsSync(bin)) throw new Error(`code-server not found at ${bin}: run scripts/install-code-server.sh`);
  const port = opts.port ?? await freePort();
  const { scratch } = opts;
  const logFile = opts.logFile ?? path.join(scratch.root, 'code-server.log');
  const out = fs.openSync(logFile, 'a');
  const args = [
    '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--user-data-dir', scratch.userDataDir, '--extensions-dir', scratch.extensionsDir,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--ignore-last-opened',
  ];
  if (opts.workspace) args.push(opts.workspace);
  // detached: own process group, so stop() ends the server, its file watcher and the extension hosts together.
  const child = spawn(bin, args, { env: scratch.env, detached: true, stdio: ['ignore', out, out] });
  fs.closeSync(out);
  let exited: number | null | undefined;
  child.on('exit', (code) => { exited = code; });
  const stop = async (): Promise<void> => {
    if (exited !== undefined) return;
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* already gone */ }
    const end = Date.now() + 5000;
    while (exited === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    if (exited === undefined) { try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ } }
  };
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 60_000;
  while ((await get(`${url}healthz`)) !== 200) {
    if (exited !== undefined) {
      throw new Error(`code-server exited (${exited}) before listening; log: ${logFile}\n${tail(logFile)}`);
    }
    if (Date.now() > deadline) { await stop(); throw new Error(`code-server did not answer /healthz in 60 s; log: ${logFile}`); }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { port, url, process: child, logFile, stop };
}

export function tail(file: string, lines = 30): string {
  try { return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n'); } catch { return ''; }
}

/**
 * URL of the web workbench opening `folder`, optionally with the extension loaded from source and/or an
 * extension-tests entry point. code-server's CLI rejects --extensionDevelopmentPath, but the workbench honours the
 * same options passed as the `payload` query parameter (as vscode-remote:// URIs on the server's authority).
 */
export function workbenchUrl(port: number, folder: string, dev?: { extensionDevelopmentPath: string; extensionTestsPath?: string }): string {
  const authority = `127.0.0.1:${port}`;
  let url = `http://${authority}/?folder=${encodeURIComponent(folder)}`;
  if (dev) {
    const remote = (p: string) => `vscode-remote://${authority}${path.resolve(p)}`;
    const payload: [string, string][] = [['extensionDevelopmentPath', remote(dev.extensionDevelopmentPath)]];
    if (dev.extensionTestsPath) payload.push(['extensionTestsPath', remote(dev.extensionTestsPath)]);
    url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  }
  return url;
}

/** Chromium flags that work headless in a container (VSCODE.md): no sandbox, no GPU, no background traffic. */
export const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
];

/** A copy of examples/ (or `from`) at `dest`, with optional workspace settings (not machine-scoped ones). */
export function makeWorkspace(dest: string, opts: { from?: string; settings?: Record<string, unknown> } = {}): string {
  const from = opts.from ?? path.join(REPO_ROOT, 'examples');
  fs.mkdirSync(dest, { recursive: true });
  if (fs.existsSync(from)) fs.cpSync(from, dest, { recursive: true });
  const vscodeDir = path.join(dest, '.vscode');
  fs.mkdirSync(vscodeDir, { recursive: true });
  const file = path.join(vscodeDir, 'settings.json');
  let current: Record<string, unknown> = {};
  try { current = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>; } catch { /* none or JSONC */ }
  const settings = { ...current, ...opts.settings };
  fs.writeFileSync(file, JSON.stringify(settings, null, 2));
  return dest;
}

/** The tiny SPECTER2-shaped fixture beside the checkout (`../shared`), or undefined when absent. */
export function tinyModel(): string | undefined {
  const shared = process.env.RELATED_PAPERS_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');
  const p = path.join(shared, 'fixtures', 'specter2-tiny');
  return fs.existsSync(p) ? p : undefined;
}

export function mkTemp(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
