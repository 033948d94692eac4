/**
 * Search latency over N synthetic 768-d rows (default 100k) in the real index table.
 *
 *   node --import tsx bench/search.ts [--rows 100000] [--dim 768] [--queries 60] [--k 10] [--json]
 *
 * Measures, in one run and on the same data:
 *  - brute force in plain JS over one contiguous Float32Array (the reference, exact),
 *  - LanceDB exact (flat) cosine search (index bypassed),
 *  - LanceDB with the IVF-flat cosine index the store builds at ≥ VECTOR_INDEX_MIN_ROWS rows,
 *    with recall@k against the exact result,
 *  - the full hybrid path `search()` (vector + BM25 full text + weighted RRF + calibrated relevance) as the
 *    extension calls it, and the one-off cost of computing the index's relevance calibration.
 * Vectors are clustered (random centroids + noise, normalised) so an IVF index sees realistic
 * structure; titles/abstracts come from a small vocabulary so full-text search has work to do.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { IndexStore } from '../extension/core/index/store';
import { recordToRow, type IndexRow } from '../extension/core/index/schema';
import { search } from '../extension/core/index/search';
import { computeCalibration } from '../extension/core/index/calibration';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '768' },
    queries: { type: 'string', default: '60' },
    k: { type: 'string', default: '10' },
    json: { type: 'boolean', default: false },
    /** Keep (and on a later run reuse) the table in this folder. */
    keep: { type: 'string' },
  },
});
const N = Number(values.rows);
const DIM = Number(values.dim);
const Q = Number(values.queries);
const K = Number(values.k);
const log = (s: string) => { if (!values.json) process.stderr.write(s + '\n'); };

/** Small seeded PRNG (mulberry32) so runs are comparable. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(42);
const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

const CENTROIDS = 256;
const centroids = Array.from({ length: CENTROIDS }, () => normalise(Float32Array.from({ length: DIM }, gauss)));
function sample(): Float32Array {
  const c = centroids[Math.floor(rand() * CENTROIDS)];
  const v = new Float32Array(DIM);
  for (let i = 0; i < DIM; i++) v[i] = c[i] + 0.6 * gauss() / Math.sqrt(DIM) * 4;
  return normalise(v);
}
// A Zipf-distributed vocabulary of 20k pseudo-words: like real text, a few words are everywhere and
// most are rare, so BM25 posting lists have realistic lengths (a 20-word vocabulary would make every
// query term match every row).
const VOCAB = 20_000;
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'gu', 'hi', 'be', 'fo', 'ry'];
const WORDS = Array.from({ length: VOCAB }, (_, i) => {
  let w = '';
  for (let x = i + 1; x > 0; x = Math.floor(x / 16)) w += syllables[x % 16];
  return w;
});
const zipfCdf: number[] = [];
{
  let acc = 0;
  for (let r = 1; r <= VOCAB; r++) zipfCdf.push((acc += 1 / Math.pow(r, 1.07)));
  for (let i = 0; i < VOCAB; i++) zipfCdf[i] /= acc;
}
function zipfWord(): string {
  const u = rand();
  let lo = 0, hi = VOCAB - 1;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (zipfCdf[mid] < u) lo = mid + 1; else hi = mid; }
  return WORDS[lo];
}
const phrase = (n: number) => Array.from({ length: n }, zipfWord).join(' ');

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
async function timeIt(fn: (i: number) => Promise<unknown> | unknown, n: number) {
  for (let i = 0; i < 3; i++) await fn(i); // warm-up
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { p50: round(pct(ms, 50)), p95: round(pct(ms, 95)) };
}
const round = (x: number) => Math.round(x * 100) / 100;

async function main() {
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-search-'));
  const all = new Float32Array(N * DIM);
  const store = await IndexStore.open({ dir, workspace: 'bench', space: { embedderId: `bench/synthetic@${DIM}`, dim: DIM } });
  const tLoad = Date.now();
  const BATCH = 5000;
  const reuse = values.keep !== undefined && (await store.count()) === N;
  if (reuse) {
    // --keep DIR with a table of N rows from an earlier run: read its vectors back instead of rebuilding.
    for await (const batch of store.table.query().select(['key', 'vector'])) {
      const keys = batch.getChild('key')!;
      const vecs = batch.getChild('vector')!;
      for (let i = 0; i < batch.numRows; i++) all.set(vecs.get(i).toArray(), Number(String(keys.get(i)).slice(1)) * DIM);
    }
  }
  for (let start = 0; start < N && !reuse; start += BATCH) {
    const rows: IndexRow[] = [];
    for (let i = start; i < Math.min(N, start + BATCH); i++) {
      const v = sample();
      all.set(v, i * DIM);
      const r = recordToRow({ key: `k${i}`, type: 'article', title: phrase(8), abstract: phrase(40), authors: ['Doe, J.'], file: `/bench/f${i % 20}.bib`, line: i + 1 });
      rows.push({ ...r, vector: v });
    }
    await store.upsert(rows);
  }
  const loadMs = Date.now() - tLoad;
  log(`${reuse ? 'reused' : 'loaded'} ${N} rows in ${loadMs} ms`);
  const tIdx = Date.now();
  await store.finishWrites(); // FTS index; IVF-flat vector index when N >= VECTOR_INDEX_MIN_ROWS
  const indexMs = Date.now() - tIdx;
  const indices = (await store.table.listIndices()).map((i) => `${i.name}:${i.indexType}`);
  log(`indices ${indices.join(', ')} built in ${indexMs} ms`);

  const queries = Array.from({ length: Q }, () => sample());
  const qtext = Array.from({ length: Q }, () => phrase(12));

  // Reference: exact top-k in plain JS (vectors are unit length: cosine = dot product).
  const brute = (q: Float32Array) => {
    const top: { i: number; s: number }[] = [];
    for (let i = 0; i < N; i++) {
      let s = 0;
      const o = i * DIM;
      for (let j = 0; j < DIM; j++) s += q[j] * all[o + j];
      if (top.length < K || s > top[top.length - 1].s) {
        top.push({ i, s });
        top.sort((a, b) => b.s - a.s);
        if (top.length > K) top.pop();
      }
    }
    return top;
  };
  const exact = queries.map((q) => new Set(brute(q).map((t) => `k${t.i}`)));
  const jsBrute = await timeIt((i) => brute(queries[i % Q]), Q);
  log(`plain-JS brute force: ${JSON.stringify(jsBrute)}`);

  const flatQ = (i: number) => store.table.vectorSearch(Array.from(queries[i % Q])).distanceType('cosine').bypassVectorIndex().select(['key']).limit(K).toArray();
  const flat = await timeIt(flatQ, Q);
  log(`LanceDB flat: ${JSON.stringify(flat)}`);

  const hasVectorIndex = indices.some((s) => s.startsWith('vector'));
  let ivf: { p50: number; p95: number; recall: number; nprobes: number }[] = [];
  if (hasVectorIndex) {
    for (const nprobes of [10, 20, 40]) {
      const q = (i: number) => store.table.vectorSearch(Array.from(queries[i % Q])).distanceType('cosine').nprobes(nprobes).select(['key']).limit(K).toArray();
      const t = await timeIt(q, Q);
      let hit = 0;
      for (let i = 0; i < Q; i++) for (const r of await q(i)) if (exact[i].has(r.key)) hit++;
      ivf.push({ ...t, recall: round(hit / (Q * K)), nprobes });
      log(`LanceDB IVF-flat nprobes=${nprobes}: ${JSON.stringify(ivf[ivf.length - 1])}`);
    }
  }
  const tCal = performance.now();
  await computeCalibration(store); // once per index (search() stores it); no query embedder here
  const calibrationMs = round(performance.now() - tCal);
  log(`relevance calibration computed in ${calibrationMs} ms`);
  const hybrid = await timeIt((i) => search(store, { queryVector: queries[i % Q], text: qtext[i % Q], k: K, excludeKeys: ['k1', 'k2'] }), Q);
  log(`hybrid search(): ${JSON.stringify(hybrid)}`);
  const lexical = await timeIt((i) => search(store, { text: qtext[i % Q], k: K }), Q);
  log(`lexical search(): ${JSON.stringify(lexical)}`);

  const result = {
    rows: N, dim: DIM, queries: Q, k: K, cpus: os.cpus().length, loadMs, indexMs, indices,
    jsBruteForce: jsBrute, lancedbFlat: flat, lancedbIvfFlat: ivf, hybridSearch: hybrid, lexicalSearch: lexical, calibrationMs,
  };
  if (values.json) process.stdout.write(JSON.stringify(result) + '\n');
  else console.log(JSON.stringify(result, null, 2));
  store.close();
  if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
}
main().catch((e) => { console.error(e); process.exit(1); });
