/**
 * `relatedPapers.precision: "auto"` on THE application layer: the first load of a model embeds a
 * fixed sample of up to 64 of the user's own entries in fp32 and int8 (core/index/precisionChoice.ts)
 * and chooses int8 when every pair stays within the threshold. The decision is recorded beside the
 * index (one small JSON file per workspace × model identity × threshold) so it is made once and
 * re-checked only when the model (or the threshold) changes; the chosen precision then names the
 * table, so queries always use the table's precision.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { choosePrecision, precisionRecord, precisionSample, type PrecisionRecord, type SampleCandidate } from '../index/precisionChoice';

export interface AutoPrecisionOptions {
  /** Folder beside the index where decisions are recorded. */
  dir: string;
  workspace: string;
  /** Model identity WITHOUT the precision (base revision + document adapter revision). */
  modelKey: string;
  threshold: number;
  /** The user's entries to sample from (parsed bibliographies or stored rows). */
  entries: () => Promise<readonly SampleCandidate[]>;
  /** Embeds the inputs in both precisions (worker method comparePrecisions). */
  embedBoth: (inputs: { title: string; abstract: string | null }[]) => Promise<{ fp32: Float32Array[]; int8: Float32Array[] }>;
}

export function precisionRecordFile(dir: string, workspace: string, modelKey: string, threshold: number): string {
  const h = createHash('sha256').update(JSON.stringify([workspace, modelKey, threshold])).digest('hex').slice(0, 20);
  return path.join(dir, `precision-${h}.json`);
}

/** The recorded decision, or a new one (computed and recorded). `fresh` tells whether it was computed now. */
export async function autoPrecision(o: AutoPrecisionOptions): Promise<{ record: PrecisionRecord; fresh: boolean }> {
  const file = precisionRecordFile(o.dir, o.workspace, o.modelKey, o.threshold);
  try {
    const r = JSON.parse(fs.readFileSync(file, 'utf8')) as PrecisionRecord;
    if (r.modelId === o.modelKey && r.threshold === o.threshold && (r.precision === 'fp32' || r.precision === 'int8') && r.sampleSize > 0) return { record: r, fresh: false };
  } catch {
    // none yet (or unreadable): decide now
  }
  const sample = precisionSample(await o.entries());
  const record = precisionRecord(await choosePrecision(sample, o.embedBoth, o.threshold), o.modelKey);
  // Nothing to sample yet (an empty library): decide fp32 for now and check again next load.
  if (record.sampleSize > 0) {
    fs.mkdirSync(o.dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(record, null, 2));
  }
  return { record, fresh: true };
}
