/**
 * The index table's row shape, Arrow schema, hashes and naming. One table per
 * (workspace, embedder id, dimension, schema version): vectors of two models never share a table.
 */
import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { BibRecord } from '../types';

/** Bump when the row layout or the meaning of a column changes: old tables are then simply not opened. */
export const SCHEMA_VERSION = 3;

/** Identity of the vectors in a table. `null` = no model: a lexical-only table without a vector column. */
export interface VectorSpace { embedderId: string; dim: number }

export interface IndexRow {
  /** Row identity: hash of (file, key). See indexer.ts for the duplicate-key rule. */
  uid: string;
  key: string;
  type: string;
  title: string;
  abstract: string;
  /** Authors joined with "; " (names contain commas). */
  authors: string;
  year: number | null;
  venue: string | null;
  doi: string | null;
  url: string | null;
  arxiv_id: string | null;
  file: string;
  /**
   * 1-based line of the entry in `file`. NOT a column of the papers table: positions change with
   * every edit above an entry, so they live in the small positions table (store.ts) and a shifted
   * line never rewrites a paper row (with its vector).
   */
  line: number;
  has_abstract: boolean;
  synthetic_key: boolean;
  /** Hash of the embedding-relevant text (title + abstract): equal hash ⇒ the vector can be reused. */
  content_hash: string;
  /** Hash of every other stored field: differs ⇒ rewrite the row without re-embedding. */
  meta_hash: string;
  /** What the full-text index sees: title + abstract. */
  fts_text: string;
  /** null = not embedded (no model at index time, or empty title and abstract). */
  vector?: Float32Array | number[] | null;
  /** Mirrors `vector !== null`; a column of its own because the diff reads it for every row and
   *  `vector IS NOT NULL` costs a pass over the vector column (measured 5× slower at 10k rows). */
  has_vector?: boolean;
  /** Where the vector came from: 'local' (embedded on this machine) or 's2' (Semantic Scholar's
   *  precomputed SPECTER2); null without a vector. Schema v2. */
  vector_source?: string | null;
}

export const AUTHOR_SEPARATOR = '; ';

function sha(parts: unknown): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

export function rowUid(file: string, key: string): string {
  return sha(['uid', file, key]).slice(0, 32);
}

export function contentHash(title: string, abstract: string): string {
  return sha(['content', title, abstract]).slice(0, 32);
}

export const TABLE_PREFIX = `papers_v${SCHEMA_VERSION}_`;

export function tableNameFor(workspace: string, space: VectorSpace | null): string {
  const id = space ? [space.embedderId, space.dim] : ['lexical-only', 0];
  return `${TABLE_PREFIX}${sha([workspace, ...id, SCHEMA_VERSION]).slice(0, 20)}`;
}

/** Turns a parsed record into a row (without vector). Pure, so the indexer can diff cheaply. */
export function recordToRow(r: BibRecord): IndexRow {
  const title = r.title ?? '';
  const abstract = r.abstract ?? '';
  const meta = {
    key: r.key,
    type: r.type,
    authors: (r.authors ?? []).join(AUTHOR_SEPARATOR),
    year: r.year ?? null,
    venue: r.venue ?? null,
    doi: r.doi ?? null,
    url: r.url ?? null,
    arxiv_id: r.arxivId ?? null,
    file: r.file,
    synthetic_key: r.syntheticKey === true,
  };
  return {
    uid: rowUid(r.file, r.key),
    ...meta,
    line: r.line,
    title,
    abstract,
    has_abstract: abstract.trim().length > 0,
    content_hash: contentHash(title, abstract),
    meta_hash: sha(['meta', meta]).slice(0, 32),
    fts_text: abstract ? `${title}\n${abstract}` : title,
  };
}

/** Column order of the table. `vector` last and only when the table has a vector space. */
export function arrowSchema(space: VectorSpace | null, workspace?: string): arrow.Schema {
  const utf8 = (name: string, nullable = false) => new arrow.Field(name, new arrow.Utf8(), nullable);
  const fields: arrow.Field[] = [
    utf8('uid'),
    utf8('key'),
    utf8('type'),
    utf8('title'),
    utf8('abstract'),
    utf8('authors'),
    new arrow.Field('year', new arrow.Int32(), true),
    utf8('venue', true),
    utf8('doi', true),
    utf8('url', true),
    utf8('arxiv_id', true),
    utf8('file'),
    new arrow.Field('has_abstract', new arrow.Bool(), false),
    new arrow.Field('synthetic_key', new arrow.Bool(), false),
    utf8('content_hash'),
    utf8('meta_hash'),
    utf8('fts_text'),
    new arrow.Field('has_vector', new arrow.Bool(), false),
    utf8('vector_source', true),
  ];
  if (space) {
    fields.push(new arrow.Field('vector', new arrow.FixedSizeList(space.dim, new arrow.Field('item', new arrow.Float32(), true)), true));
  }
  const metadata = new Map<string, string>([['related_papers_schema', String(SCHEMA_VERSION)]]);
  if (space) metadata.set('related_papers_embedder', space.embedderId);
  if (workspace !== undefined) metadata.set('related_papers_workspace', workspace);
  return new arrow.Schema(fields, metadata);
}

/** Compares an opened table's schema with the expected one (names, types, nullability). Returns a reason or undefined. */
export function schemaMismatch(actual: arrow.Schema, expected: arrow.Schema): string | undefined {
  const describe = (s: arrow.Schema) => s.fields.map((f) => `${f.name}:${String(f.type)}:${f.nullable ? 'null' : 'nonnull'}`);
  const a = describe(actual);
  const e = describe(expected);
  for (let i = 0; i < Math.max(a.length, e.length); i++) {
    if (a[i] !== e[i]) return `column ${i}: found ${a[i] ?? 'nothing'}, expected ${e[i] ?? 'nothing'}`;
  }
  const embedder = actual.metadata.get('related_papers_embedder');
  const wanted = expected.metadata.get('related_papers_embedder');
  if (wanted !== undefined && embedder !== undefined && embedder !== wanted) return `table holds vectors of ${embedder}, expected ${wanted}`;
  return undefined;
}

/** SQL string literal for LanceDB (DataFusion) filters: single quotes doubled; backslashes are literal there. */
export function sqlString(s: string): string {
  if (s.includes('\u0000')) throw new Error('NUL character in a filter value');
  return `'${s.replace(/'/g, "''")}'`;
}

export function sqlIn(column: string, values: readonly string[]): string {
  return `${column} IN (${values.map(sqlString).join(', ')})`;
}

/**
 * Builds the Arrow table for a batch of rows directly (vectors copied into one Float32 buffer).
 * WHY by hand: handing LanceDB plain objects makes it infer/convert value by value, which measured
 * ~10× slower for 768-d vectors. `withVector: false` leaves the column out (metadata-only merge).
 */
export function rowsToArrow(rows: readonly IndexRow[], space: VectorSpace | null, withVector = true): arrow.Table {
  const schema = arrowSchema(space);
  const fields = schema.fields.filter((f) => !(f.name === 'vector' || f.name === 'has_vector' || f.name === 'vector_source') || withVector);
  const columns: Record<string, arrow.Vector> = {};
  for (const f of fields) {
    if (f.name === 'vector') {
      const dim = space!.dim;
      const flat = new Float32Array(rows.length * dim);
      const valid = new Uint8Array(Math.ceil(rows.length / 8));
      let nulls = 0;
      rows.forEach((r, i) => {
        if (r.vector) {
          flat.set(r.vector, i * dim);
          valid[i >> 3] |= 1 << (i & 7);
        } else nulls++;
      });
      const type = f.type as arrow.FixedSizeList;
      const child = arrow.makeData({ type: new arrow.Float32(), length: flat.length, data: flat });
      columns.vector = arrow.makeVector(arrow.makeData({ type, length: rows.length, nullCount: nulls, nullBitmap: nulls ? valid : undefined, child }));
    } else if (f.name === 'has_vector') {
      columns.has_vector = arrow.vectorFromArray(rows.map((r) => Boolean(r.vector)), f.type);
    } else if (f.name === 'vector_source') {
      columns.vector_source = arrow.vectorFromArray(rows.map((r) => (r.vector ? (r.vector_source ?? 'local') : null)), f.type);
    } else {
      const values = rows.map((r) => (r as unknown as Record<string, unknown>)[f.name] ?? null);
      columns[f.name] = arrow.vectorFromArray(values, f.type);
    }
  }
  return new arrow.Table(new arrow.Schema(fields, schema.metadata), columns as never);
}

/** Where each entry is: (uid, file, key, line). Rewritten per changed file in one commit. */
export interface PositionRow { uid: string; file: string; key: string; line: number }

export function positionsSchema(): arrow.Schema {
  return new arrow.Schema([
    new arrow.Field('uid', new arrow.Utf8(), false),
    new arrow.Field('file', new arrow.Utf8(), false),
    new arrow.Field('key', new arrow.Utf8(), false),
    new arrow.Field('line', new arrow.Int32(), false),
  ], new Map([['related_papers_schema', String(SCHEMA_VERSION)]]));
}

export function positionsToArrow(rows: readonly PositionRow[]): arrow.Table {
  const schema = positionsSchema();
  const col = (name: keyof PositionRow, type: arrow.DataType) => arrow.vectorFromArray(rows.map((r) => r[name]), type);
  return new arrow.Table(schema, {
    uid: col('uid', new arrow.Utf8()),
    file: col('file', new arrow.Utf8()),
    key: col('key', new arrow.Utf8()),
    line: col('line', new arrow.Int32()),
  } as never);
}
