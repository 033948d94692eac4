/**
 * `related-papers index PATH... --db DIR [--model-dir DIR] [--json]`
 * `related-papers query --db DIR [--model-dir DIR] (--text "…" | --key KEY | --queries FILE|-) [--k 10] [--vector-weight W] [--json]`
 *
 * THE application layer the extension uses (core/app/library.ts). The model comes from `deps` so the caller
 * (and tests) decide which embedder runs. Exit codes: 0 (also when a bibliography has bad entries:
 * they are reported as diagnostics), 2 unusable arguments, 1 unusable database / native module.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { SourceDiagnostic } from '../core/types';
import type { Embedder } from '../core/index/embedder';
import { findBibliographyFiles } from '../core/index/discover';
import { removeFiles } from '../core/index/indexer';
import { Library, embeddingProgressText, type LibraryResult } from '../core/app/library';
import { defaultVectorCacheDir } from '../core/index/vectorCache';
import { NativeUnavailableError } from '../core/index/nativeLoader';
import { UnknownKeyError, type Hit, type SearchMode } from '../core/index/search';
import { isTestModelDir, TEST_MODEL_NOTE } from '../core/eval/testModel';
import { IndexStore } from '../core/index/store';
import { isObjectStoreUri, ObjectStoreError, parseStorageOptions, storageOptionsFor } from '../core/remote/objectStore';
import { createS2VectorSource } from '../core/remote/s2VectorSource';
import { S2_SPACE } from '../core/remote/semanticScholar';
import { defaultCacheDir } from './embedCommand';
import { CliError, readJsonLines, type CliIO } from './io';

export interface IndexCommandDeps {
  /**
   * null = no model (lexical only). May throw CliError for an unusable --model-dir. `restarts` counts
   * worker threads replaced after a crash (the real embedder runs in THE worker thread).
   */
  createEmbedder(modelDir: string | undefined): Promise<(Embedder & { dispose?: () => unknown; restarts?: () => number }) | Embedder | null>;
}

/** The CLI's tables are keyed by this fixed workspace id: one `--db` folder = one collection. */
export const CLI_WORKSPACE = 'related-papers-cli';
const QUERY_BATCH = 32;

export async function indexCommand(argv: string[], io: CliIO, deps: IndexCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      db: { type: 'string' },
      'model-dir': { type: 'string' },
      json: { type: 'boolean', default: false },
      'batch-size': { type: 'string' },
      'vector-cache': { type: 'string' },
      'storage-option': { type: 'string', multiple: true },
      's2-vectors': { type: 'boolean', default: false },
      's2-endpoint': { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new CliError('index: give at least one bibliography file or folder (PATH...)');
  const dbDir = requireDb(values.db, 'index');
  const storageOptions = storageOptionsOf(dbDir, values['storage-option']);
  const vectorCacheDir = vectorCacheOption(values['vector-cache']);
  const batchSize = values['batch-size'] === undefined ? undefined : positiveInt(values['batch-size'], '--batch-size');

  // Resolve the arguments first: a missing PATH is an unusable argument, before any work is done.
  const files = new Set<string>();
  const walked: string[] = [];
  const diagnostics: SourceDiagnostic[] = [];
  for (const p of positionals) {
    const abs = path.resolve(p);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(abs);
    } catch {
      throw new CliError(`index: ${p}: no such file or folder`);
    }
    if (stat.isDirectory()) {
      walked.push(abs);
      const found = await findBibliographyFiles(abs);
      found.files.forEach((f) => files.add(f));
      for (const pr of found.problems) diagnostics.push({ file: pr.path, line: 1, severity: 'warning', message: pr.message });
    } else {
      files.add(abs);
    }
  }
  const named = new Set(positionals.map((p) => path.resolve(p)));

  // --s2-vectors: Semantic Scholar's SPECTER2 vectors in a table of their own vector space; a local
  // model (another identity) never writes into it, so rows without DOI/arXiv id are lexical there.
  const s2 = values['s2-vectors'] ? createS2VectorSource({ endpoint: values['s2-endpoint'], apiKey: process.env.S2_API_KEY, cacheDir: defaultCacheDir() }) : undefined;
  if (!s2 && values['s2-endpoint'] !== undefined) throw new CliError('--s2-endpoint needs --s2-vectors');
  if (s2 && values['model-dir'] !== undefined) io.stderr.write('related-papers: note: with --s2-vectors the local model is not used (its vectors are another model\'s and never share a table with Semantic Scholar\'s)\n');
  const embedder = s2 ? null : await deps.createEmbedder(values['model-dir']);
  try {
    const library = new Library({
      dbDir, workspace: CLI_WORKSPACE, model: { ensure: async () => embedder }, vectorCacheDir, log: cliLog(io),
      ...(storageOptions ? { storageOptions } : {}),
      ...(s2 ? { space: () => S2_SPACE, vectorSource: async () => s2 } : {}),
    });
    const store = await openLibrary(library, dbDir, 'index');
    try {
      const restarts = (embedder as { restarts?: () => number } | null)?.restarts;
      const summary = await library.index([...files], { scope: 'only', batchSize, restarts: restarts ? () => restarts.call(embedder) : undefined });
      if (s2?.refusals.length) io.stderr.write(`related-papers: note: ${s2.stats.refused} Semantic Scholar vectors refused (e.g. ${s2.refusals[0]})\n`);
      // Rows of files that are gone (deleted, or no longer found under a folder given here) are removed.
      const indexedFiles = new Set((await store.state()).map((s) => s.file));
      const stale = [...indexedFiles].filter((f) => !fs.existsSync(f) || (walked.some((w) => isUnder(f, w)) && !files.has(f)));
      const removedStale = stale.length ? await removeFiles(store, stale) : 0;
      // Files found by walking a folder that are not bibliographies (package.json, README.md) are
      // not worth a diagnostic; files named explicitly always are.
      const silent = new Set(summary.perFile.filter((f) => f.entries === 0 && !named.has(f.file) && !/\.(bib|bibtex|biblatex)$/i.test(f.file)).map((f) => f.file));
      const allDiagnostics = [...diagnostics, ...summary.diagnostics.filter((d) => !silent.has(d.file))];
      const out = {
        files: summary.files - silent.size,
        entries: summary.entries,
        embedded: summary.embedded,
        s2Vectors: summary.sourced,
        reused: summary.reused,
        fromCache: summary.fromCache,
        moved: summary.moved,
        workerRestarts: summary.workerRestarts,
        updated: summary.updated,
        withoutVector: summary.withoutVector,
        unchanged: summary.unchanged,
        removed: summary.removed + removedStale,
        lexicalOnly: summary.lexicalOnly,
        model: store.space?.embedderId ?? null,
        table: store.tableName,
        ...(store.rebuilt ? { rebuilt: store.rebuilt.reason } : {}),
        diagnostics: allDiagnostics.map((d) => ({ file: d.file, line: d.line, severity: d.severity, message: d.message, ...(d.key !== undefined ? { key: d.key } : {}) })),
      };
      if (values.json) {
        io.stdout.write(JSON.stringify(out) + '\n');
      } else {
        for (const d of out.diagnostics) io.stdout.write(`${d.file}:${d.line}: ${d.severity}: ${oneLine(d.message)}\n`);
        io.stdout.write(
          `indexed ${out.entries} entries from ${out.files} files: ${out.embedded} embedded, ${s2 ? `${out.s2Vectors} vectors from Semantic Scholar, ` : ''}${out.reused} reused, ` +
            `${out.updated} updated, ${out.withoutVector} stored without vector, ${out.unchanged} unchanged, ${out.removed} removed` +
            (out.lexicalOnly && !s2 ? ' (no model: lexical search only; pass --model-dir)' : '') + '\n',
        );
      }
      return 0;
    } finally {
      library.close();
    }
  } finally {
    await disposeEmbedder(embedder);
  }
}

/** `--vector-cache DIR` (default: the shared location, see core/index/vectorCache.ts), `--vector-cache none` to skip it. */
function vectorCacheOption(v: string | undefined): string | null {
  if (v === 'none') return null;
  return v ? path.resolve(v) : defaultVectorCacheDir();
}

function cliLog(io: CliIO) {
  return { info: () => {}, warn: (m: string) => io.stderr.write(`related-papers: note: ${oneLine(m)}\n`) };
}

async function openLibrary(library: Library, dbDir: string, cmd: string): Promise<IndexStore> {
  try {
    return await library.open();
  } catch (e) {
    if (e instanceof NativeUnavailableError || e instanceof ObjectStoreError) throw new CliError(`${cmd}: ${e.message}`, 1);
    throw new CliError(`${cmd}: --db ${dbDir}: cannot open the index (${(e as Error).message.split('\n')[0]})`, 1);
  }
}

export async function queryCommand(argv: string[], io: CliIO, deps: IndexCommandDeps): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      db: { type: 'string' },
      'model-dir': { type: 'string' },
      text: { type: 'string' },
      key: { type: 'string' },
      queries: { type: 'string' },
      k: { type: 'string', default: '10' },
      exclude: { type: 'string', multiple: true },
      'vector-weight': { type: 'string' },
      json: { type: 'boolean', default: false },
      'storage-option': { type: 'string', multiple: true },
      's2-vectors': { type: 'boolean', default: false },
    },
  });
  const dbDir = requireDb(values.db, 'query');
  const storageOptions = storageOptionsOf(dbDir, values['storage-option']);
  // Omitted = the search default (which also mutes a model the calibration finds at chance).
  const vectorWeight = values['vector-weight'] === undefined ? undefined : unitInterval(values['vector-weight'], '--vector-weight');
  const testModel = values['model-dir'] !== undefined && isTestModelDir(path.resolve(values['model-dir']));
  const given = (['text', 'key', 'queries'] as const).filter((o) => values[o] !== undefined);
  if (given.length !== 1) throw new CliError('query: give exactly one of --text "…", --key KEY or --queries FILE|-');
  const k = positiveInt(values.k!, '--k');
  if (!storageOptions && !fs.existsSync(dbDir)) throw new CliError(`query: --db ${dbDir}: no index there (run related-papers index first)`, 1);
  let queriesStream: NodeJS.ReadableStream | undefined;
  if (values.queries !== undefined) {
    if (values.queries === '-') queriesStream = io.stdin;
    else if (!fs.existsSync(values.queries)) throw new CliError(`query: --queries ${values.queries}: no such file`);
    else queriesStream = fs.createReadStream(values.queries);
  }
  const excludeKeys = (values.exclude ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);

  // --s2-vectors: the table of Semantic Scholar's vectors (similar papers by them; text queries lexical).
  const s2 = values['s2-vectors'] === true;
  const embedder = s2 ? null : await deps.createEmbedder(values['model-dir']);
  try {
    if (s2 && !(await tableExists(dbDir, S2_SPACE, storageOptions))) {
      throw new CliError(`query: --db ${dbDir}: no index with Semantic Scholar vectors there (run related-papers index --s2-vectors first)`, 1);
    }
    // The vector path needs the table's own model; otherwise the query is answered lexically
    // (and no empty table is created for a model the index was never built with).
    const usable = embedder && (await tableExists(dbDir, { embedderId: embedder.id, dim: embedder.dim }, storageOptions)) ? embedder : null;
    if (embedder && !usable) {
      io.stderr.write(`related-papers: note: the index was not built with ${embedder.id}; answering lexically (re-run index with this --model-dir)\n`);
    }
    const library = new Library({
      dbDir, workspace: CLI_WORKSPACE, model: { ensure: async () => usable }, vectorCacheDir: null, log: cliLog(io),
      // A query never creates or rebuilds a table on shared object storage (other machines read it).
      ...(storageOptions ? { storageOptions, readOnly: true } : {}),
      ...(s2 ? { space: () => S2_SPACE } : {}),
    });
    try {
      await openLibrary(library, dbDir, 'query');
      if (testModel) io.stderr.write(`related-papers: note: ${TEST_MODEL_NOTE} (random-weight model in --model-dir)\n`);
      const out = { json: values.json!, testModel };
      if (values.key !== undefined) {
        let result: LibraryResult;
        try {
          result = await library.similar(values.key, { k, excludeKeys, vectorWeight });
        } catch (e) {
          if (e instanceof UnknownKeyError) throw new CliError(`query: --key ${JSON.stringify(values.key)}: no such entry in ${dbDir}`);
          throw e;
        }
        printResults(io, out, { key: values.key }, result);
        return 0;
      }
      if (values.text !== undefined) {
        printResults(io, out, { text: values.text }, await library.search({ text: values.text, k, excludeKeys, vectorWeight }));
        return 0;
      }
      await answerMany(io, queriesStream!, library, usable, k, excludeKeys, vectorWeight);
      return 0;
    } finally {
      library.close();
    }
  } finally {
    await disposeEmbedder(embedder);
  }
}

async function tableExists(dbDir: string, space: { embedderId: string; dim: number }, storageOptions?: Record<string, string>): Promise<boolean> {
  try {
    return await IndexStore.exists({ dir: dbDir, workspace: CLI_WORKSPACE, space, ...(storageOptions ? { storageOptions } : {}) });
  } catch (e) {
    if (e instanceof NativeUnavailableError || e instanceof ObjectStoreError) throw new CliError(`query: ${e.message}`, 1);
    throw new CliError(`query: --db ${dbDir}: cannot open the index (${(e as Error).message.split('\n')[0]})`, 1);
  }
}

/**
 * JSON Lines in: {"id", "text"} (or {"id", "key"} for entries similar to a key); JSON Lines out:
 * {"id", "mode", "results": [...]}, or {"id", "error"} for a line that cannot be answered — one bad
 * line does not stop the others. Query texts are embedded in batches of QUERY_BATCH.
 */
async function answerMany(io: CliIO, stream: NodeJS.ReadableStream, library: Library, embedder: Embedder | null, k: number, excludeKeys: string[], vectorWeight: number | undefined): Promise<void> {
  let pending: { line: number; id: unknown; text?: string; key?: string; error?: string }[] = [];
  const flush = async () => {
    const texts = pending.filter((p) => p.text !== undefined);
    const vectors = embedder && texts.length ? await embedder.embedQueries(texts.map((p) => p.text!)) : [];
    const vecOf = new Map(texts.map((p, i) => [p, vectors[i]]));
    for (const p of pending) {
      if (p.error) { io.stdout.write(JSON.stringify({ id: p.id, error: p.error }) + '\n'); continue; }
      try {
        const r = p.key !== undefined
          ? await library.similar(p.key, { k, excludeKeys, vectorWeight })
          : await library.search({ text: p.text!, queryVector: vecOf.get(p), k, excludeKeys, vectorWeight });
        io.stdout.write(JSON.stringify({ id: p.id, mode: modeOf(r.hits, embedder), results: r.hits.map(resultJson) }) + '\n');
      } catch (e) {
        const msg = e instanceof UnknownKeyError ? e.message : `line ${p.line}: ${(e as Error).message.split('\n')[0]}`;
        io.stdout.write(JSON.stringify({ id: p.id, error: msg }) + '\n');
      }
    }
    pending = [];
  };
  for await (const { line, value } of readJsonLines(stream)) {
    const o = (typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {}) as Record<string, unknown>;
    const id = o.id ?? null;
    if (typeof o.text === 'string') pending.push({ line, id, text: o.text });
    else if (typeof o.key === 'string') pending.push({ line, id, key: o.key });
    else pending.push({ line, id, error: `line ${line}: expected {"id","text"} or {"id","key"}` });
    if (pending.length >= QUERY_BATCH) await flush();
  }
  await flush();
}

function printResults(io: CliIO, out: { json: boolean; testModel: boolean }, query: Record<string, string>, result: LibraryResult): void {
  const { hits, embedding } = result;
  const mode = hits[0]?.mode;
  if (out.json) {
    io.stdout.write(JSON.stringify({ ...query, mode: mode ?? null, testModel: out.testModel, ...(out.testModel ? { note: TEST_MODEL_NOTE } : {}), embedding: { embedded: embedding.embedded, embeddable: embedding.embeddable }, results: hits.map(resultJson) }) + '\n');
    return;
  }
  if (out.testModel) io.stdout.write(`(${TEST_MODEL_NOTE})\n`);
  if (hits.length === 0) io.stdout.write('no results\n');
  hits.forEach((h, i) => {
    const why = h.why.length ? `  [${h.why.join('+')}]` : '';
    io.stdout.write(`${String(i + 1).padStart(2)}. ${h.relevance.toFixed(2)} ${h.band.padEnd(7)}  ${oneLine(h.key)}  ${oneLine(h.title)}  (${h.file}:${h.line})${why}\n`);
  });
  if (mode === 'lexical') io.stdout.write('(lexical results only: no model vectors for this query)\n');
  if (embedding.embedded < embedding.embeddable && embedding.embedded + embedding.embeddable > 0) {
    io.stdout.write(`(${embeddingProgressText(embedding)}: meaning covers those, words cover all)\n`);
  }
}

/** One hit in --json: `relevance` (calibrated 0..1) and `band` are what to show; `score` is the fusion order. */
function resultJson(h: Hit) {
  return {
    key: h.key, title: h.title, relevance: h.relevance, band: h.band, score: round(h.score),
    ...(h.cosine !== undefined ? { cosine: round(h.cosine) } : {}),
    evidence: h.evidence, why: h.why, terms: h.terms, file: h.file, line: h.line,
  };
}

function modeOf(hits: Hit[], embedder: Embedder | null): SearchMode | null {
  return hits[0]?.mode ?? (embedder ? null : 'lexical');
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** Bibliography strings are hostile: no control characters (terminal escapes, newlines) reach the terminal. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function requireDb(db: string | undefined, cmd: string): string {
  if (!db) throw new CliError(`${cmd}: --db DIR is required (the folder holding the index)`);
  return isObjectStoreUri(db) ? db.replace(/\/+$/, '') : path.resolve(db);
}

/** storageOptions for an object-store --db (env + --storage-option); undefined for a local folder. */
function storageOptionsOf(dbDir: string, args: string[] | undefined): Record<string, string> | undefined {
  if (!isObjectStoreUri(dbDir)) {
    if (args?.length) throw new CliError('--storage-option applies only to an object-store --db (s3://bucket/prefix)');
    return undefined;
  }
  let explicit: Record<string, string>;
  try {
    explicit = parseStorageOptions(args ?? []);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  // LanceDB's native logger would print retry warnings (multi-line, with Rust paths) to stderr;
  // the failure itself is reported as one line. Set before LanceDB loads (it loads lazily on open).
  process.env.LANCEDB_LOG ??= 'error';
  return storageOptionsFor(dbDir, process.env, explicit);
}

function unitInterval(s: string, flag: string): number {
  const n = Number(s);
  if (s.trim() === '' || !Number.isFinite(n) || n < 0 || n > 1) throw new CliError(`${flag} must be a number from 0 to 1, not "${s}"`);
  return n;
}

function positiveInt(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, not "${s}"`);
  return n;
}

function isUnder(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function disposeEmbedder(e: unknown): Promise<void> {
  const d = (e as { dispose?: () => unknown } | null)?.dispose;
  if (typeof d === 'function') await d.call(e);
}
