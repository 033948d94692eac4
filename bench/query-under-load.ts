/**
 * "A query never waits behind indexing": cursor-query latency through the REAL worker thread while a
 * 10k-entry first run is embedding, vs the same queries on the idle worker, for three designs:
 *
 *   fifo    the lane disabled (RELATED_PAPERS_PRIORITY_LANE=0): runs in arrival order, full 8192-token batches
 *   lane    one thread; queries go before queued index runs; index batches run in ≤ 1024-token slices
 *           while the writer is active (models/engine/runLane.ts)
 *   thread  lane + a second, query-only worker thread with its own ORT session; the index thread pauses
 *           between slices while a query runs there (WorkerClient { queryThread: true })
 *
 *   npm run bench:query-under-load [-- --json] [--precision fp32|int8] [--queries N] [--tokens 64] [--modes fifo,lane,thread]
 *
 * Full-size random-weight model (bench/fullModel.ts). The index load is fed as the indexer does it
 * (embed calls of 32 entries, one after another, priority 'index'); queries arrive at a writer's pace
 * (one every 200–600 ms after the previous answer). Target: under-load p95 ≤ 2 × idle p95.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerClient, workerScript } from '../extension/worker/client';
import { REPO_ROOT } from '../test/helpers/shared';
import { contexts, fullSizeModel, loadAverage, papers, pct, round, sleep } from './fullModel';
import type { Precision } from '../models/types';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    precision: { type: 'string', default: 'fp32' },
    queries: { type: 'string', default: '40' },
    tokens: { type: 'string', default: '64' },
    modes: { type: 'string', default: 'fifo,lane,thread' },
    entries: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '4' },
    'query-threads': { type: 'string' },
  },
});
const log = (s: string) => process.stderr.write(s + '\n');
const Q = Number(values.queries);
const precision = values.precision as Precision;

async function measure(mode: string, model: ReturnType<typeof fullSizeModel>, texts: string[]) {
  if (mode === 'fifo') process.env.RELATED_PAPERS_PRIORITY_LANE = '0';
  else delete process.env.RELATED_PAPERS_PRIORITY_LANE;
  const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
  const client = new WorkerClient(scriptPath, execArgv, { queryThread: mode === 'thread', queryThreadIntraOp: values['query-threads'] ? Number(values['query-threads']) : undefined });
  try {
    await client.call('loadModel', { modelDir: model.dir, precision, cacheDir: model.cacheDir });
    const query = async (text: string) => {
      const t = performance.now();
      await client.call('embed', { inputs: [{ text }], adapter: 'adhoc_query', priority: 'query' });
      return performance.now() - t;
    };
    for (const t of texts.slice(0, 3)) await query(t); // warm-up (and the query thread's model load)
    // Idle and loaded phases alternate in rounds, so drift in what else the machine runs hits both alike.
    const all = papers(Number(values.entries));
    const idle: number[] = [];
    const loaded: number[] = [];
    let embedded = 0;
    let indexMs = 0;
    let next = 0;
    const rounds = Number(values.rounds);
    const per = Math.ceil(texts.length / rounds);
    for (let round = 0; round < rounds; round++) {
      const mine = texts.slice(round * per, (round + 1) * per);
      for (const t of mine) idle.push(await query(t));
      // The first run: 32-entry embed calls back to back (as the indexer sends them) until the queries are done.
      const stop = new AbortController();
      const t0 = performance.now();
      const indexing = (async () => {
        while (!stop.signal.aborted) {
          const batch = all.slice(next % all.length, (next % all.length) + 32);
          await client.call('embed', { inputs: batch, adapter: 'proximity', priority: 'index' }, { signal: stop.signal })
            .then(() => { embedded += batch.length; next += 32; }, () => undefined);
        }
      })();
      await sleep(1500); // into the middle of a big run
      for (const t of mine) {
        loaded.push(await query(t));
        await sleep(200 + Math.random() * 400);
      }
      stop.abort();
      await indexing;
      indexMs += performance.now() - t0;
    }
    const indexSeconds = indexMs / 1000;
    const r = {
      mode,
      idle_p50_ms: round(pct(idle, 50)), idle_p95_ms: round(pct(idle, 95)),
      load_p50_ms: round(pct(loaded, 50)), load_p95_ms: round(pct(loaded, 95)), load_max_ms: round(Math.max(...loaded)),
      ratio_p95: round(pct(loaded, 95) / pct(idle, 95), 2),
      index_entries_per_s_under_queries: round(embedded / indexSeconds, 2),
      loadavg: loadAverage(),
    };
    log(JSON.stringify(r));
    return r;
  } finally {
    await client.dispose();
  }
}

async function main() {
  const model = fullSizeModel(log);
  try {
    const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
    const tok = new WorkerClient(scriptPath, execArgv);
    await tok.call('loadModel', { modelDir: model.dir, precision, cacheDir: model.cacheDir }); // builds the graph once
    const texts = await contexts(Q, Number(values.tokens), async (t) => (await tok.call('tokenize', { texts: t })).ids.map((x) => x.length));
    await tok.dispose();
    const rows = [];
    for (const mode of values.modes!.split(',')) rows.push(await measure(mode, model, texts));
    const out = { precision, queries: Q, context_tokens: Number(values.tokens), target: 'load_p95_ms <= 2 * idle_p95_ms', rows };
    if (values.json) console.log(JSON.stringify(out));
    else console.log(JSON.stringify(out, null, 2));
  } finally {
    model.cleanup();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
