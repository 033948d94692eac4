/**
 * `npm run bench:host -- [--json]`: the extension host's event-loop lag (p50/p99/max) while a 10k-entry
 * library is indexed, against its idle lag measured in the same run, and activation time to the first
 * status-bar update — in a real VS Code (code-server 1.100.3; test/vscode/bench/host.bench.ts).
 * Target: p99 lag ≤ 50 ms. The library is the real ACM CHI export from ../shared (10,569 entries);
 * the model is the tiny fixture (the host's share of the work is the same for any model size: parsing,
 * tokenising and inference run in the worker thread).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runHostSuite } from '../test/vscode/runTests';
import { makeWorkspace, REPO_ROOT, tinyModel } from '../scripts/lib/codeServer';
import { sharedPath } from '../test/helpers/shared';

async function main() {
  const json = process.argv.includes('--json');
  const bib = sharedPath('corpora', 'bib-real', 'large', 'acm-chi-1982-2020.bib');
  const model = tinyModel();
  if (!fs.existsSync(bib) || !model) {
    console.error('bench:host needs ../shared (corpora/bib-real/large/acm-chi-1982-2020.bib and fixtures/specter2-tiny)');
    process.exit(2);
  }
  if (!fs.existsSync(path.join(REPO_ROOT, 'dist', 'extension.js'))) { console.error('bench:host: run `npm run build` first'); process.exit(2); }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-host-'));
  const ws = path.join(root, 'workspace');
  fs.mkdirSync(ws, { recursive: true });
  fs.copyFileSync(bib, path.join(ws, 'library.bib'));
  fs.writeFileSync(path.join(ws, 'draft.tex'), '\\section{Intro}\nTouch interaction on mobile displays.\n');
  makeWorkspace(ws, { from: path.join(root, 'nothing-to-copy') });
  const log = console.log;
  if (json) console.log = (...a: unknown[]) => process.stderr.write(a.join(' ') + '\n');
  const r = await runHostSuite({
    src: path.join(REPO_ROOT, 'test', 'vscode', 'bench'),
    workspace: ws,
    settings: { 'relatedPapers.modelFolder': model },
    env: { RELATED_PAPERS_VECTOR_CACHE: path.join(root, 'vector-cache') },
  });
  console.log = log;
  fs.rmSync(root, { recursive: true, force: true });
  const line = r.output.split('\n').find((l) => l.includes('BENCH_HOST '));
  if (r.code !== 0 || !line) { console.error(`bench:host failed (exit ${r.code})`); process.exit(1); }
  const out = { ...JSON.parse(line.slice(line.indexOf('BENCH_HOST ') + 11)), target_lag_p99_ms: 50, model: 'tiny fixture (host-side cost)', cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10) };
  process.stdout.write((json ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
