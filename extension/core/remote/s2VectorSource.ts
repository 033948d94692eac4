/**
 * The indexer's VectorSource for Semantic Scholar's precomputed SPECTER2 vectors: rows with a DOI or
 * arXiv id get their vector from the cache or, failing that, from the batch endpoint (identifiers
 * only). Used only with a table of the S2 vector space (S2_SPACE): those vectors never share a table
 * with a local model's.
 */
import * as path from 'node:path';
import type { VectorSource } from '../index/indexer';
import type { IndexRow } from '../index/schema';
import { S2Client, S2Error, s2IdFor, S2_MODEL } from './semanticScholar';
import { FileVectorCache, type VectorCache } from './vectorCache';

export interface S2VectorStats {
  /** Vectors taken from Semantic Scholar (cache or network) and stored in this run. */
  vectors: number;
  /** Of those, asked over the network in this run. */
  fetched: number;
  fromCache: number;
  /** Ids S2 has no vector for (null / no embedding), incl. remembered misses. */
  missing: number;
  /** Vectors refused (wrong model or dimension). */
  refused: number;
  requests: number;
}

export class S2VectorSource implements VectorSource {
  readonly name = 's2';
  readonly stats: S2VectorStats = { vectors: 0, fetched: 0, fromCache: 0, missing: 0, refused: 0, requests: 0 };
  /** Refusal reasons, for one log line (not per row). */
  readonly refusals: string[] = [];
  /**
   * Set when S2 could not be reached in 'degrade' mode: the rest of the run asks nothing more, rows
   * are stored without vectors (lexical) and get them on a later run. Cleared by `resetRun()`.
   */
  unavailable?: string;

  /**
   * `onUnavailable`: 'throw' (the CLI: the user asked for S2 vectors explicitly, so fail with the
   * reason) or 'degrade' (the extension: keep indexing everything locally and say so once).
   */
  constructor(private readonly client: S2Client, private readonly cache: VectorCache, private readonly onUnavailable: 'throw' | 'degrade' = 'throw') {}

  resetRun(): void {
    this.unavailable = undefined;
  }

  covers(row: IndexRow): boolean {
    return s2IdFor(row) !== undefined;
  }

  async vectorsFor(rows: readonly IndexRow[], opts: { signal?: AbortSignal } = {}): Promise<Map<string, Float32Array>> {
    const idOf = new Map<string, string>();
    for (const r of rows) {
      const id = s2IdFor(r);
      if (id) idOf.set(r.uid, id);
    }
    const ids = [...new Set(idOf.values())];
    const cached = await this.cache.get(ids);
    const ask = ids.filter((id) => !cached.has(id));
    const got = new Map<string, Float32Array>();
    if (ask.length && !this.unavailable) {
      let res;
      try {
        res = await this.client.batchVectors(ask, opts);
      } catch (e) {
        if (this.onUnavailable === 'throw' || !(e instanceof S2Error) || e.kind === 'cancelled') throw e;
        this.unavailable = e.message;
        res = undefined;
      }
      if (res) {
      this.stats.requests += res.requests;
      const remember = new Map<string, Float32Array>(res.vectors);
      // Misses and refusals are remembered as empty vectors: the same id is not asked again.
      for (const id of res.missing) remember.set(id, new Float32Array(0));
      for (const { id, reason } of res.refused) {
        remember.set(id, new Float32Array(0));
        if (this.refusals.length < 5) this.refusals.push(`${id}: ${reason}`);
      }
      this.stats.refused += res.refused.length;
      this.stats.missing += res.missing.length;
      this.stats.fetched += res.vectors.size;
      await this.cache.put(remember);
      for (const [id, v] of res.vectors) got.set(id, v);
      }
    }
    for (const [id, v] of cached) {
      if (v.length) { got.set(id, v); this.stats.fromCache++; } else this.stats.missing++;
    }
    const out = new Map<string, Float32Array>();
    for (const [uid, id] of idOf) {
      const v = got.get(id);
      if (v) out.set(uid, v);
    }
    this.stats.vectors += out.size;
    return out;
  }
}

/** Where the S2 settings come from (CLI flags + env, or the extension's settings + SecretStorage). */
export interface S2SourceConfig {
  /** `--s2-endpoint`, `relatedPapers.semanticScholar.endpoint`, else `S2_API_BASE`, else the public API. */
  endpoint?: string;
  apiKey?: string;
  /** Folder of the vector cache (one file per vector space). */
  cacheDir: string;
  minIntervalMs?: number;
  onUnavailable?: 'throw' | 'degrade';
}

export function createS2VectorSource(cfg: S2SourceConfig, env: Readonly<Record<string, string | undefined>> = process.env): S2VectorSource {
  const client = new S2Client({
    baseUrl: cfg.endpoint || env.S2_API_BASE || undefined,
    apiKey: cfg.apiKey || undefined,
    ...(cfg.minIntervalMs !== undefined ? { minIntervalMs: cfg.minIntervalMs } : {}),
  });
  return new S2VectorSource(client, new FileVectorCache(path.join(cfg.cacheDir, `s2-${S2_MODEL}.bin`)), cfg.onUnavailable ?? 'throw');
}
