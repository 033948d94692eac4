#!/usr/bin/env node
// The whole test suite, every layer, with one closing line `N passed, N failed[, N skipped]` for CI.
//   node test/run-all.mjs                 typecheck + build + unit/integration + extension host + e2e
//   node test/run-all.mjs --layers unit   only some layers (comma list: typecheck,unit,vscode,e2e)
// Layers:
//   typecheck  `tsc --noEmit` for the node code and for the webview (DOM) code; counted as one test each
//   unit       node:test over test/unit/**/*.test.ts and test/integration/**/*.test.ts (plain Node, no VS Code)
//   vscode     the mocha suite inside a real VS Code extension host (test/vscode/run.mjs)
//   e2e        browser-driven end-to-end tests of the real workbench (test/e2e/run.mjs)
// Each external layer runner ends with a line `<layer>: N passed, N failed[, N skipped]`, which is summed here.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/**
 * Every process a layer starts gets a fresh shared vector cache: tests must not read vectors an earlier
 * run or layer left (that turns "embedded" into "reused" and a crash test into no crash), nor write into
 * the user's real cache.
 */
const freshVectorCache = () => fs.mkdtempSync(path.join(os.tmpdir(), 'rp-test-vector-cache-'));
const argLayers = (() => {
  const i = process.argv.indexOf('--layers');
  return i > 0 ? process.argv[i + 1].split(',') : ['typecheck', 'unit', 'vscode', 'e2e'];
})();
const totals = { passed: 0, failed: 0, skipped: 0 };
const report = [];
/** Why tests were skipped: reason → count (printed loudly before the closing line). */
const skipReasons = new Map();
let built = false;

function run(cmd, args, opts = {}) {
  return new Promise((resolve) => {
    let out = '';
    const child = spawn(cmd, args, { cwd: root, env: { ...process.env, RELATED_PAPERS_VECTOR_CACHE: freshVectorCache(), ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tee = (stream, dest) => stream.on('data', (d) => { out += d; dest.write(d); });
    tee(child.stdout, process.stdout);
    tee(child.stderr, process.stderr);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
}

function walk(dir, pred, acc = []) {
  if (!fs.existsSync(dir)) return acc;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, pred, acc);
    else if (pred(p)) acc.push(p);
  }
  return acc.sort();
}

function lastCount(out, layer) {
  const re = new RegExp(`^${layer}: (\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?\\s*$`, 'gm');
  let m, last;
  while ((m = re.exec(out))) last = m;
  return last ? { passed: +last[1], failed: +last[2], skipped: +(last[3] ?? 0) } : undefined;
}

function add(layer, c) {
  // A layer that executed no test has failed: a green line over nothing would hide a broken runner.
  if (c.passed + c.failed === 0) {
    console.log(`\n== ${layer}: executed ZERO tests — counted as a failure`);
    c = { ...c, failed: 1 };
  }
  totals.passed += c.passed; totals.failed += c.failed; totals.skipped += c.skipped;
  report.push(`${layer.padEnd(10)} ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
}

function noteSkips(layer, out, count) {
  let named = 0;
  for (const m of out.matchAll(/# SKIP ?(.*)$/gm)) {
    const reason = (m[1] || 'no reason given').trim().slice(0, 160);
    skipReasons.set(`${layer}: ${reason}`, (skipReasons.get(`${layer}: ${reason}`) ?? 0) + 1);
    named++;
  }
  if (count > named) skipReasons.set(`${layer}: (reason not reported)`, (skipReasons.get(`${layer}: (reason not reported)`) ?? 0) + count - named);
}

/** The extension-host and end-to-end layers run dist/: build it now so they never test a stale bundle. */
async function buildOnce() {
  if (built) return true;
  console.log('\n== build (the vscode and e2e layers run dist/)');
  const r = await run(process.execPath, [path.join(root, 'scripts/build.mjs')]);
  built = r.code === 0;
  return built;
}

const layers = {
  async typecheck() {
    const projects = ['tsconfig.json', 'webview/tsconfig.json', 'test/unit/webview/tsconfig.json'].filter((p) => fs.existsSync(path.join(root, p)));
    const c = { passed: 0, failed: 0, skipped: 0 };
    for (const p of projects) {
      console.log(`\n== typecheck ${p}`);
      const r = await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', p]);
      r.code === 0 ? c.passed++ : c.failed++;
    }
    add('typecheck', c);
  },
  async unit() {
    const files = [
      ...walk(path.join(root, 'test/unit'), (p) => p.endsWith('.test.ts')),
      ...walk(path.join(root, 'test/integration'), (p) => p.endsWith('.test.ts')),
    ];
    console.log(`\n== unit + integration (${files.length} files)`);
    const tap = path.join(root, 'test-results', 'unit.tap');
    fs.mkdirSync(path.dirname(tap), { recursive: true });
    const r = await run(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-reporter-destination=stdout',
      '--test-reporter=tap', `--test-reporter-destination=${tap}`, ...files]);
    const text = fs.existsSync(tap) ? fs.readFileSync(tap, 'utf8') : '';
    const num = (k) => { const m = text.match(new RegExp(`^# ${k} (\\d+)$`, 'm')); return m ? +m[1] : 0; };
    // Node's TAP summary: `# pass` does NOT include skipped tests (`# tests` = pass + fail + cancelled + skipped + todo).
    const c = { passed: num('pass'), failed: num('fail') + num('cancelled'), skipped: num('skipped') + num('todo') };
    if (r.code !== 0 && c.failed === 0) c.failed = 1; // the runner itself failed (e.g. a file did not load)
    noteSkips('unit', text, c.skipped);
    add('unit', c);
  },
  async vscode() {
    await external('vscode', 'test/vscode/run.mjs');
  },
  async e2e() {
    await external('e2e', 'test/e2e/run.mjs');
  },
};

async function external(layer, script) {
  if (!fs.existsSync(path.join(root, script))) {
    console.log(`\n== ${layer}: ${script} not present`);
    add(layer, { passed: 0, failed: 1, skipped: 0 });
    return;
  }
  if (!(await buildOnce())) {
    console.log(`\n== ${layer}: not run — the build failed, and dist/ would be stale`);
    add(layer, { passed: 0, failed: 1, skipped: 0 });
    return;
  }
  console.log(`\n== ${layer}`);
  const r = await run(process.execPath, [path.join(root, script)]);
  const c = lastCount(r.out, layer) ?? { passed: 0, failed: 1, skipped: 0 };
  if (r.code !== 0 && c.failed === 0) c.failed = 1;
  noteSkips(layer, r.out, c.skipped);
  add(layer, c);
}

for (const l of argLayers) {
  if (!layers[l]) { console.error(`unknown layer ${l}`); process.exit(2); }
  await layers[l]();
}
console.log('\n== summary');
for (const line of report) console.log(line);
if (totals.skipped > 0) {
  const why = [...skipReasons].map(([r, n]) => `${n}× ${r}`).join('; ');
  console.log(`!!! ${totals.skipped} TESTS SKIPPED — ${why}`);
}
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed === 0 ? 0 : 1);
