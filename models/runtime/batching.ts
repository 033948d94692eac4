/**
 * Batch planning for transformer inference.
 *
 * Why: padding is wasted compute. Inputs are sorted by token length (longest first) and packed into
 * batches under a token budget (batch × longest ≤ budget) while the batch's padding stays under a
 * fraction of its computed tokens. Sorting keeps neighbours similar in length, so batches stay large.
 * Results are scattered back to input order by the caller using `indices`.
 */

export interface Batch {
  /** Indices into the caller's input array, longest first. */
  indices: number[];
  /** Sequence length every row is padded to (= the longest row). */
  seq: number;
}

export interface BatchPlanOptions {
  /** Max batch × seq tokens per run (memory/latency bound). */
  batchTokens: number;
  /** Max padding tokens / computed tokens within one batch. */
  maxPaddingFraction?: number;
  /** Hard cap on rows per batch. */
  maxBatchSize?: number;
}

export function planBatches(lengths: readonly number[], opts: BatchPlanOptions): Batch[] {
  const maxPad = opts.maxPaddingFraction ?? 0.08;
  const maxRows = opts.maxBatchSize ?? 256;
  const order = lengths.map((_, i) => i).sort((a, b) => lengths[b] - lengths[a] || a - b);
  const batches: Batch[] = [];
  let cur: number[] = [];
  let seq = 0;
  let real = 0;
  for (const i of order) {
    const len = lengths[i];
    if (cur.length > 0) {
      const rows = cur.length + 1;
      const computed = rows * seq;
      const padding = computed - (real + len);
      if (computed > opts.batchTokens || rows > maxRows || padding / computed > maxPad) {
        batches.push({ indices: cur, seq });
        cur = [];
      }
    }
    if (cur.length === 0) { seq = len; real = 0; }
    cur.push(i);
    real += len;
  }
  if (cur.length > 0) batches.push({ indices: cur, seq });
  return batches;
}

/** Padding tokens / computed tokens over a whole plan (the benchmark reports it). */
export function paddingFraction(lengths: readonly number[], batches: readonly Batch[]): number {
  let computed = 0;
  let real = 0;
  for (const b of batches) {
    computed += b.indices.length * b.seq;
    for (const i of b.indices) real += lengths[i];
  }
  return computed === 0 ? 0 : (computed - real) / computed;
}

/** Right-padded int64 ids + mask for one batch (`[PAD]` = id 0 in SPECTER2's vocab, mask 0), as ONNX Runtime wants them. */
export function padBatch(rows: readonly (readonly number[])[], seq: number, padId = 0): { ids: BigInt64Array; mask: BigInt64Array } {
  const ids = new BigInt64Array(rows.length * seq).fill(BigInt(padId));
  const mask = new BigInt64Array(rows.length * seq);
  rows.forEach((row, r) => {
    const base = r * seq;
    for (let t = 0; t < row.length; t++) {
      ids[base + t] = BigInt(row[t]);
      mask[base + t] = 1n;
    }
  });
  return { ids, mask };
}
