/**
 * What the index and the shared vector cache hold on disk, by model, and deleting what belongs to
 * models no longer in use (an old revision, another precision, the lexical-only table of a workspace
 * that now has a model). Used by the command "Related Papers: Manage index storage…" and by
 * `related-papers storage list|prune`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { requireLanceDb, type LanceDb } from '../index/nativeLoader';
import { TABLE_PREFIX } from '../index/schema';
import { CACHE_PREFIX } from '../index/vectorCache';

export interface StorageItem {
  kind: 'index' | 'vector-cache';
  /** Folder holding it (the index folder or the vector-cache folder). */
  dir: string;
  /** LanceDB table name (an index table includes its positions table `<name>_pos` and its side records, e.g. the calibration). */
  name: string;
  /** Vector-space id (SpecterEmbedder.id); null for a lexical-only table. */
  model: string | null;
  /** Workspace identity of an index table; null for the cache. */
  workspace: string | null;
  rows: number;
  bytes: number;
  /** Its model is the one in use (or, for a lexical-only table, no model is in use). */
  inUse: boolean;
}

export async function listStorage(dirs: { index?: string; vectorCache?: string | null }, modelInUse: string | null, lancedbModule?: LanceDb): Promise<StorageItem[]> {
  const lancedb = lancedbModule ?? requireLanceDb();
  const out: StorageItem[] = [];
  for (const [kind, dir] of [['index', dirs.index], ['vector-cache', dirs.vectorCache]] as const) {
    if (!dir || !fs.existsSync(dir)) continue;
    const db = await lancedb.connect(dir);
    try {
      const allNames = await db.tableNames();
      for (const name of allNames) {
        const isIndex = name.startsWith(TABLE_PREFIX) && !name.endsWith('_pos');
        const isCache = name.startsWith(CACHE_PREFIX);
        if ((kind === 'index' && !isIndex) || (kind === 'vector-cache' && !isCache)) continue;
        let model: string | null = null;
        let workspace: string | null = null;
        let rows = 0;
        try {
          const t = await db.openTable(name);
          const meta = (await t.schema()).metadata;
          model = meta.get('related_papers_embedder') ?? null;
          workspace = meta.get('related_papers_workspace') ?? null;
          rows = await t.countRows();
          t.close();
        } catch {
          // unreadable: listed (so it can be deleted) with what is known
        }
        const bytes = duBytes(path.join(dir, `${name}.lance`)) + (kind === 'index' ? companions(name, allNames).reduce((n, c) => n + duBytes(path.join(dir, `${c}.lance`)), 0) : 0);
        const inUse = model === null ? modelInUse === null : model === modelInUse;
        out.push({ kind, dir, name, model, workspace: kind === 'index' ? workspace : null, rows, bytes, inUse });
      }
    } finally {
      db.close();
    }
  }
  return out.sort((a, b) => Number(a.inUse) - Number(b.inUse) || b.bytes - a.bytes);
}

/** Drops these tables (and an index table's positions table). Returns the bytes freed. */
export async function deleteStorage(items: readonly StorageItem[], lancedbModule?: LanceDb): Promise<number> {
  const lancedb = lancedbModule ?? requireLanceDb();
  let freed = 0;
  const byDir = new Map<string, StorageItem[]>();
  for (const i of items) byDir.set(i.dir, [...(byDir.get(i.dir) ?? []), i]);
  for (const [dir, list] of byDir) {
    const db = await lancedb.connect(dir);
    try {
      const all = await db.tableNames();
      const names = new Set(all);
      for (const item of list) {
        for (const name of item.kind === 'index' ? [item.name, ...companions(item.name, all)] : [item.name]) {
          if (names.has(name)) await db.dropTable(name).catch(() => undefined);
          fs.rmSync(path.join(dir, `${name}.lance`), { recursive: true, force: true });
        }
        freed += item.bytes;
      }
    } finally {
      db.close();
    }
  }
  return freed;
}

/** The tables that belong to an index table: its positions and its side records (the search calibration). */
function companions(name: string, all: readonly string[]): string[] {
  return all.filter((t) => t === `${name}_pos` || (t.startsWith('side_') && t.endsWith(`_${name}`)));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[u]}`;
}

function duBytes(p: string): number {
  let total = 0;
  const stack = [p];
  while (stack.length) {
    const cur = stack.pop()!;
    let st: fs.Stats;
    try { st = fs.lstatSync(cur); } catch { continue; }
    if (st.isDirectory()) for (const e of fs.readdirSync(cur)) stack.push(path.join(cur, e));
    else total += st.size;
  }
  return total;
}

