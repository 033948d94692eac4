/**
 * The one seam between the index and the embedding model. The index never knows whether vectors come
 * from SPECTER2 in a worker thread or from a test double; swapping them needs no change here.
 */

export interface PaperText { title: string; abstract?: string | null }

export interface Embedder {
  /** Identifies model + revision + adapter pairing + precision; part of the table name. */
  readonly id: string;
  readonly dim: number;
  /** Documents: proximity adapter; text = title + "[SEP]" + abstract. Results in input order. */
  embedPapers(
    items: PaperText[],
    opts?: { signal?: AbortSignal; onProgress?: (done: number, total: number) => void },
  ): Promise<Float32Array[]>;
  /** Queries: adhoc_query adapter, free text. */
  embedQueries(texts: string[], opts?: { signal?: AbortSignal }): Promise<Float32Array[]>;
}

/** Checks what an embedder returned before it reaches the table: count, dimension, finite values. */
export function checkVectors(vectors: Float32Array[], expected: number, dim: number, embedderId: string): void {
  if (vectors.length !== expected) {
    throw new Error(`embedder ${embedderId} returned ${vectors.length} vectors for ${expected} inputs`);
  }
  vectors.forEach((v, i) => {
    if (v.length !== dim) throw new Error(`embedder ${embedderId} returned a ${v.length}-d vector (expected ${dim}) at position ${i}`);
    for (let j = 0; j < v.length; j++) {
      if (!Number.isFinite(v[j])) throw new Error(`embedder ${embedderId} returned a non-finite value at position ${i}`);
    }
  });
}
