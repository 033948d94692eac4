/**
 * `relatedPapers.precision: "auto"`: decide fp32 or int8 for a library from the user's OWN entries.
 *
 * int8 (dynamic quantisation of the MatMul weights) is ~2× faster on CPU, but how close its vectors stay
 * to fp32 depends on the text; a generic benchmark cannot promise it for this bibliography. So on the
 * first load of a model, a fixed sample of up to 64 entries is embedded in both precisions (worker
 * method `comparePrecisions`, models/engine/precisionCheck.ts) and int8 is chosen only when the LEAST
 * similar pair still has cosine ≥ `relatedPapers.autoPrecisionThreshold` (default 0.995).
 *
 * Pure: no vscode, no I/O; the embedding is a parameter. The app layer stores the returned
 * `PrecisionRecord` with the table (and re-checks when the model id changes), shows it in the status
 * tooltip and the log; queries always use the table's precision.
 */
import type { PaperText } from './embedder';

export type Precision = 'fp32' | 'int8';

/** The default of `relatedPapers.autoPrecisionThreshold`. */
export const DEFAULT_AUTO_THRESHOLD = 0.995;
/** Sample size: enough to catch an outlier text, small enough to take seconds on first load. */
export const PRECISION_SAMPLE_SIZE = 64;

export interface SampleCandidate { content_hash: string; title: string; abstract?: string | null }

export interface PrecisionChoice {
  precision: Precision;
  /** Minimum fp32↔int8 cosine over the sample; null when there was nothing to embed (then fp32). */
  minCosine: number | null;
  sampleSize: number;
  threshold: number;
}

/** What is recorded with the table, the status tooltip and the log. */
export interface PrecisionRecord extends PrecisionChoice {
  /** The model the check ran with: a different model id means check again. */
  modelId: string;
  /** ISO time of the check. */
  checkedAt: string;
}

/**
 * The fixed, reproducible sample: the entries with the smallest content hashes (distinct texts only,
 * entries without a title skipped). A hash order is stable across runs and machines and independent
 * of file order, and it is as good as random with respect to the texts' content.
 */
export function precisionSample(entries: readonly SampleCandidate[], size = PRECISION_SAMPLE_SIZE): PaperText[] {
  const byHash = new Map<string, SampleCandidate>();
  for (const e of entries) if (e.title.trim() && !byHash.has(e.content_hash)) byHash.set(e.content_hash, e);
  return [...byHash.keys()].sort().slice(0, size).map((h) => {
    const e = byHash.get(h)!;
    return { title: e.title, abstract: e.abstract ?? null };
  });
}

export function cosine(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`cannot compare a ${a.length}-d and a ${b.length}-d vector`);
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/**
 * Embeds the sample in both precisions and decides. `embedBoth` returns one vector per input per
 * precision, in input order (e.g. `inputs => worker.call('comparePrecisions', { ...model, inputs, adapter: 'proximity' })`).
 */
export async function choosePrecision(
  sample: readonly PaperText[],
  embedBoth: (inputs: { title: string; abstract: string | null }[]) => Promise<{ fp32: Float32Array[]; int8: Float32Array[] }>,
  threshold = DEFAULT_AUTO_THRESHOLD,
): Promise<PrecisionChoice> {
  if (!(threshold >= -1 && threshold <= 1)) throw new Error(`the precision threshold must be a cosine between -1 and 1, got ${threshold}`);
  if (sample.length === 0) return { precision: 'fp32', minCosine: null, sampleSize: 0, threshold };
  const inputs = sample.map((s) => ({ title: s.title, abstract: s.abstract ?? null }));
  const { fp32, int8 } = await embedBoth(inputs);
  if (fp32.length !== inputs.length || int8.length !== inputs.length) {
    throw new Error(`the precision check got ${fp32.length} fp32 and ${int8.length} int8 vectors for ${inputs.length} entries`);
  }
  let minCosine = 1;
  for (let i = 0; i < inputs.length; i++) minCosine = Math.min(minCosine, cosine(fp32[i], int8[i]));
  return { precision: minCosine >= threshold ? 'int8' : 'fp32', minCosine, sampleSize: inputs.length, threshold };
}

export function precisionRecord(choice: PrecisionChoice, modelId: string, now = new Date()): PrecisionRecord {
  return { ...choice, modelId, checkedAt: now.toISOString() };
}

/** One line for the log and the status tooltip. */
export function describePrecision(r: PrecisionChoice): string {
  if (r.minCosine === null) return `precision ${r.precision} (automatic: no entries to check yet)`;
  return `precision ${r.precision} (automatic: int8 vs fp32 cosine ≥ ${r.minCosine.toFixed(4)} on ${r.sampleSize} of your entries; threshold ${r.threshold})`;
}
