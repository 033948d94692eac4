/**
 * The IVF (approximate nearest neighbour) parameters of the vector index, chosen by measurement:
 * `npm run bench:scale` builds a 100k-entry table (bench/synthetic.ts: 768-d vectors around 256
 * centres) and measures, per (partitions, nprobes), recall@10 against exact brute-force search for two
 * query sets — drawn like the rows, and "between" two random rows (the harder case for IVF) — and
 * the p50 of a LanceDB vector query.
 *
 * Measured on 2026-12-01 (2 vCPU, load average 8–12 from other jobs; README "Latency"):
 *
 *   partitions  nprobes  recall@10  recall@10 between  p50
 *   316 (√n)      10      0.986        0.994          3.3 ms
 *   316 (√n)      20      0.998        0.998          6.2 ms   ← the previous choice (√n, LanceDB's default 20)
 *   158           20      1.000        1.000          72 ms (!)
 *   632 (2√n)      5      1.000        0.976          2.6 ms
 *   632 (2√n)     10      1.000        0.996          1.9 ms
 *   632 (2√n)     20      1.000        0.996          2.0 ms   ← chosen
 *   632 (2√n)     40      1.000        0.996          2.6 ms
 *
 * Smaller partitions mean fewer vectors scanned per probe; 2√n with 20 probes keeps recall ≥ 0.99 on
 * both query sets with margin over the 0.98 target (nprobes 10 is as good here, but the margin matters
 * for real SPECTER2 vectors, which are less clustered than the synthetic ones), and training 632
 * centroids took no longer than 316. IVF-flat keeps exact cosine distances inside the probed
 * partitions, so there is no quantisation error for a refine step to correct: `refineFactor` stays
 * unset (it only matters for PQ/SQ indices).
 */

/** Partitions for a table of `rows` vectors: 2·√rows (632 at 100k). */
export function annPartitions(rows: number): number {
  return Math.max(1, Math.round(2 * Math.sqrt(rows)));
}

/** Partitions probed per query (LanceDB's default is also 20, stated here so it is a measured choice). */
export const ANN_NPROBES = 20;
