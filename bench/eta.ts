/**
 * Checks the indexing time estimate (extension/core/index/eta.ts) against the real duration of a run:
 * the estimate of the TOTAL duration made once the first 10 % of the entries are embedded, vs the
 * measured total (target: within 25 %). Reference in the same run: the naive entry-count estimate.
 *
 * Real worker thread, full-size random-weight SPECTER2 (bench/fullModel.ts), entries fed in 32-entry
 * embed calls as the indexer sends them; a bibliography-like mix: real titles + abstracts, every third
 * entry title-only (old or hand-kept entries often have no abstract), in a fixed shuffled order.
 *
 *   npm run bench:eta [-- --json] [--entries 640] [--precision int8|fp32]
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerClient, workerScript } from '../extension/worker/client';
import { EtaEstimator } from '../extension/core/index/eta';
import { paperText } from '../models/tokenizer/wordpiece';
import type { Precision } from '../models/types';
import { REPO_ROOT } from '../test/helpers/shared';
import { fullSizeModel, loadAverage, papers, round } from './fullModel';
import { rng } from './synthetic';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    entries: { type: 'string', default: '640' },
    precision: { type: 'string', default: 'int8' },
  },
});
const log = (s: string) => process.stderr.write(s + '\n');

async function main() {
  const model = fullSizeModel(log);
  const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
  const client = new WorkerClient(scriptPath, execArgv);
  try {
    const rand = rng(7);
    const entries = papers(Number(values.entries))
      .map((p, i) => ({ title: p.title, abstract: i % 3 === 2 ? null : p.abstract, r: rand() }))
      .sort((a, b) => a.r - b.r)
      .map(({ title, abstract }) => ({ title, abstract }));
    await client.call('loadModel', { modelDir: model.dir, precision: values.precision as Precision, cacheDir: model.cacheDir });
    await client.call('embed', { inputs: entries.slice(0, 4), adapter: 'proximity' }); // warm (as a loaded model is)
    const tokens = (await client.call('tokenize', { texts: entries.map((e) => paperText(e.title, e.abstract)) })).ids.map((x) => x.length);
    const eta = new EtaEstimator(tokens);
    const t0 = performance.now();
    eta.start(t0);
    let done = 0;
    let at10: { elapsed_ms: number; by_tokens_total_ms: number; by_entries_total_ms: number; entries_done: number; work_fraction: number } | undefined;
    for (let i = 0; i < entries.length; i += 32) {
      const batch = entries.slice(i, i + 32);
      await client.call('embed', { inputs: batch, adapter: 'proximity', priority: 'index' });
      const now = performance.now();
      eta.batchDone(tokens.slice(i, i + 32), now);
      done += batch.length;
      if (!at10 && done >= 0.1 * entries.length) {
        const elapsed = now - t0;
        at10 = { elapsed_ms: round(elapsed), by_tokens_total_ms: round(elapsed + eta.remainingMs(now)!), by_entries_total_ms: round(elapsed * entries.length / done), entries_done: done, work_fraction: round(eta.fraction, 3) };
        log(`after ${done} entries (${round(100 * eta.fraction)} % of the work): ${JSON.stringify(at10)}`);
      }
    }
    const real = performance.now() - t0;
    const err = (x: number) => round(Math.abs(x - real) / real, 3);
    const out = {
      entries: entries.length, precision: values.precision, tokens_total: tokens.reduce((a, b) => a + b, 0),
      real_total_ms: round(real), at_10_percent: at10,
      error_by_tokens: err(at10!.by_tokens_total_ms), error_by_entries_reference: err(at10!.by_entries_total_ms),
      target: 'error_by_tokens <= 0.25', pass: err(at10!.by_tokens_total_ms) <= 0.25, loadavg: loadAverage(),
    };
    console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
    if (!out.pass) process.exitCode = 1;
  } finally {
    await client.dispose();
    model.cleanup();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
