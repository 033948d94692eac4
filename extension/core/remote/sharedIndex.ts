/**
 * The lab-shared index, read-only: a LanceDB table on object storage (or a shared folder) that the
 * CLI built (`related-papers index … --db s3://bucket/prefix`). Opened lazily on the first query and
 * kept open; a failure to open is remembered for RETRY_AFTER_MS so that every keystroke does not
 * wait for an unreachable store again. Never creates, drops or writes anything there.
 */
import { IndexStore, type StoredEntry } from '../index/store';
import { search, type Hit } from '../index/search';
import type { SearchFn } from '../index/federated';
import type { VectorSpace } from '../index/schema';
import type { LanceDb } from '../index/nativeLoader';
import { isObjectStoreUri, storageOptionsFor } from './objectStore';

/** The workspace id the CLI builds its tables under (extension/cli/indexCommands.ts CLI_WORKSPACE). */
export const SHARED_WORKSPACE = 'related-papers-cli';
/** After a failed open, queries answer from the personal index alone for this long before retrying. */
export const RETRY_AFTER_MS = 60_000;

export interface SharedIndexOptions {
  uri: string;
  /** The personal model's vector space: the shared table of the same space gives vector results. */
  space: VectorSpace | null;
  env?: Readonly<Record<string, string | undefined>>;
  storageOptions?: Record<string, string>;
  lancedb?: LanceDb;
  now?: () => number;
}

export class SharedIndex {
  private store?: IndexStore;
  private opening?: Promise<IndexStore>;
  private failed?: { at: number; message: string };
  /** Shared-only entries from recent results, by key: Insert needs their fields to write BibTeX. */
  private readonly recent = new Map<string, StoredEntry>();

  constructor(private readonly opts: SharedIndexOptions) {}

  get uri(): string {
    return this.opts.uri;
  }

  /** Opens (once); rethrows the remembered failure while within RETRY_AFTER_MS of it. */
  async open(): Promise<IndexStore> {
    if (this.store) return this.store;
    const now = this.opts.now ?? Date.now;
    if (this.failed && now() - this.failed.at < RETRY_AFTER_MS) throw new Error(this.failed.message);
    this.opening ??= this.openNow().then(
      (s) => { this.store = s; this.failed = undefined; return s; },
      (e: unknown) => { this.failed = { at: now(), message: firstLine(e) }; throw new Error(this.failed.message); },
    ).finally(() => { this.opening = undefined; });
    return this.opening;
  }

  private async openNow(): Promise<IndexStore> {
    const { uri } = this.opts;
    const storageOptions = isObjectStoreUri(uri) ? storageOptionsFor(uri, this.opts.env ?? process.env, this.opts.storageOptions ?? {}) : undefined;
    const base = { dir: uri, workspace: SHARED_WORKSPACE, readOnly: true, ...(storageOptions ? { storageOptions } : {}), ...(this.opts.lancedb ? { lancedb: this.opts.lancedb } : {}) };
    if (this.opts.space && (await IndexStore.exists({ ...base, space: this.opts.space }))) return IndexStore.open({ ...base, space: this.opts.space });
    // Another model built it (or none): its rows are still searchable by full text.
    return IndexStore.openLatest(base);
  }

  /** search() over the shared table; the query vector only when the table holds the same model's vectors. */
  readonly search: SearchFn = async (q) => {
    const store = await this.open();
    const sameSpace = store.space !== null && this.opts.space !== null && store.space.embedderId === this.opts.space.embedderId && store.space.dim === this.opts.space.dim;
    const hits: Hit[] = await search(store, { text: q.text, queryVector: sameSpace ? q.queryVector : undefined, k: q.k, minScore: q.minScore });
    for (const h of hits) this.remember(h.fields);
    return hits;
  };

  private remember(e: StoredEntry): void {
    this.recent.delete(e.key);
    this.recent.set(e.key, e);
    if (this.recent.size > 500) this.recent.delete(this.recent.keys().next().value!);
  }

  /** The shared entry behind a key from recent results (for Insert on a shared-only paper). */
  entry(key: string): StoredEntry | undefined {
    return this.recent.get(key);
  }

  close(): void {
    this.store?.close();
    this.store = undefined;
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
