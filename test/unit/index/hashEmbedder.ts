/**
 * A deterministic test double for the Embedder seam: a hashed bag-of-words random projection.
 * Texts sharing words get similar vectors (so ranking tests are meaningful), it is instant,
 * and it counts calls/items so tests can prove "zero embedder calls" for unchanged entries.
 * The real SPECTER2 embedder plugs into the same interface (see extension/core/index/embedder.ts).
 */
import { createHash } from 'node:crypto';
import type { Embedder, PaperText } from '../../../extension/core/index/embedder';

export class HashEmbedder implements Embedder {
  readonly id: string;
  calls = 0;
  papersEmbedded = 0;
  queriesEmbedded = 0;
  constructor(readonly dim = 64, opts: { id?: string; delayMsPerItem?: number } = {}) {
    this.id = opts.id ?? `test/hash-bow@${dim}`;
    this.delay = opts.delayMsPerItem ?? 0;
  }
  private readonly delay: number;

  async embedPapers(items: PaperText[], opts?: { signal?: AbortSignal; onProgress?: (d: number, t: number) => void }): Promise<Float32Array[]> {
    this.calls++;
    this.papersEmbedded += items.length;
    if (this.delay) await new Promise((r) => setTimeout(r, this.delay * items.length));
    opts?.signal?.throwIfAborted();
    const out = items.map((p) => this.embedText(`${p.title} ${p.abstract ?? ''}`));
    opts?.onProgress?.(items.length, items.length);
    return out;
  }

  async embedQueries(texts: string[]): Promise<Float32Array[]> {
    this.calls++;
    this.queriesEmbedded += texts.length;
    return texts.map((t) => this.embedText(t));
  }

  embedText(text: string): Float32Array {
    const v = new Float32Array(this.dim);
    const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
    for (const w of words) {
      const h = createHash('sha256').update(w).digest();
      for (let i = 0; i < this.dim; i++) v[i] += (h[i % 32] >> (i >> 5) % 8) & 1 ? 1 : -1;
    }
    let n = 0;
    for (const x of v) n += x * x;
    n = Math.sqrt(n) || 1;
    // An empty text still gets a valid (non-zero) unit vector.
    if (words.length === 0) v[0] = 1;
    else for (let i = 0; i < v.length; i++) v[i] /= n;
    return v;
  }
}
