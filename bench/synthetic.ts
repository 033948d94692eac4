/**
 * Synthetic index rows for the scale and latency benches, generated as bench/search.ts does (seeded, so
 * runs are comparable): 768-d vectors clustered around 256 random centroids (an IVF index sees
 * realistic structure) and titles/abstracts drawn from a Zipf-distributed 20k-word vocabulary (like
 * real text: a few words everywhere, most rare, so BM25 posting lists have realistic lengths).
 */
import { IndexStore } from '../extension/core/index/store';
import { recordToRow, type IndexRow } from '../extension/core/index/schema';

export function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SyntheticCorpus {
  private readonly rand: () => number;
  private readonly centroids: Float32Array[];
  private readonly words: string[];
  private readonly zipfCdf: number[] = [];

  constructor(readonly dim = 768, seed = 42, vocab = 20_000, centroids = 256) {
    this.rand = rng(seed);
    this.centroids = Array.from({ length: centroids }, () => normalise(Float32Array.from({ length: dim }, () => this.gauss())));
    const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'ta', 'vo', 'zi', 'pe', 'sa', 'do', 'gu', 'hi', 'be', 'fo', 'ry'];
    this.words = Array.from({ length: vocab }, (_, i) => {
      let w = '';
      for (let x = i + 1; x > 0; x = Math.floor(x / 16)) w += syllables[x % 16];
      return w;
    });
    let acc = 0;
    for (let r = 1; r <= vocab; r++) this.zipfCdf.push((acc += 1 / Math.pow(r, 1.07)));
    for (let i = 0; i < vocab; i++) this.zipfCdf[i] /= acc;
  }

  private gauss(): number {
    return Math.sqrt(-2 * Math.log(this.rand() + 1e-12)) * Math.cos(2 * Math.PI * this.rand());
  }

  vector(): Float32Array {
    const c = this.centroids[Math.floor(this.rand() * this.centroids.length)];
    const v = new Float32Array(this.dim);
    for (let i = 0; i < this.dim; i++) v[i] = c[i] + (0.6 * this.gauss() / Math.sqrt(this.dim)) * 4;
    return normalise(v);
  }

  word(): string {
    const u = this.rand();
    let lo = 0, hi = this.words.length - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (this.zipfCdf[mid] < u) lo = mid + 1; else hi = mid; }
    return this.words[lo];
  }

  phrase(n: number): string {
    return Array.from({ length: n }, () => this.word()).join(' ');
  }

  row(i: number): IndexRow {
    const v = this.vector();
    const r = recordToRow({ key: `k${i}`, type: 'article', title: this.phrase(8), abstract: this.phrase(40), authors: ['Doe, J.'], file: `/bench/f${i % 20}.bib`, line: i + 1 });
    return { ...r, vector: v };
  }
}

export function normalise(v: Float32Array): Float32Array {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/**
 * A table of `n` synthetic rows, written in 5000-row commits like a first run, then `finishWrites`
 * (FTS, scalar and — from VECTOR_INDEX_MIN_ROWS — IVF indices). Returns the vectors too (for exact search).
 */
export async function buildSyntheticStore(dir: string, workspace: string, n: number, corpus: SyntheticCorpus) {
  const store = await IndexStore.open({ dir, workspace, space: { embedderId: `bench/synthetic@${corpus.dim}`, dim: corpus.dim } });
  const all = new Float32Array(n * corpus.dim);
  const t0 = performance.now();
  for (let start = 0; start < n; start += 5000) {
    const rows: IndexRow[] = [];
    for (let i = start; i < Math.min(n, start + 5000); i++) {
      const r = corpus.row(i);
      all.set(r.vector!, i * corpus.dim);
      rows.push(r);
    }
    await store.upsert(rows);
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  await store.finishWrites();
  return { store, all, loadMs, finishMs: performance.now() - t1 };
}

/** Exact top-k by dot product (unit vectors: = cosine) over one contiguous array: the reference. */
export function bruteForceTopK(all: Float32Array, dim: number, q: Float32Array, k: number): number[] {
  const n = all.length / dim;
  const top: { i: number; s: number }[] = [];
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let j = 0; j < dim; j++) s += q[j] * all[o + j];
    if (top.length < k || s > top[top.length - 1].s) {
      top.push({ i, s });
      top.sort((a, b) => b.s - a.s);
      if (top.length > k) top.pop();
    }
  }
  return top.map((t) => t.i);
}
