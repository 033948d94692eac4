/**
 * The IVF (approximate nearest neighbour) parameters of the vector index, chosen by measurement:
 * `npm run bench:scale` builds a 100k-entry table (bench/synthetic.ts: 768-d vectors around 256
 * centres) and measures, per (partitions, nprobes), recall@10 against exact brute-force search for two
 * query sets — drawn like the rows, and "between" two random rows (the harder case for IVF) — and
 * the p50 of a LanceDB vector query.
 *
 * Measured on 2026-12-01 in two runs (2 vCPU, load average 8–12 from other jobs; README "Latency");
 * recall@10 as near-cluster / between queries, p50 of one LanceDB vector query:
 *
 *   partitions  nprobes   run A: recall      p50     run B: recall      p50
 *   316 (√n)      10       0.986 / 0.994    3.3 ms    0.984 / 0.988    4.7 ms
 *   316 (√n)      20       0.998 / 0.998    6.2 ms    0.994 / 0.988    7.3 ms   ← previous choice
 *   632 (2√n)     10       1.000 / 0.996    1.9 ms    0.996 / 0.974    2.0 ms
 *   632 (2√n)     20       1.000 / 0.996    2.0 ms    0.996 / 0.982    2.2 ms
 *   632 (2√n)     40       1.000 / 0.996    2.6 ms    1.000 / 0.990    2.4 ms   ← chosen
 *   1264 (4√n)    20                                  1.000 / 0.982    2.4 ms
 *   158           20       1.000 / 1.000     72 ms
 *
 * Smaller partitions mean fewer vectors scanned per probe: 2√n partitions with 40 probes scan ~6 % of
 * the rows (√n with 20 scanned the same share in larger, slower partitions) and kept recall ≥ 0.99 on
 * both query sets in both runs — margin over the 0.98 target, which the real SPECTER2 vectors (less
 * clustered than the synthetic ones) may need; 20 probes dipped to 0.982 on the harder set. Training
 * 632 centroids took as long as 316 (≈ 22 s at 100k under that load). IVF-flat keeps exact cosine
 * distances inside the probed partitions, so there is no quantisation error for a refine step to
 * correct: `refineFactor` stays unset (it only matters for PQ/SQ indices).
 */

/**
 * From how many vectors the store builds the IVF index (below it LanceDB scans exactly). Measured at
 * 10,000 rows (bench:scale --rows 10000, load average 5–8): exact flat scan p50 27–36 ms (it was the
 * slowest part of a 10k-entry suggestion in bench:suggest), IVF-flat with 200 partitions and 40 probes
 * 8.8 ms at recall@10 1.000 / 0.992, built in 2.9 s once. The previous threshold was 20,000.
 */
export const ANN_MIN_ROWS = 10_000;

/** Partitions for a table of `rows` vectors: 2·√rows (632 at 100k). */
export function annPartitions(rows: number): number {
  return Math.max(1, Math.round(2 * Math.sqrt(rows)));
}

/** Partitions probed per query (LanceDB's default is 20). */
export const ANN_NPROBES = 40;
