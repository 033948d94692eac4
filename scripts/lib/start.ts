/**
 * `npm start`. Two ways to load the extension, both real:
 *  - default: the workbench URL carries `payload=[["extensionDevelopmentPath", …]]`, i.e. an Extension Development
 *    Host exactly like F5 on the desktop (dev-mode loading from the repo, "[Extension Development Host]" title).
 *    Only the printed URL loads it; a bare http://127.0.0.1:PORT/ does not.
 *  - `--link`: the repo is symlinked into the extensions folder as `related-papers.related-papers-<version>`,
 *    so it is an installed extension for every URL (closer to a user's install, but it ships the whole repo;
 *    `npm run package` + --install-extension is the faithful installed path).
 * State (HOME, XDG, user data, extensions) lives under .cache/start/ and survives restarts.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  REPO_ROOT, ensureCodeServer, freePort, makeScratch, startCodeServer, tinyModel, workbenchUrl, writeUserSettings,
} from './codeServer';

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1] : undefined;
}

/**
 * The model folder to use, and why. relatedPapers.modelFolder is machine-scoped (user settings only), so a real
 * model is configured in .cache/start/user-data/User/settings.json (or via the env var) and kept across runs.
 */
function chooseModel(userDataDir: string): { setting?: string; why: string } {
  if (process.env.RELATED_PAPERS_MODEL_FOLDER) return { setting: process.env.RELATED_PAPERS_MODEL_FOLDER, why: 'RELATED_PAPERS_MODEL_FOLDER' };
  const tiny = tinyModel();
  try {
    const user = JSON.parse(fs.readFileSync(path.join(userDataDir, 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
    const current = user['relatedPapers.modelFolder'];
    if (typeof current === 'string' && current !== '' && current !== tiny) return { setting: current, why: 'configured in the user settings' };
  } catch { /* first run */ }
  if (tiny) return { setting: tiny, why: 'no real model configured: the tiny test model (rankings are not meaningful)' };
  return { why: 'no model configured and no tiny fixture: the panel offers to download SPECTER2' };
}

export async function main(argv: string[]): Promise<void> {
  const folder = path.resolve(flag(argv, 'folder') ?? path.join(REPO_ROOT, 'examples'));
  if (!argv.includes('--no-build')) {
    const r = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('npm run build failed');
  }
  ensureCodeServer();
  const scratch = makeScratch(path.join(REPO_ROOT, '.cache', 'start'));
  const model = chooseModel(scratch.userDataDir);
  writeUserSettings(scratch.userDataDir, model.setting ? { 'relatedPapers.modelFolder': model.setting } : {});

  const link = argv.includes('--link');
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { publisher: string; name: string; version: string };
  const linked = path.join(scratch.extensionsDir, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  fs.rmSync(linked, { force: true, recursive: false });
  if (link) fs.symlinkSync(REPO_ROOT, linked, 'dir');

  const port = Number(flag(argv, 'port') ?? process.env.PORT ?? 0) || await freePort();
  const server = await startCodeServer({ scratch, port, workspace: folder, logFile: path.join(scratch.root, 'code-server.log') });
  const url = link ? `${server.url}?folder=${encodeURIComponent(folder)}` : workbenchUrl(server.port, folder, { extensionDevelopmentPath: REPO_ROOT });
  console.log(`\nRelated Papers in VS Code 1.100.3 (code-server), ${link ? 'installed via symlink' : 'Extension Development Host'}:`);
  console.log(`  model:  ${model.setting ?? '(unchanged)'} — ${model.why}`);
  console.log(`  log:    ${server.logFile}`);
  console.log(`  open:   ${url}\n\nCtrl-C to stop.`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = () => { stopping = true; console.log('\nstopping code-server…'); void server.stop().then(resolve); };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    server.process.once('exit', (code) => {
      if (stopping) return;
      console.error(`code-server exited on its own (${code}); see ${server.logFile}`);
      process.exitCode = 1;
      resolve();
    });
  });
}
