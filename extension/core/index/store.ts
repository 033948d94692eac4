/**
 * The on-disk index: one LanceDB table per (workspace, embedder id, dimension, schema version).
 *
 * Crash safety comes from LanceDB itself: every add/mergeInsert/delete is one atomic commit (a new
 * manifest version). The store never keeps progress anywhere else, so what is in the table IS the
 * progress record; the indexer diffs against it on the next run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Connection, Table } from '@lancedb/lancedb';
import { NativeUnavailableError, requireLanceDb, type LanceDb } from './nativeLoader';
import { annPartitions, ANN_MIN_ROWS } from './annParams';
import type * as arrow from 'apache-arrow';
import { describeObjectStoreError, isObjectStoreUri, ObjectStoreError } from '../remote/objectStore';
import { arrowSchema, positionsSchema, positionsToArrow, rowsToArrow, schemaMismatch, sqlIn, tableNameFor, TABLE_PREFIX, type IndexRow, type PositionRow, type VectorSpace } from './schema';

export interface OpenStoreOptions {
  /** Directory holding the tables (the extension passes its global storage; the CLI `--db`), or an
   *  object-store URI (`s3://bucket/prefix`: a lab-shared index; see core/remote/objectStore.ts). */
  dir: string;
  /** LanceDB storageOptions for an object-store `dir` (credentials, endpoint, timeouts). */
  storageOptions?: Record<string, string>;
  /** Never create, drop or rebuild the table (a shared index read by many): a missing or
   *  unreadable table is an error instead. */
  readOnly?: boolean;
  /** Identity of the workspace (folder URI / path); part of the table name. */
  workspace: string;
  /** The embedder's vector space; null for a lexical-only table (no model). */
  space: VectorSpace | null;
  /** Injected LanceDB module (tests); defaults to the lazily loaded one. */
  lancedb?: LanceDb;
  /** Rows from which an IVF vector index is built (default VECTOR_INDEX_MIN_ROWS; tests lower it). */
  vectorIndexMinRows?: number;
}

/** Why the table was thrown away and rebuilt empty. The UI turns this into a notification. */
export interface RebuiltInfo { table: string; reason: string }

/** What the indexer needs to diff: one per stored row, without the vector. */
export interface StoredRowState {
  uid: string;
  key: string;
  file: string;
  content_hash: string;
  meta_hash: string;
  has_vector: boolean;
}

/** Columns returned to callers that display entries (never the vector, which is large). */
export const DISPLAY_COLUMNS = [
  'uid', 'key', 'type', 'title', 'abstract', 'authors', 'year', 'venue', 'doi', 'url', 'arxiv_id',
  'file', 'has_abstract', 'synthetic_key',
] as const;
/** An entry as displayed; `line` comes from the positions table. */
export type StoredEntry = Pick<IndexRow, (typeof DISPLAY_COLUMNS)[number] | 'line'>;
/** The compact catalogue the editor needs for every entry (no abstract: the host must not hold them all). */
export const CATALOG_COLUMNS = ['uid', 'key', 'title', 'authors', 'year', 'venue', 'doi', 'url', 'arxiv_id', 'file', 'synthetic_key', 'has_abstract', 'has_vector'] as const;
export type CatalogEntry = Pick<IndexRow, Exclude<(typeof CATALOG_COLUMNS)[number], 'has_vector'> | 'line'> & { has_vector: boolean };

/** How far embedding has got: rows with a vector of the rows that can have one (title or abstract). */
export interface EmbeddingProgress { embedded: number; embeddable: number; total: number }

/** Max values per `IN (...)` filter, to keep SQL strings bounded. */
const IN_CHUNK = 500;
const FTS_INDEX = 'fts_text_idx';
/**
 * Below this many vectors LanceDB's exact (flat) search is fast enough and exact; above it an
 * IVF index pays off. See bench/search.ts for the measurement behind the number.
 */
export const VECTOR_INDEX_MIN_ROWS = ANN_MIN_ROWS;
/** finishWrites compacts when this many small fragments accumulated … */
const OPTIMIZE_SMALL_FRAGMENTS = 8;
/** … or when more rows than this (or 5 %) are outside the indices. */
const OPTIMIZE_UNINDEXED_ROWS = 2_000;

export class IndexStore {
  private ftsDirty = true;
  private writeChain: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly lancedb: LanceDb,
    private readonly db: Connection,
    readonly table: Table,
    /** (uid, file, key, line) of every row: see schema.ts `line`. */
    private readonly positionsTable: Table,
    readonly tableName: string,
    readonly space: VectorSpace | null,
    readonly dir: string,
    /** Set when the table had to be dropped and rebuilt during open. */
    readonly rebuilt: RebuiltInfo | undefined,
    private readonly vectorIndexMinRows: number,
  ) {}

  /**
   * Runs `fn` after every earlier exclusive run on this store has settled: indexing runs (a full
   * reindex and a watcher's single-file update) never interleave their diff and writes.
   * Readers (search) need no lock: LanceDB readers see a consistent committed version.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.writeChain.then(fn, fn);
    this.writeChain = run.catch(() => undefined);
    return run;
  }

  get hasVectors(): boolean {
    return this.space !== null;
  }

  /**
   * Opens (or creates) the workspace's table for this vector space. A table that cannot be opened
   * or read, or whose schema is not the expected one, is dropped and rebuilt; `rebuilt` says why.
   * Throws NativeUnavailableError when LanceDB cannot load, and a plain Error naming the directory
   * when the directory is unusable (then nothing can be stored: the caller reports it).
   */
  static open(opts: OpenStoreOptions): Promise<IndexStore> {
    // Opens of the same table are serialised in-process: concurrent create/open/rebuild of one
    // LanceDB table raced (a panic in the host was seen when two opens overlapped).
    const key = `${locationKey(opts.dir)}\u0000${tableNameFor(opts.workspace, opts.space)}`;
    const prev = openChain.get(key) ?? Promise.resolve();
    const run = prev.then(() => IndexStore.openNow(opts), () => IndexStore.openNow(opts));
    const settled = run.then(() => undefined, () => undefined);
    openChain.set(key, settled);
    void settled.then(() => { if (openChain.get(key) === settled) openChain.delete(key); });
    return run;
  }

  private static async openNow(opts: OpenStoreOptions): Promise<IndexStore> {
    if (!isObjectStoreUri(opts.dir)) return IndexStore.openNowAt(opts);
    // Object storage: whatever fails (unreachable, credentials, bucket) becomes one actionable line.
    try {
      return await IndexStore.openNowAt(opts);
    } catch (e) {
      if (e instanceof NativeUnavailableError || e instanceof ObjectStoreError) throw e;
      throw new ObjectStoreError(describeObjectStoreError(e, opts.dir, opts.storageOptions), opts.dir);
    }
  }

  private static async openNowAt(opts: OpenStoreOptions): Promise<IndexStore> {
    const remote = isObjectStoreUri(opts.dir);
    const lancedb = opts.lancedb ?? requireLanceDb();
    if (opts.space && (!Number.isInteger(opts.space.dim) || opts.space.dim <= 0)) {
      throw new Error(`embedder ${opts.space.embedderId} reports an invalid dimension ${opts.space.dim}`);
    }
    if (!remote && !opts.readOnly) {
      try {
        fs.mkdirSync(opts.dir, { recursive: true });
      } catch (e) {
        throw new Error(`index directory ${opts.dir} cannot be created: ${(e as Error).message}`);
      }
    }
    const db = await connectTo(lancedb, opts);
    const name = tableNameFor(opts.workspace, opts.space);
    const schema = arrowSchema(opts.space, opts.workspace);
    let rebuilt: RebuiltInfo | undefined;
    let table: Table | undefined;
    const names = await db.tableNames();
    if (opts.readOnly && !names.includes(name)) {
      db.close();
      throw new Error(`no index table for this model at ${opts.dir} (build it with related-papers index --db ${opts.dir})`);
    }
    if (names.includes(name) || (!remote && fs.existsSync(path.join(opts.dir, `${name}.lance`)))) {
      try {
        table = await db.openTable(name);
        const mismatch = schemaMismatch(await table.schema(), schema);
        if (mismatch) throw new Error(`schema mismatch (${mismatch})`);
        // Reading every small column touches every data file: corrupt or missing files fail here,
        // at open, instead of in the middle of a search.
        await table.query().select(['uid', 'content_hash', 'meta_hash']).toArray();
      } catch (e) {
        if (opts.readOnly) {
          try { table?.close(); db.close(); } catch { /* already unusable */ }
          throw new Error(`the index table at ${opts.dir} cannot be read (${firstLine(e)})`);
        }
        rebuilt = { table: name, reason: `the index table could not be read and was rebuilt (${firstLine(e)})` };
        try { table?.close(); } catch { /* already unusable */ }
        table = undefined;
        await dropHard(db, opts.dir, name);
      }
    }
    table ??= await db.createEmptyTable(name, schema, { mode: 'overwrite' });
    const positions = opts.readOnly ? await db.openTable(`${name}_pos`) : await openPositions(db, `${name}_pos`, rebuilt !== undefined);
    return new IndexStore(lancedb, db, table, positions, name, opts.space, opts.dir, rebuilt, opts.vectorIndexMinRows ?? VECTOR_INDEX_MIN_ROWS);
  }

  /** Whether the table for this (workspace, space) exists already (without creating it). */
  static async exists(opts: OpenStoreOptions): Promise<boolean> {
    if (!isObjectStoreUri(opts.dir) && !fs.existsSync(opts.dir)) return false;
    const lancedb = opts.lancedb ?? requireLanceDb();
    const db = await connectOrDescribe(lancedb, opts);
    try {
      return (await db.tableNames()).includes(tableNameFor(opts.workspace, opts.space));
    } finally {
      db.close();
    }
  }

  /**
   * For when no model is available: the workspace's most recently written table, whatever its
   * model, so search still runs (lexically) over what was indexed with a model before, and new
   * rows land there with vector = null to be embedded when the model is back. With no table yet,
   * a lexical-only table is created.
   */
  static async openLatest(opts: Omit<OpenStoreOptions, 'space'>): Promise<IndexStore> {
    const lancedb = opts.lancedb ?? requireLanceDb();
    let best: { space: VectorSpace | null; time: number } | undefined;
    if (isObjectStoreUri(opts.dir) || fs.existsSync(opts.dir)) {
      const db = await connectOrDescribe(lancedb, opts);
      try {
        for (const name of await db.tableNames()) {
          if (!name.startsWith(TABLE_PREFIX)) continue;
          try {
            const t = await db.openTable(name);
            const schema = await t.schema();
            const versions = await t.listVersions();
            t.close();
            if (schema.metadata.get('related_papers_workspace') !== opts.workspace) continue;
            const vec = schema.fields.find((f) => f.name === 'vector');
            const embedderId = schema.metadata.get('related_papers_embedder');
            const space = vec && embedderId ? { embedderId, dim: (vec.type as arrow.FixedSizeList).listSize } : null;
            const time = Math.max(0, ...versions.map((v) => v.timestamp.getTime()));
            if (!best || time > best.time) best = { space, time };
          } catch {
            // An unreadable table is skipped here; opening it by its space rebuilds it.
          }
        }
      } finally {
        db.close();
      }
    }
    return IndexStore.open({ ...opts, lancedb, space: best?.space ?? null });
  }

  async count(filter?: string): Promise<number> {
    return this.table.countRows(filter);
  }

  /** Diff state of the stored rows, optionally only those of some files. */
  async state(files?: readonly string[]): Promise<StoredRowState[]> {
    const cols = ['uid', 'key', 'file', 'content_hash', 'meta_hash', 'has_vector'] as const;
    if (files && files.length === 0) return [];
    const out: StoredRowState[] = [];
    const chunks = files ? chunk(files, IN_CHUNK).map((c) => sqlIn('file', c)) : [undefined];
    for (const where of chunks) {
      let q = this.table.query().select([...cols]);
      if (where) q = q.where(where);
      // Column-wise read: building one JS object per row through toArray() measured ~3× slower.
      const t = await q.toArrow();
      const [uid, key, file, ch, mh, hv] = cols.map((c) => t.getChild(c)!);
      for (let i = 0; i < t.numRows; i++) {
        out.push({ uid: uid.get(i), key: key.get(i), file: file.get(i), content_hash: ch.get(i), meta_hash: mh.get(i), has_vector: Boolean(hv.get(i)) });
      }
    }
    return out;
  }

  /** Stored vectors for these content hashes (any row, any file): the reuse path for moved/renamed entries. */
  async vectorsByContentHash(hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (!this.hasVectors) return found;
    for (const c of chunk([...new Set(hashes)], IN_CHUNK)) {
      const rows = await this.table.query().where(`${sqlIn('content_hash', c)} AND has_vector`).select(['content_hash', 'vector']).toArray();
      for (const r of rows) if (!found.has(r.content_hash)) found.set(r.content_hash, toFloat32(r.vector));
    }
    return found;
  }

  /**
   * Inserts or replaces whole rows (matched on uid) in ONE atomic commit: after a crash either the
   * whole batch is there or none of it, and a retried batch replaces instead of duplicating.
   */
  async upsert(rows: readonly IndexRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.table.mergeInsert('uid').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(rowsToArrow(rows, this.space));
    this.ftsDirty = true;
  }

  /** Rewrites the metadata columns of existing rows, leaving their vectors untouched (one commit). */
  async updateMeta(rows: readonly IndexRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.table.mergeInsert('uid').whenMatchedUpdateAll().execute(rowsToArrow(rows, this.space, false));
    this.ftsDirty = true;
  }

  async deleteUids(uids: readonly string[]): Promise<void> {
    for (const c of chunk(uids, IN_CHUNK)) {
      await this.table.delete(sqlIn('uid', c));
      await this.positionsTable.delete(sqlIn('uid', c));
    }
    if (uids.length) this.ftsDirty = true;
  }

  /** Stored line of every row (optionally of some files only): uid → line. */
  async positions(files?: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (files && files.length === 0) return out;
    for (const where of files ? chunk(files, IN_CHUNK).map((c) => sqlIn('file', c)) : [undefined]) {
      let q = this.positionsTable.query().select(['uid', 'line']);
      if (where) q = q.where(where);
      const t = await q.toArrow();
      const uid = t.getChild('uid')!;
      const line = t.getChild('line')!;
      for (let i = 0; i < t.numRows; i++) out.set(uid.get(i), line.get(i));
    }
    return out;
  }

  /**
   * Replaces the positions of these files with `rows` (all rows of exactly these files) in two
   * commits however many lines moved — the cheap path for "a line inserted at the top of the file".
   */
  async writePositions(files: readonly string[], rows: readonly PositionRow[]): Promise<void> {
    if (files.length === 0) return;
    for (const c of chunk(files, IN_CHUNK)) await this.positionsTable.delete(sqlIn('file', c));
    if (rows.length) await this.positionsTable.add(positionsToArrow(rows));
  }

  /** Lines for these uids (1 when a position is missing, e.g. after a crash between two commits). */
  private async linesOf(uids: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const c of chunk([...new Set(uids)], IN_CHUNK)) {
      const rows = await this.positionsTable.query().where(sqlIn('uid', c)).select(['uid', 'line']).toArray();
      for (const r of rows) out.set(r.uid, r.line);
    }
    return out;
  }

  /** Every entry without its abstract (key, title, authors, year, venue, ids, file, line), in file/line order. */
  async catalog(): Promise<CatalogEntry[]> {
    const t = await this.table.query().select([...CATALOG_COLUMNS]).toArrow();
    const lines = await this.positions();
    const cols = Object.fromEntries(CATALOG_COLUMNS.map((c) => [c, t.getChild(c)!]));
    const out: CatalogEntry[] = [];
    for (let i = 0; i < t.numRows; i++) {
      const uid = cols.uid.get(i) as string;
      out.push({
        uid, key: cols.key.get(i), title: cols.title.get(i), authors: cols.authors.get(i), year: cols.year.get(i) ?? null,
        venue: cols.venue.get(i) ?? null, doi: cols.doi.get(i) ?? null, url: cols.url.get(i) ?? null, arxiv_id: cols.arxiv_id.get(i) ?? null, file: cols.file.get(i),
        synthetic_key: Boolean(cols.synthetic_key.get(i)), has_abstract: Boolean(cols.has_abstract.get(i)), has_vector: Boolean(cols.has_vector.get(i)),
        line: lines.get(uid) ?? 1,
      });
    }
    return out.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line));
  }

  /** Embedded rows of the rows that can be embedded (those with a title or abstract). */
  async embeddingProgress(): Promise<EmbeddingProgress> {
    const [total, embeddable, embedded] = await Promise.all([
      this.table.countRows(),
      this.table.countRows("fts_text != ''"),
      this.hasVectors ? this.table.countRows('has_vector') : Promise.resolve(0),
    ]);
    return { embedded, embeddable, total };
  }

  /**
   * Folds the small fragments of many per-batch commits together and brings new rows into the
   * indices. Called by long runs on a schedule (a table of hundreds of fragments searches ~10× slower).
   */
  async compact(): Promise<void> {
    await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
    await this.positionsTable.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) }).catch(() => undefined);
  }

  /**
   * After a run of writes: create the full-text index the first time, else fold new rows into it
   * and compact small fragments (LanceDB's optimize). Rows written since still match in full-text
   * search (LanceDB scans unindexed rows), so skipping this after a crash loses no results.
   */
  async finishWrites(): Promise<void> {
    if (!this.ftsDirty) return;
    const indices = await this.table.listIndices();
    const rows = await this.table.countRows();
    const lancedb = this.lancedb;
    const has = (name: string) => indices.some((i) => i.name === name);
    if (rows > 0) {
      // Compaction folds the small fragments of per-batch commits together (a table in 300
      // fragments read ~10× slower) and brings new rows into the indices. It rewrites data, so a
      // one-entry edit skips it: LanceDB searches the few unindexed rows exactly anyway.
      const stats = await this.table.stats();
      const unindexed = Math.max(0, ...indices.map((i) => i.numUnindexedRows ?? 0));
      if (stats.fragmentStats.numSmallFragments >= OPTIMIZE_SMALL_FRAGMENTS || unindexed > Math.max(OPTIMIZE_UNINDEXED_ROWS, rows * 0.05)) {
        await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
      }
      if (!has(FTS_INDEX)) await this.table.createIndex('fts_text', { config: lancedb.Index.fts({ withPosition: false }), replace: true, name: FTS_INDEX });
      // Scalar indices: uid/key lookups (merge, entriesByUid, excludeKeys prefilter) and the file filter.
      // Without them a filtered vector search scans the key column on every query.
      if (!has('uid_idx')) await this.table.createIndex('uid', { config: lancedb.Index.btree(), name: 'uid_idx' });
      if (!has('key_idx')) await this.table.createIndex('key', { config: lancedb.Index.btree(), name: 'key_idx' });
      if (!has('file_idx')) await this.table.createIndex('file', { config: lancedb.Index.bitmap(), name: 'file_idx' });
    }
    // The IVF partitions are trained once; when the table has grown 4× since, they are retrained.
    const vectorIndex = indices.find((i) => i.columns.includes('vector'));
    const trainedOn = vectorIndex ? (vectorIndex.numIndexedRows ?? 0) : 0;
    // Counted by vectors, not rows: a lexical-first run stores every row before any vector exists, and
    // IVF partitions cannot be trained on nothing (LanceDB: "KMeans cannot train … with 0 vectors").
    const vectors = this.hasVectors && rows >= this.vectorIndexMinRows ? await this.table.countRows('has_vector') : 0;
    if (this.hasVectors && vectors >= this.vectorIndexMinRows && (!vectorIndex || vectors > trainedOn * 4)) {
      await this.createVectorIndex();
    }
    this.ftsDirty = false;
  }

  /** IVF-flat with cosine: exact distances within the probed partitions (no quantisation error). */
  async createVectorIndex(): Promise<void> {
    const lancedb = this.lancedb;
    const rows = await this.table.countRows('has_vector');
    const numPartitions = annPartitions(rows);
    await this.table.createIndex('vector', {
      config: lancedb.Index.ivfFlat({ distanceType: 'cosine', numPartitions }),
      replace: true,
    });
  }

  async hasFtsIndex(): Promise<boolean> {
    return (await this.table.listIndices()).some((i) => i.name === FTS_INDEX);
  }

  /** Rows with this citation key (several when files share a key), in file order. */
  async entriesByKey(key: string): Promise<StoredEntry[]> {
    const rows = await this.table.query().where(sqlIn('key', [key])).select([...DISPLAY_COLUMNS]).toArray();
    const lines = await this.linesOf(rows.map((r) => r.uid));
    return rows.map((r) => toEntry(r, lines.get(r.uid))).sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  }

  async entriesByUid(uids: readonly string[]): Promise<Map<string, StoredEntry>> {
    const out = new Map<string, StoredEntry>();
    const lines = await this.linesOf(uids);
    for (const c of chunk([...new Set(uids)], IN_CHUNK)) {
      for (const r of await this.table.query().where(sqlIn('uid', c)).select([...DISPLAY_COLUMNS]).toArray()) out.set(r.uid, toEntry(r, lines.get(r.uid)));
    }
    return out;
  }

  async vectorOf(uid: string): Promise<Float32Array | undefined> {
    if (!this.hasVectors) return undefined;
    const rows = await this.table.query().where(`${sqlIn('uid', [uid])} AND has_vector`).select(['vector']).limit(1).toArray();
    return rows.length ? toFloat32(rows[0].vector) : undefined;
  }

  /**
   * A small JSON document kept beside the table (the search calibration): a one-row LanceDB table in
   * the same database, so it lives wherever the index does — a local folder or object storage — and
   * is replaced atomically. Its name does not start with TABLE_PREFIX, so openLatest never takes it for an index.
   */
  async readSideRecord(name: string): Promise<string | undefined> {
    const side = sideTableName(this.tableName, name);
    if (!(await this.db.tableNames()).includes(side)) return undefined;
    try {
      const t = await this.db.openTable(side);
      try {
        const rows = await t.query().select(['json']).limit(1).toArray();
        return rows.length ? String(rows[0].json) : undefined;
      } finally {
        t.close();
      }
    } catch {
      return undefined; // unreadable: the caller recomputes and rewrites it
    }
  }

  async writeSideRecord(name: string, json: string): Promise<void> {
    const t = await this.db.createTable(sideTableName(this.tableName, name), [{ json }], { mode: 'overwrite' });
    t.close();
  }

  close(): void {
    this.table.close();
    this.positionsTable.close();
    this.db.close();
  }
}

const openChain = new Map<string, Promise<void>>();

function locationKey(dir: string): string {
  return isObjectStoreUri(dir) ? dir : path.resolve(dir);
}

function connectTo(lancedb: LanceDb, opts: Pick<OpenStoreOptions, 'dir' | 'storageOptions'>): Promise<Connection> {
  return opts.storageOptions ? lancedb.connect(opts.dir, { storageOptions: opts.storageOptions }) : lancedb.connect(opts.dir);
}

/** connectTo, with an object store's failure phrased as one line (openLatest lists tables before open). */
async function connectOrDescribe(lancedb: LanceDb, opts: Pick<OpenStoreOptions, 'dir' | 'storageOptions'>): Promise<Connection> {
  if (!isObjectStoreUri(opts.dir)) return connectTo(lancedb, opts);
  try {
    const db = await connectTo(lancedb, opts);
    await db.tableNames();
    return db;
  } catch (e) {
    throw new ObjectStoreError(describeObjectStoreError(e, opts.dir, opts.storageOptions), opts.dir);
  }
}

/** The positions table beside a papers table; recreated empty with it (the indexer then rewrites every position). */
async function openPositions(db: Connection, name: string, recreate: boolean): Promise<Table> {
  if (!recreate && (await db.tableNames()).includes(name)) {
    try {
      const t = await db.openTable(name);
      if (!schemaMismatch(await t.schema(), positionsSchema())) return t;
      t.close();
    } catch {
      // unreadable: recreated below (positions are derived data, the next index run restores them)
    }
  }
  return db.createEmptyTable(name, positionsSchema(), { mode: 'overwrite' });
}

function sideTableName(table: string, record: string): string {
  return `side_${record}_${table}`;
}

/** Drop through LanceDB; when the files are too broken for that, remove the table directory. */
async function dropHard(db: Connection, dir: string, name: string): Promise<void> {
  try {
    await db.dropTable(name);
  } catch {
    // fall through to removing the files
  }
  // On object storage there is no directory to remove by hand; LanceDB's drop is all there is.
  if (!isObjectStoreUri(dir)) fs.rmSync(path.join(dir, `${name}.lance`), { recursive: true, force: true });
}

export function toFloat32(v: unknown): Float32Array {
  if (v instanceof Float32Array) return v;
  const maybe = v as { toArray?: () => ArrayLike<number> };
  if (maybe && typeof maybe.toArray === 'function') return Float32Array.from(maybe.toArray());
  return Float32Array.from(v as ArrayLike<number>);
}

// LanceDB returns Arrow rows as loosely typed records; this is the one place they become StoredEntry.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function toEntry(r: any, line?: number): StoredEntry {
  return {
    uid: r.uid, key: r.key, type: r.type, title: r.title, abstract: r.abstract, authors: r.authors,
    year: r.year ?? null, venue: r.venue ?? null, doi: r.doi ?? null, url: r.url ?? null, arxiv_id: r.arxiv_id ?? null,
    file: r.file, line: line ?? r.line ?? 1, has_abstract: Boolean(r.has_abstract), synthetic_key: Boolean(r.synthetic_key),
  };
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

function firstLine(e: unknown): string {
  const s = e instanceof Error ? e.message : String(e);
  return s.split('\n')[0].slice(0, 300);
}
