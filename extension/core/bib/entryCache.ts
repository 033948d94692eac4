/**
 * Content-addressed cache of decoded entries, so that re-parsing an edited 10k-entry file only decodes the entries
 * whose decoding input changed. The key is a hash of exactly what decoding reads (type, key and the macro-expanded,
 * crossref-inherited raw values of the fields a record uses), so editing an @string or a crossref parent correctly
 * invalidates the entries that depend on it and nothing else.
 */
import type { BibRecord, SourceDiagnostic } from '../types';

/** A decoded record without its location (the same entry text can move within or between files). */
export type DecodedEntry = {
  record: Omit<BibRecord, 'file' | 'line'>;
  /** Decoder problems, re-emitted on every parse that uses the cached value (without file/line). */
  problems: Pick<SourceDiagnostic, 'message' | 'severity'>[];
  /** For entries cached under their raw-text hash: the @string macros they read, with the values used. */
  macroDeps?: [name: string, value: string][];
};

export class EntryCache {
  private readonly map = new Map<string, DecodedEntry>();

  /** Number of entries decoded (cache misses) since construction; tests and benchmarks read it. */
  decodes = 0;
  hits = 0;

  constructor(readonly maxEntries = 250_000) {}

  get size(): number {
    return this.map.size;
  }

  get(hash: string): DecodedEntry | undefined {
    const v = this.map.get(hash);
    if (v) this.hits++;
    return v;
  }

  set(hash: string, value: DecodedEntry): void {
    if (this.map.size >= this.maxEntries) {
      // Oldest-inserted first: entries of files that are still being re-parsed are re-inserted on use.
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(hash, value);
  }

  /** Moves a used entry to the young end so eviction drops entries no file uses any more. */
  touch(hash: string, value: DecodedEntry): void {
    this.map.delete(hash);
    this.map.set(hash, value);
  }

  clear(): void {
    this.map.clear();

  }
}
