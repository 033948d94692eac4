/**
 * 100k entries stay fast and stable:
 *  - builds a 100k-entry index (bench/synthetic.ts: realistic word frequencies, clustered vectors) and
 *    reports its build time (commits + finishWrites: FTS, scalar and IVF indices);
 *  - rebuilds the full-text index ≥ 5 times in a CHILD process per LANCE_CPU_THREADS setting (the
 *    store's mitigation, nativeLoader.ts, sets 4 on machines with < 4 cores; "2" is LanceDB's default
 *    here), with a watchdog that fails the bench when one build exceeds 10 × the median so far;
 *  - search p50/p95 for vector, full text and hybrid through core/index/search.ts, plus the FTS-side
 *    profile (which half costs what; fastSearch, a filter as prefilter);
 *  - chooses the IVF parameters by measurement: recall@10 vs exact (brute force) and p50 per
 *    (partitions, nprobes); the chosen ones live in extension/core/index/annParams.ts;
 *  - memory: RSS of this (host) process before/after, and with the full-size model loaded in the worker.
 *
 *   npm run bench:scale [-- --json] [--rows 100000] [--reps 5] [--queries 50] [--keep DIR] [--no-model]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import { IndexStore } from '../extension/core/index/store';
import { search } from '../extension/core/index/search';
import { ANN_NPROBES, annPartitions } from '../extension/core/index/annParams';
import { loadLanceDb } from '../extension/core/index/nativeLoader';
import { WorkerClient, workerScript } from '../extension/worker/client';
import { REPO_ROOT } from '../test/helpers/shared';
import { SyntheticCorpus, bruteForceTopK, buildSyntheticStore } from './synthetic';
import { loadAverage, pct, round } from './fullModel';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    rows: { type: 'string', default: '100000' },
    reps: { type: 'string', default: '5' },
    queries: { type: 'string', default: '50' },
    keep: { type: 'string' },
    'no-model': { type: 'boolean', default: false },
    'fts-child': { type: 'string' },
    /** Only build the table and run the FTS rebuilds (for --threads comparisons). */
    'fts-only': { type: 'boolean', default: false },
    /** LANCE_CPU_THREADS per FTS child; 'store' = unset, i.e. what nativeLoader.ts chooses. */
    threads: { type: 'string', default: 'store' },
    partitions: { type: 'string' },
    nprobes: { type: 'string', default: '5,10,20,40' },
  },
});
const log = (s: string) => process.stderr.write(s + '\n');
const N = Number(values.rows);
const REPS = Math.max(5, Number(values.reps));
const Q = Number(values.queries);
const K = 10;
const WORKSPACE = 'scale';
const FTS_INDEX = 'fts_text_idx';
const mb = (b: number) => Math.round(b / 2 ** 20);

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const r = await fn();
  return [r, performance.now() - t];
}
async function latency(fn: (i: number) => Promise<unknown>, n: number) {
  for (let i = 0; i < 3; i++) await fn(i);
  const ms: number[] = [];
  for (let i = 0; i < n; i++) ms.push((await timed(() => fn(i)))[1]);
  return { p50_ms: round(pct(ms, 50), 2), p95_ms: round(pct(ms, 95), 2) };
}

/** Child: rebuild the FTS index REPS times over the table in DIR; the watchdog exits 3 on a hang. */
async function ftsChild(dir: string) {
  const store = await IndexStore.open({ dir, workspace: WORKSPACE, space: { embedderId: 'bench/synthetic@768', dim: 768 } });
  const lancedb = loadLanceDb();
  if (!lancedb.ok) throw new Error(lancedb.error.userMessage);
  const times: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const median = times.length ? pct(times, 50) : Infinity;
    // Before a median exists, 2 minutes (a 100k build takes seconds); then 10 × the median so far (at least 5 s: tiny medians jitter).
    const limit = Number.isFinite(median) ? Math.max(5000, 10 * median) : 120_000;
    const watchdog = setTimeout(() => {
      process.stdout.write(JSON.stringify({ threads: process.env.LANCE_CPU_THREADS, times, hung: { rep: i, limit_ms: round(limit) } }) + '\n');
      log(`  LANCE_CPU_THREADS=${process.env.LANCE_CPU_THREADS}: FTS build ${i + 1} exceeded ${Math.round(limit)} ms — a hang (watchdog)`);
      process.exit(3);
    }, limit);
    const [, ms] = await timed(() => store.table.createIndex('fts_text', { config: lancedb.module.Index.fts({ withPosition: false }), replace: true, name: FTS_INDEX }));
    clearTimeout(watchdog);
    times.push(ms);
    log(`  LANCE_CPU_THREADS=${process.env.LANCE_CPU_THREADS}: FTS build ${i + 1}/${REPS} ${Math.round(ms)} ms (load ${loadAverage()[0]})`);
  }
  store.close();
  process.stdout.write(JSON.stringify({ threads: process.env.LANCE_CPU_THREADS, times, hung: null }) + '\n');
}

/** This process's environment without the LANCE_CPU_THREADS that its own nativeLoader set. */
function withoutLanceThreads(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  if (!userLanceThreads) delete env.LANCE_CPU_THREADS;
  return env;
}
const userLanceThreads = process.env.LANCE_CPU_THREADS !== undefined;

function runFtsChild(dir: string, threads: string): Promise<{ threads: string; times: number[]; hung: null | { rep: number; limit_ms: number }; exit: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', __filename, '--fts-child', dir, '--reps', String(REPS)], {
      env: threads === 'store' ? withoutLanceThreads() : { ...process.env, LANCE_CPU_THREADS: threads }, stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('exit', (code) => {
      try {
        resolve({ ...JSON.parse(out.trim().split('\n').pop()!), exit: code });
      } catch {
        reject(new Error(`the FTS child (LANCE_CPU_THREADS=${threads}) exited ${code} without a result`));
      }
    });
  });
}

async function main() {
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-scale-'));
  const rss0 = process.memoryUsage().rss;
  const corpus = new SyntheticCorpus(768);
  try {
    // 1. Build.
    const [built, buildMs] = await timed(() => buildSyntheticStore(dir, WORKSPACE, N, corpus));
    const { store, all } = built;
    const indices = (await store.table.listIndices()).map((i) => `${i.name}:${i.indexType}`);
    log(`built ${N} entries in ${round(buildMs / 1000)} s (commits ${round(built.loadMs / 1000)} s, finishWrites ${round(built.finishMs / 1000)} s): ${indices.join(', ')}`);
    const rssBuilt = process.memoryUsage().rss;

    if (values['fts-only']) {
      store.close();
      const runs = [];
      for (const threads of values.threads!.split(',')) {
        const r = await runFtsChild(dir, threads);
        runs.push({ lance_cpu_threads: Number(r.threads), builds_ms: r.times.map((t) => Math.round(t)), median_ms: Math.round(pct(r.times, 50)), hung: r.hung, loadavg: loadAverage() });
        log(JSON.stringify(runs[runs.length - 1]));
      }
      console.log(JSON.stringify({ rows: N, fts_rebuilds: runs }));
      if (runs.some((r) => r.hung)) process.exitCode = 1;
      return;
    }
    // 2. Search latency, the way the extension calls it.
    const qv = Array.from({ length: Q }, () => corpus.vector());
    const qt = Array.from({ length: Q }, () => corpus.phrase(12));
    const exclude = ['k1', 'k2', 'k3'];
    const searchLatency = {
      vector: await latency((i) => search(store, { queryVector: qv[i % Q], k: 20, excludeKeys: exclude }), Q),
      full_text: await latency((i) => search(store, { text: qt[i % Q], k: 20, excludeKeys: exclude }), Q),
      hybrid: await latency((i) => search(store, { queryVector: qv[i % Q], text: qt[i % Q], k: 20, excludeKeys: exclude }), Q),
    };
    log(`search: ${JSON.stringify(searchLatency)}`);
    // Profile of the full-text half (raw LanceDB queries, pool of 60 as search() fetches).
    const fts = (i: number, o: { where?: boolean; fast?: boolean } = {}) => {
      let q = store.table.query().fullTextSearch(qt[i % Q], { columns: 'fts_text' }).select(['uid', 'key', '_score']).limit(60);
      if (o.where) q = q.where(`NOT (key IN ('k1','k2','k3'))`);
      if (o.fast) q = q.fastSearch();
      return q.toArray();
    };
    const vec = (i: number, o: { where?: boolean; post?: boolean } = {}) => {
      let q = store.table.vectorSearch(Array.from(qv[i % Q])).distanceType('cosine').nprobes(ANN_NPROBES).select(['uid', 'key']).limit(60);
      if (o.where) q = q.where(`NOT (key IN ('k1','k2','k3'))`);
      if (o.post) q = q.postfilter();
      return q.toArray();
    };
    const profile = {
      fts_no_filter: await latency((i) => fts(i), Q),
      fts_prefilter: await latency((i) => fts(i, { where: true }), Q),
      fts_fast_search: await latency((i) => fts(i, { where: true, fast: true }), Q),
      vector_no_filter: await latency((i) => vec(i), Q),
      vector_prefilter: await latency((i) => vec(i, { where: true }), Q),
      vector_postfilter: await latency((i) => vec(i, { where: true, post: true }), Q),
      fetch_display_rows_20: await latency(() => store.entriesByUid(Array.from({ length: 20 }, (_, j) => `u${j}`)), Q),
    };
    log(`profile: ${JSON.stringify(profile)}`);

    // 3. IVF parameters by measurement: recall@10 vs exact, p50.
    // Two query sets: drawn like the rows (near a cluster centre), and "between" queries (the normalised
    // mean of two random rows from different clusters, plus noise) — where IVF loses recall, and closer
    // to a free-text query that matches several topics. The parameters are chosen on the harder one.
    const between = Array.from({ length: Q }, () => {
      const a = all.subarray(Math.floor(Math.random() * N) * 768).subarray(0, 768);
      const b = all.subarray(Math.floor(Math.random() * N) * 768).subarray(0, 768);
      const v = new Float32Array(768);
      for (let j = 0; j < 768; j++) v[j] = a[j] + b[j] + 0.02 * (Math.random() - 0.5);
      let n = 0;
      for (const x of v) n += x * x;
      return v.map((x) => x / Math.sqrt(n));
    });
    const exact = qv.map((q) => new Set(bruteForceTopK(all, 768, q, K).map((i) => `k${i}`)));
    const exactBetween = between.map((q) => new Set(bruteForceTopK(all, 768, q, K).map((i) => `k${i}`)));
    const partitionsList = values.partitions ? values.partitions.split(',').map(Number) : [annPartitions(N), Math.round(annPartitions(N) / 2), annPartitions(N) * 2];
    const ann = [];
    for (const numPartitions of partitionsList) {
      const lancedb = loadLanceDb();
      if (!lancedb.ok) throw new Error(lancedb.error.userMessage);
      const [, ms] = await timed(() => store.table.createIndex('vector', { config: lancedb.module.Index.ivfFlat({ distanceType: 'cosine', numPartitions }), replace: true }));
      for (const nprobes of values.nprobes!.split(',').map(Number)) {
        const q = (i: number) => store.table.vectorSearch(Array.from(qv[i % Q])).distanceType('cosine').nprobes(nprobes).select(['key']).limit(K).toArray();
        const t = await latency(q, Q);
        let hit = 0;
        for (let i = 0; i < Q; i++) for (const r of await q(i)) if (exact[i].has(r.key)) hit++;
        let hitB = 0;
        const qb = (i: number) => store.table.vectorSearch(Array.from(between[i])).distanceType('cosine').nprobes(nprobes).select(['key']).limit(K).toArray();
        for (let i = 0; i < Q; i++) for (const r of await qb(i)) if (exactBetween[i].has(r.key)) hitB++;
        ann.push({ partitions: numPartitions, nprobes, index_build_s: round(ms / 1000), recall_at_10: round(hit / (Q * K), 3), recall_at_10_between: round(hitB / (Q * K), 3), ...t });
        log(`IVF-flat partitions=${numPartitions} nprobes=${nprobes}: ${JSON.stringify(ann[ann.length - 1])}`);
      }
    }
    // Restore the index the store would build (annParams) for anything after this.
    await store.createVectorIndex();
    const chosen = ann.find((a) => a.partitions === annPartitions(N) && a.nprobes === ANN_NPROBES);
    const bf = await latency(async (i) => bruteForceTopK(all, 768, qv[i % Q], K), Math.min(Q, 20));
    store.close();

    // 4. FTS rebuilds: ≥ 5 per LANCE_CPU_THREADS setting, each in its own process (set before the addon loads).
    const ftsRuns = [];
    for (const threads of values.threads!.split(',')) {
      const r = await runFtsChild(dir, threads);
      const med = pct(r.times, 50);
      ftsRuns.push({ lance_cpu_threads: Number(r.threads), builds_ms: r.times.map((t) => Math.round(t)), median_ms: Math.round(med), max_over_median: round(Math.max(...r.times) / med, 2), hung: r.hung, loadavg: loadAverage() });
    }
    const hung = ftsRuns.some((r) => r.hung);

    // 5. Memory with the full-size model in the worker (a thread of this process: its RSS is ours).
    let memory: Record<string, number> = { host_rss_start_mb: mb(rss0), host_rss_after_build_mb: mb(rssBuilt), host_rss_now_mb: mb(process.memoryUsage().rss) };
    if (!values['no-model']) {
      const { fullSizeModel } = await import('./fullModel');
      const model = fullSizeModel(log);
      const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
      const before = process.memoryUsage().rss;
      const client = new WorkerClient(scriptPath, execArgv);
      for (const precision of ['fp32', 'int8'] as const) {
        await client.call('loadModel', { modelDir: model.dir, precision, cacheDir: model.cacheDir });
        await client.call('embed', { inputs: [{ text: 'a warm-up query of a few words' }], adapter: 'adhoc_query' });
        memory[`host_rss_with_${precision}_worker_mb`] = mb(process.memoryUsage().rss);
        memory[`worker_${precision}_delta_mb`] = mb(process.memoryUsage().rss - before);
        await client.call('unloadModel', {});
      }
      await client.dispose();
      model.cleanup();
    }
    const out = {
      rows: N, cpus: os.cpus().length, loadavg_end: loadAverage(),
      build: { total_s: round(buildMs / 1000), commits_s: round(built.loadMs / 1000), finish_writes_s: round(built.finishMs / 1000), indices },
      fts_rebuilds: ftsRuns,
      search: searchLatency, profile,
      ann: { chosen: chosen ?? null, measured: ann, exact_bruteforce_js: bf },
      memory,
    };
    console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
    if (hung) {
      log('FAIL: a full-text index build exceeded 10 × the median (watchdog)');
      process.exitCode = 1;
    }
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (values['fts-child']) ftsChild(values['fts-child']).catch((e) => { console.error(e); process.exit(1); });
else main().catch((e) => { console.error(e); process.exit(1); });
