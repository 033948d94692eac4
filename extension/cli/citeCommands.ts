/**
 * `related-papers suggest FILE:LINE:COL --db DIR [--model-dir DIR] [--k N] [--json]`
 * `related-papers check FILE --db DIR [--model-dir DIR] [--citation-check] [--json]`
 *
 * The citation engine of the editor, from the command line (other editors, scripts): the same grammar, context
 * extraction, ranking (core/citations + core/index/search) and diagnostics. Lines and columns are 1-based.
 * The index is reached through THE application layer (core/app), as the extension and `query` reach it.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { entryDetail, type CatalogEntry } from '../core/citations/catalog';
import { citationCheck } from '../core/citations/check';
import { completeCitation, type SearchDeps, type SearchHit } from '../core/citations/completion';
import { duplicateKeyDiagnostics, undefinedKeyDiagnostics, type CitationDiagnostic } from '../core/citations/diagnostics';
import { citationsOf, offsetOf, type DocText } from '../core/citations/document';
import { completionSiteAt, type DocLanguage } from '../core/citations/grammar';
import { Library } from '../core/app/library';
import { libraryCitationCatalog, librarySearchDeps } from '../core/app/citations';
import { extractContext } from '../core/editor/context';
import { followedLanguage } from '../core/editor/language';
import type { Embedder } from '../core/index/embedder';
import { NativeUnavailableError } from '../core/index/nativeLoader';
import { IndexStore } from '../core/index/store';
import { CLI_WORKSPACE, type IndexCommandDeps } from './indexCommands';
import { CliError, type CliIO } from './io';


function readDoc(file: string, cmd: string): DocText {
  const abs = path.resolve(file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch {
    throw new CliError(`${cmd}: ${file}: no such file`);
  }
  const lang = followedLanguage('', abs);
  if (!lang || lang === 'bibtex') throw new CliError(`${cmd}: ${file}: not a LaTeX, Markdown/Quarto/R Markdown, Typst or text document`);
  return { file: abs, text, language: lang as DocLanguage };
}

/** FILE:LINE:COL, split from the right (a Windows path has a colon of its own). */
export function parseCursor(arg: string | undefined): { file: string; line: number; col: number } {
  const m = arg ? /^(.+):(\d+):(\d+)$/.exec(arg) : null;
  if (!m) throw new CliError(`suggest: expected FILE:LINE:COL (1-based), got ${JSON.stringify(arg ?? '')}`);
  const line = Number(m[2]);
  const col = Number(m[3]);
  if (line < 1 || col < 1) throw new CliError(`suggest: LINE and COL are 1-based, got ${line}:${col}`);
  return { file: m[1]!, line, col };
}

async function withIndex<T>(dbDir: string, modelDir: string | undefined, cmd: string, deps: IndexCommandDeps, io: CliIO, fn: (search: SearchDeps, catalog: CatalogEntry[]) => Promise<T>): Promise<T> {
  if (!fs.existsSync(dbDir)) throw new CliError(`${cmd}: --db ${dbDir}: no index there (run related-papers index first)`, 1);
  const embedder = (await deps.createEmbedder(modelDir)) as (Embedder & { dispose?: () => unknown }) | null;
  try {
    // THE application layer, as `query` uses it: the vector path needs the table's own model.
    let usable: Embedder | null = null;
    try {
      usable = embedder && (await IndexStore.exists({ dir: dbDir, workspace: CLI_WORKSPACE, space: { embedderId: embedder.id, dim: embedder.dim } })) ? embedder : null;
    } catch (e) {
      if (e instanceof NativeUnavailableError) throw new CliError(`${cmd}: ${e.message}`, 1);
      throw new CliError(`${cmd}: --db ${dbDir}: cannot open the index (${(e as Error).message.split('\n')[0]})`, 1);
    }
    if (embedder && !usable) io.stderr.write(`related-papers: note: the index was not built with ${embedder.id}; answering lexically\n`);
    const library = new Library({ dbDir, workspace: CLI_WORKSPACE, model: { ensure: async () => usable }, vectorCacheDir: null });
    try {
      try {
        await library.open();
      } catch (e) {
        if (e instanceof NativeUnavailableError) throw new CliError(`${cmd}: ${e.message}`, 1);
        throw new CliError(`${cmd}: --db ${dbDir}: cannot open the index (${(e as Error).message.split('\n')[0]})`, 1);
      }
      return await fn(librarySearchDeps(library), await libraryCitationCatalog(library));
    } finally {
      library.close();
    }
  } finally {
    const d = embedder?.dispose;
    if (typeof d === 'function') await d.call(embedder);
  }
}

function positiveInt(s: string, flag: string): number {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) throw new CliError(`${flag} must be a positive integer, not "${s}"`);
  return n;
}

/** Bibliography strings are hostile: no control characters reach the terminal. */
function oneLine(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

export async function suggestCommand(argv: string[], io: CliIO, deps: IndexCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { db: { type: 'string' }, 'model-dir': { type: 'string' }, k: { type: 'string', default: '10' }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new CliError('suggest: give exactly one FILE:LINE:COL');
  if (!values.db) throw new CliError('suggest: --db DIR is required (the folder holding the index)');
  const k = positiveInt(values.k!, '--k');
  const cursor = parseCursor(positionals[0]);
  const doc = readDoc(cursor.file, 'suggest');
  const offset = offsetOf(doc.text, cursor.line, cursor.col);
  const results = await withIndex(path.resolve(values.db), values['model-dir'], 'suggest', deps, io, async (search, catalog) => {
    const byKey = new Map(catalog.map((e) => [e.key, e]));
    if (completionSiteAt(doc.text, offset, doc.language)) {
      // inside a citation: the completion list's ranked items (typed text filters, keys of the citation excluded)
      const r = await completeCitation(doc.text, offset, doc.language, catalog, search, { rankK: k, maxItems: k });
      return (r?.items ?? []).filter((i) => i.hit).map((i) => ({ entry: i.entry, hit: i.hit! }));
    }
    // in prose: the panel's query (same context extraction, the paragraph's cited keys excluded)
    const ctx = extractContext(doc.text, offset, doc.language);
    if (!ctx.text) return [];
    const hits = await search.search({ text: ctx.text, k, excludeKeys: ctx.paragraphKeys });
    return hits.flatMap((h) => (byKey.has(h.key) ? [{ entry: byKey.get(h.key)!, hit: h }] : []));
  });
  const out = results.map(({ entry, hit }) => ({
    key: entry.key, title: entry.title, relevance: hit.relevance, band: hit.band, score: round(hit.score), detail: entryDetail(entry),
    ...(entry.year !== undefined ? { year: entry.year } : {}), file: entry.file, line: entry.line,
  }));
  if (values.json) io.stdout.write(JSON.stringify({ results: out.map((o) => ({ ...o, relevance: round(o.relevance) })) }) + '\n');
  else if (out.length === 0) io.stdout.write('no suggestions (the cursor is not in prose or a citation, or the index is empty)\n');
  else out.forEach((o, i) => io.stdout.write(`${String(i + 1).padStart(2)}. ${o.relevance.toFixed(2)} ${o.band.padEnd(7)} ${oneLine(o.key)}  ${oneLine(o.title)}\n`));
  return 0;
}

export async function checkCommand(argv: string[], io: CliIO, deps: IndexCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { db: { type: 'string' }, 'model-dir': { type: 'string' }, 'citation-check': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
  });
  if (positionals.length !== 1) throw new CliError('check: give exactly one FILE');
  if (!values.db) throw new CliError('check: --db DIR is required (the folder holding the index)');
  const doc = readDoc(positionals[0]!, 'check');
  const diagnostics = await withIndex(path.resolve(values.db), values['model-dir'], 'check', deps, io, async (search, catalog) => {
    const citations = citationsOf(doc.text, doc.language);
    const cited = new Set(citations.flatMap((c) => c.keys));
    const out: CitationDiagnostic[] = await undefinedKeyDiagnostics(doc, catalog, { search: search.search }, citations);
    // a key this document cites that is defined twice with different content (reported at both entries)
    out.push(...duplicateKeyDiagnostics(catalog).filter((d) => cited.has(d.key)));
    if (values['citation-check']) out.push(...(await citationCheck(doc, catalog, search.search, { searchMany: search.searchMany }, citations)));
    return out;
  });
  const rows = diagnostics.map((d) => ({ file: d.file, line: d.line, col: d.col, severity: d.severity, code: d.code, key: d.key, message: d.message, fixes: d.fixes }));
  if (values.json) io.stdout.write(JSON.stringify({ diagnostics: rows }) + '\n');
  else if (rows.length === 0) io.stdout.write('no citation problems\n');
  else for (const r of rows) io.stdout.write(`${r.file}:${r.line}:${r.col}: ${r.severity}: ${oneLine(r.message)} [${r.code}]\n`);
  return 0;
}
