/**
 * The shared vector cache: every paper embedded once per model, across workspaces, multi-root
 * folders and the CLI. Keyed by (vector-space identity, content hash of title+abstract); the space
 * identity (SpecterEmbedder.id) already covers the base revision, the document adapter's revision
 * and the precision, so two revisions never share a vector.
 *
 * Stored in LanceDB like the index (one small table per vector space, `vcache_v1_<hash>`), in a
 * folder shared by every workspace: the extension's global storage, and the same folder for the CLI
 * (see defaultVectorCacheDir). A cache is an optimisation: any failure to read or write it is
 * reported to the caller's log and indexing goes on with the model.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { Connection, Table } from '@lancedb/lancedb';
import { requireLanceDb, type LanceDb } from './nativeLoader';
import { sqlIn, type VectorSpace } from './schema';
import { toFloat32 } from './store';

export const CACHE_PREFIX = 'vcache_v1_';
const IN_CHUNK = 500;

export interface VectorCacheLike {
  get(contentHashes: readonly string[]): Promise<Map<string, Float32Array>>;
  put(entries: readonly { contentHash: string; vector: Float32Array }[]): Promise<void>;
}

export function cacheTableName(space: VectorSpace): string {
  return CACHE_PREFIX + createHash('sha256').update(JSON.stringify([space.embedderId, space.dim])).digest('hex').slice(0, 20);
}

/**
 * Where the extension keeps it (`<globalStorage>/vector-cache`) and where the CLI looks by default:
 * RELATED_PAPERS_VECTOR_CACHE, else VS Code's global storage folder of this extension for the default
 * profile (Linux `~/.config/Code/User/globalStorage/related-papers.related-papers/vector-cache`,
 * macOS `~/Library/Application Support/Code/…`, Windows `%APPDATA%\Code\…`).
 */
export function defaultVectorCacheDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.RELATED_PAPERS_VECTOR_CACHE) return path.resolve(env.RELATED_PAPERS_VECTOR_CACHE);
  const home = env.HOME ?? env.USERPROFILE ?? os.homedir();
  const userDir = platform === 'win32'
    ? path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Code', 'User')
    : platform === 'darwin'
      ? path.join(home, 'Library', 'Application Support', 'Code', 'User')
      : path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), 'Code', 'User');
  return path.join(userDir, 'globalStorage', 'related-papers.related-papers', 'vector-cache');
}

export class VectorCache implements VectorCacheLike {
  private writes: Promise<unknown> = Promise.resolve();
  private puts = 0;

  private constructor(private readonly lancedb: LanceDb, private readonly db: Connection, private readonly table: Table, readonly space: VectorSpace, readonly dir: string) {}

  static async open(dir: string, space: VectorSpace, lancedbModule?: LanceDb): Promise<VectorCache> {
    const lancedb = lancedbModule ?? requireLanceDb();
    fs.mkdirSync(dir, { recursive: true });
    const db = await lancedb.connect(dir);
    const name = cacheTableName(space);
    let table: Table | undefined;
    if ((await db.tableNames()).includes(name)) {
      try {
        table = await db.openTable(name);
        const vec = (await table.schema()).fields.find((f) => f.name === 'vector');
        if (!vec || (vec.type as arrow.FixedSizeList).listSize !== space.dim) throw new Error('wrong dimension');
      } catch {
        // A damaged cache is dropped: it only ever saves model calls.
        table?.close();
        table = undefined;
        await db.dropTable(name).catch(() => fs.rmSync(path.join(dir, `${name}.lance`), { recursive: true, force: true }));
      }
    }
    table ??= await db.createEmptyTable(name, cacheSchema(space), { mode: 'overwrite' });
    return new VectorCache(lancedb, db, table, space, dir);
  }

  async get(contentHashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    for (const c of chunk([...new Set(contentHashes)], IN_CHUNK)) {
      const t = await this.table.query().where(sqlIn('content_hash', c)).select(['content_hash', 'vector']).toArrow();
      const h = t.getChild('content_hash')!;
      const v = t.getChild('vector')!;
      for (let i = 0; i < t.numRows; i++) if (!found.has(h.get(i))) found.set(h.get(i), toFloat32(v.get(i)));
    }
    return found;
  }

  /** Adds vectors not cached yet (one commit); concurrent puts of one process are serialised. */
  put(entries: readonly { contentHash: string; vector: Float32Array }[]): Promise<void> {
    if (entries.length === 0) return Promise.resolve();
    const run = this.writes.then(async () => {
      const unique = [...new Map(entries.map((e) => [e.contentHash, e])).values()];
      await this.table.mergeInsert('content_hash').whenNotMatchedInsertAll().execute(cacheToArrow(unique, this.space));
      // A scalar index keeps lookups fast as the cache grows; rows added later are searched unindexed
      // until the periodic optimize folds them in.
      if (++this.puts % 50 === 1 && !(await this.table.listIndices()).some((i) => i.name === 'content_hash_idx')) {
        await this.table.createIndex('content_hash', { config: this.lancedb.Index.btree(), name: 'content_hash_idx' });
      } else if (this.puts % 50 === 0) {
        await this.table.optimize({ cleanupOlderThan: new Date(Date.now() - 60_000) });
      }
    });
    this.writes = run.catch(() => undefined);
    return run;
  }

  async count(): Promise<number> {
    return this.table.countRows();
  }

  close(): void {
    this.table.close();
    this.db.close();
  }
}

function cacheSchema(space: VectorSpace): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('content_hash', new arrow.Utf8(), false),
    new arrow.Field('vector', new arrow.FixedSizeList(space.dim, new arrow.Field('item', new arrow.Float32(), true)), false),
  ], new Map([['related_papers_vector_cache', '1'], ['related_papers_embedder', space.embedderId]]));
}

function cacheToArrow(entries: readonly { contentHash: string; vector: Float32Array }[], space: VectorSpace): arrow.Table {
  const schema = cacheSchema(space);
  const flat = new Float32Array(entries.length * space.dim);
  entries.forEach((e, i) => flat.set(e.vector, i * space.dim));
  const type = schema.fields[1].type as arrow.FixedSizeList;
  const child = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
  return new arrow.Table(schema, {
    content_hash: arrow.vectorFromArray(entries.map((e) => e.contentHash), new arrow.Utf8()),
    vector: arrow.makeVector(arrow.makeData({ type, length: entries.length, nullCount: 0, child })),
  } as never);
}

function chunk<T>(xs: readonly T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}
