#!/usr/bin/env node
// `npm run package [-- --target linux-x64] [--skip-build] [--no-verify] [--out FILE]`
// Builds in production mode and packages a PLATFORM-SPECIFIC .vsix with @vscode/vsce.
//
// Why platform-specific: onnxruntime-node and LanceDB are native. One .vsix per target carries only that target's
// binaries (all five ORT platforms together would be ~290 MB). Target matrix (what the native packages ship):
//   target        onnxruntime-node 1.30 (bin/napi-v6/…)   LanceDB 0.31 package
//   linux-x64     linux/x64                               @lancedb/lancedb-linux-x64-gnu
//   linux-arm64   linux/arm64                             @lancedb/lancedb-linux-arm64-gnu
//   win32-x64     win32/x64                               @lancedb/lancedb-win32-x64-msvc
//   win32-arm64   win32/arm64                             @lancedb/lancedb-win32-arm64-msvc
//   darwin-arm64  darwin/arm64                            @lancedb/lancedb-darwin-arm64
// Not possible: darwin-x64 (no ORT 1.30 binary, no LanceDB package), alpine-* (ORT is glibc-only), web.
// A target other than this machine's needs its LanceDB package in node_modules: on a CI job per target run
// `npm ci --os=<os> --cpu=<cpu>` first (npm installs that platform's optional dependencies).
//
// .vscodeignore is an allow-list written for linux-x64; for another target its two "platform" lines are rewritten
// into a temporary ignore file. Packaging FAILS (and deletes the .vsix) when a required file is missing, and — for this
// machine's target — when the unpacked .vsix cannot index and query a bibliography with the tiny model using only
// the node_modules inside the package (that is how the allow-list was found to be complete).
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(`--${name}`); return i >= 0 ? argv[i + 1] : undefined; };
const has = (name) => argv.includes(`--${name}`);

const TARGETS = {
  'linux-x64': { ort: 'linux/x64', lancedb: 'linux-x64-gnu', ext: '.so' },
  'linux-arm64': { ort: 'linux/arm64', lancedb: 'linux-arm64-gnu', ext: '.so' },
  'win32-x64': { ort: 'win32/x64', lancedb: 'win32-x64-msvc', ext: '.dll' },
  'win32-arm64': { ort: 'win32/arm64', lancedb: 'win32-arm64-msvc', ext: '.dll' },
  'darwin-arm64': { ort: 'darwin/arm64', lancedb: 'darwin-arm64', ext: '.dylib' },
};
const host = `${process.platform}-${process.arch}`;
const target = opt('target') ?? host;
const t0 = Date.now();
const fail = (msg) => { console.error(`package: ${msg}`); process.exit(1); };

if (!TARGETS[target]) {
  const why = target === 'darwin-x64'
    ? 'onnxruntime-node 1.30 ships no darwin/x64 binary (node_modules/onnxruntime-node/bin/napi-v6/darwin has arm64 only) and LanceDB 0.39 has no darwin-x64 package'
    : `supported targets: ${Object.keys(TARGETS).join(', ')}`;
  fail(`cannot package for "${target}": ${why}`);
}
const spec = TARGETS[target];
const ortDir = `node_modules/onnxruntime-node/bin/napi-v6/${spec.ort}`;
const lanceDir = `node_modules/@lancedb/lancedb-${spec.lancedb}`;
for (const [dir, hint] of [[ortDir, 'onnxruntime-node is not installed (npm ci)'], [lanceDir, `install it with \`npm ci --os=${target.split('-')[0]} --cpu=${target.split('-')[1]}\``]]) {
  if (!fs.existsSync(path.join(root, dir))) fail(`${dir} is missing for target ${target}: ${hint}`);
}

// ---- 1. production build -------------------------------------------------------------------------------------------
if (!has('skip-build')) {
  console.log('package: production build');
  const r = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--production'], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) fail('production build failed');
}

// ---- 2. the target's allow-list ------------------------------------------------------------------------------------
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-vsix-'));
const ignoreFile = path.join(work, '.vscodeignore');
const base = fs.readFileSync(path.join(root, '.vscodeignore'), 'utf8');
const ignore = base
  .replaceAll('node_modules/onnxruntime-node/bin/napi-v6/linux/x64', ortDir)
  .replaceAll('node_modules/@lancedb/lancedb-linux-x64-gnu', lanceDir);
fs.writeFileSync(ignoreFile, ignore);

const vsce = path.join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
const vsceEnv = { ...process.env, npm_config_loglevel: 'error' };

// ---- 3. vsce package -----------------------------------------------------------------------------------------------
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const out = path.resolve(opt('out') ?? path.join(root, `${pkg.name}-${target}-${pkg.version}.vsix`));
const vsceArgs = [vsce, 'package', '--target', target, '--ignoreFile', ignoreFile, '--out', out, '--allow-missing-repository',
  // README images are relative (docs/…); there is no public repository URL to rewrite them against.
  '--no-rewrite-relative-links'];
if (!fs.existsSync(path.join(root, 'LICENSE')) && !fs.existsSync(path.join(root, 'LICENSE.md'))) vsceArgs.push('--skip-license');
const r = spawnSync(process.execPath, vsceArgs, { cwd: root, env: vsceEnv, stdio: ['ignore', 'inherit', 'inherit'] });
if (r.status !== 0) fail('vsce package failed');

// What is in the package (= `vsce ls`, read from the .vsix itself so dependency detection runs once).
const { unzipSync } = require('fflate');
const listed = [];
unzipSync(fs.readFileSync(out), { filter: (f) => { if (f.name.startsWith('extension/')) listed.push(f.name.slice('extension/'.length)); return false; } });
const broken = (msg) => { fs.rmSync(out, { force: true }); fail(msg); };

// ---- 4. required files (a broken .vsix is deleted) --------------------------------------------------
const required = [
  'package.json',
  'dist/extension.js', 'dist/worker.js', 'dist/cli.js', 'dist/webview/main.js', 'dist/webview/codicon.css', 'dist/webview/codicon.ttf',
  'media/panel.css', 'media/icon.svg',
  'node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js',
  `${ortDir}/onnxruntime_binding.node`,
  'node_modules/onnxruntime-common/dist/cjs/index.js',
  'node_modules/@lancedb/lancedb/package.json', 'node_modules/@lancedb/lancedb/dist/index.js',
  `${lanceDir}/package.json`, `${lanceDir}/lancedb.${spec.lancedb}.node`,
  'node_modules/apache-arrow/Arrow.node.js',
];
const problems = required.filter((f) => !listed.includes(f)).map((f) => `missing ${f}`);
if (!listed.some((f) => f.startsWith(`${ortDir}/`) && f.includes(spec.ext))) problems.push(`missing the ONNX Runtime shared library (${spec.ext}) in ${ortDir}`);
const foreignOrt = listed.filter((f) => f.startsWith('node_modules/onnxruntime-node/bin/') && !f.startsWith(`${ortDir}/`));
if (foreignOrt.length) problems.push(`other platforms' ONNX Runtime binaries included: ${foreignOrt.slice(0, 3).join(', ')}`);
const foreignLance = listed.filter((f) => /^node_modules\/@lancedb\/lancedb-/.test(f) && !f.startsWith(`${lanceDir}/`));
if (foreignLance.length) problems.push(`other LanceDB platform packages included: ${foreignLance.slice(0, 3).join(', ')}`);
const stray = listed.filter((f) => /^(src|extension|models|webview|test|bench|scripts|examples|\.cache|out)\//.test(f) || /\.(map|ts|mts|cts)$/.test(f));
if (stray.length) problems.push(`sources/tests in the package: ${stray.slice(0, 5).join(', ')}`);
const webview = fs.readFileSync(path.join(root, 'dist/webview/main.js'), 'utf8');
if (!webview.includes('vscode-button')) problems.push('dist/webview/main.js does not contain the bundled webview UI toolkit');
if (problems.length) broken(`the package is broken for ${target} (deleted):\n  - ${problems.join('\n  - ')}`);
console.log(`package: ${listed.length} files for ${target}; required files present`);

const size = fs.statSync(out).size;
console.log(`package: ${path.relative(root, out)} — ${(size / 1048576).toFixed(1)} MB (${listed.length} files) in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

// ---- 5. verify: the unpacked package runs on its own node_modules --------------------------------------------------
if (target === host && !has('no-verify')) verify(out);
else console.log(`package: not verified (target ${target} ≠ this machine ${host}${has('no-verify') ? ', or --no-verify' : ''})`);
fs.rmSync(work, { recursive: true, force: true });

function verify(vsix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-vsix-unpacked-'));
  const files = unzipSync(fs.readFileSync(vsix));
  for (const [name, data] of Object.entries(files)) {
    if (!name.startsWith('extension/') || name.endsWith('/')) continue;
    const dest = path.join(dir, name);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, data);
  }
  const ext = path.join(dir, 'extension');
  // The CLI shares the extension's core, worker and native modules: index + query exercises all of them.
  const shared = process.env.RELATED_PAPERS_SHARED ?? path.resolve(root, '..', 'shared');
  const model = path.join(shared, 'fixtures', 'specter2-tiny');
  const bib = path.join(root, 'examples', 'library.bib');
  const db = path.join(dir, 'db');
  const env = { ...process.env, NODE_PATH: '' };
  const run = (args) => spawnSync(process.execPath, [path.join(ext, 'dist', 'cli.js'), ...args], { cwd: dir, env, encoding: 'utf8', timeout: 300_000 });
  const modelArgs = fs.existsSync(model) ? ['--model-dir', model] : [];
  if (!modelArgs.length) console.log(`package: verify without a model (${model} absent): LanceDB + full-text path only`);
  const idx = run(['index', bib, '--db', db, ...modelArgs, '--json']);
  if (idx.status !== 0) broken(`the packaged CLI could not index (exit ${idx.status}):\n${idx.stderr.slice(-3000)}\n${idx.stdout.slice(0, 2000)}`);
  const q = run(['query', '--db', db, ...modelArgs, '--text', 'citation recommendation from the paragraph at the cursor', '--k', '3', '--json']);
  if (q.status !== 0) broken(`the packaged CLI could not query (exit ${q.status}):\n${q.stderr}`);
  if (!/"key"\s*:/.test(q.stdout)) broken(`the packaged CLI returned no results:\n${q.stdout.slice(0, 1000)}`);
  // Every module the bundles leave external must resolve from dist/ to the package's own copy (not a parent's).
  // (Activation itself, which needs the real `vscode`, is covered by test/e2e/vsix.e2e.ts in code-server.)
  const load = spawnSync(process.execPath, ['-e', `
    const dist = ${JSON.stringify(path.join(ext, 'dist'))};
    for (const m of ['onnxruntime-node', '@lancedb/lancedb', 'apache-arrow']) {
      const p = require.resolve(m, { paths: [dist] });
      if (!p.startsWith(${JSON.stringify(ext)})) throw new Error(m + ' resolved outside the package: ' + p);
      require(p);
    }
    console.log('loaded');`], { cwd: dir, env, encoding: 'utf8' });
  if (load.status !== 0 || !load.stdout.includes('loaded')) broken(`the external modules do not load from the package:\n${load.stderr}`);
  console.log('package: verified — the unpacked .vsix indexes and queries examples/library.bib with its own node_modules');
  fs.rmSync(dir, { recursive: true, force: true });
}
