/**
 * BibTeX/BibLaTeX file → BibRecords + diagnostics.
 * Pipeline: split (./bibtexSplit) → fields (./bibtexFields) → @string expansion → xdata/crossref inheritance →
 * cache lookup by decoding input → LaTeX decoding of the few fields a record needs (./latexDecode).
 */
import type { BibRecord, SourceDiagnostic } from '../types';
import { splitBibtex, type RawChunk } from './bibtexSplit';
import { parseChunkFields, type ParsedChunk, type ValuePart } from './bibtexFields';
import { EntryCache, type DecodedEntry } from './entryCache';
import { sha256 } from './hash';
import { arxivIdFromEprint, arxivIdFromText, normaliseDoi, yearFrom } from './identifiers';
import { decodePlain, decodeWithEngine, needsLatexEngine, splitNames, type DecodedName, type LatexRequest } from './latexDecode';
import { syntheticKey, uniqueKey } from './syntheticKey';
import { decodeLatexLite } from './latexLite';

export interface BibtexParseOptions {
  cache?: EntryCache;
  /** Called once per entry that is actually decoded (not served from the cache). */
  onDecode?: (key: string) => void;
}

/** The raw fields a record is built from; only these are expanded, inherited, hashed and decoded. */
const RECORD_FIELDS = [
  'title', 'subtitle', 'abstract', 'author', 'editor', 'year', 'date', 'journal', 'journaltitle', 'booktitle',
  'doi', 'url', 'eprint', 'archiveprefix', 'eprinttype',
] as const;
type RecordField = (typeof RECORD_FIELDS)[number];
type RawValues = Partial<Record<RecordField, string>>;

/** BibTeX's predefined month macros (as in bibtex's plain.bst and the library). */
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** Child types whose `booktitle` comes from the crossref parent's `title` (BibLaTeX inheritance rules, simplified). */
const BOOKTITLE_FROM_PARENT_TITLE = new Set([
  'inproceedings', 'incollection', 'inbook', 'inreference', 'bookinbook', 'suppbook', 'suppcollection', 'conference',
]);

interface EntryInfo {
  chunk: RawChunk;
  hash: string;
  key: string;
  /** Parsed fields; absent for entries served whole from the cache until a crossref child needs them. */
  parsed?: ParsedChunk;
  /** Cached decoding found under the raw-text hash (see `rawCacheableMacros`); checked against macros before use. */
  cached?: DecodedEntry;
}

/**
 * Entries whose record depends only on their own text plus @string macros (no crossref/xdata, no parse problems) are
 * cached under their raw-text hash, with the macro values they read; on a re-parse they skip field parsing, expansion
 * and decoding entirely as long as those macros are unchanged — the bulk of the work for a 10k-entry file.
 * Returns the macro names read, or undefined when the entry is not eligible.
 */
function rawCacheableMacros(p: ParsedChunk, terminated: boolean): string[] | undefined {
  if (!terminated || p.problems.length || p.fields.has('crossref') || p.fields.has('xdata')) return undefined;
  const names: string[] = [];
  for (const f of RECORD_FIELDS) {
    const field = p.fields.get(f);
    if (field) for (const part of field.parts) if (part.kind === 'macro') names.push(part.name);
  }
  return names;
}

const RAW_PREFIX = 'raw:';

export function parseBibtexText(
  file: string,
  text: string,
  opts: BibtexParseOptions = {},
): { records: BibRecord[]; diagnostics: SourceDiagnostic[]; entryHashes: string[] } {
  const diagnostics: SourceDiagnostic[] = [];
  const chunks = splitBibtex(text);
  const macros = new Map<string, string>(MONTHS.map((m, i) => [m, String(i + 1)]));
  const undefinedMacros = new Map<string, { line: number; uses: number }>();
  const expandPart = (p: ValuePart): string => {
    if (p.kind === 'text') return p.text;
    const v = macros.get(p.name);
    if (v !== undefined) return v;
    const u = undefinedMacros.get(p.name);
    if (u) u.uses++;
    else undefinedMacros.set(p.name, { line: p.line, uses: 1 });
    return p.name;
  };
  const expand = (parts: ValuePart[]): string => (parts.length === 1 ? expandPart(parts[0]) : parts.map(expandPart).join(''));

  const entries: EntryInfo[] = [];
  for (const chunk of chunks) {
    if (!chunk.terminated) {
      const next = chunk.end < text.length ? `; it was cut where the next entry starts (line ${lineAt(text, chunk.end)})` : ' before the end of the file';
      diagnostics.push({
        file,
        line: chunk.line,
        severity: 'error',
        message: `@${chunk.type} is not closed (unbalanced braces or a missing closing delimiter)${next}`,
      });
    }
    if (chunk.kind === 'string') {
      const parsed = parseChunkFields(text, chunk, false);
      for (const p of parsed.problems) diagnostics.push({ file, line: p.line, severity: 'warning', message: `@string: ${p.message}` });
      for (const [name, field] of parsed.fields) macros.set(name, expand(field.parts));
    } else if (chunk.kind === 'entry') {
      const hash = sha256(text.slice(chunk.start, chunk.end));
      const cached = chunk.terminated ? opts.cache?.get(RAW_PREFIX + hash) : undefined;
      if (cached) {
        entries.push({ chunk, hash, key: cached.record.key, cached });
        continue;
      }
      const parsed = parseChunkFields(text, chunk, true);
      const key = parsed.key;
      for (const p of parsed.problems) diagnostics.push({ file, line: p.line, severity: 'warning', message: p.message, ...(key ? { key } : {}) });
      if (!chunk.terminated && diagnostics.length) {
        const d = diagnostics.find((x) => x.line === chunk.line && x.severity === 'error' && x.key === undefined);
        if (d && key) d.key = key;
      }
      entries.push({ chunk, parsed, hash, key });
    }
  }

  // First occurrence of a key wins (what BibTeX and biber do); later ones are reported and dropped.
  const byKey = new Map<string, EntryInfo>();
  const kept: EntryInfo[] = [];
  for (const e of entries) {
    const k = e.key.toLowerCase();
    if (!k) {
      kept.push(e);
      continue;
    }
    const first = byKey.get(k);
    if (first) {
      diagnostics.push({
        file,
        line: e.chunk.line,
        severity: 'warning',
        key: e.key,
        message: `duplicate key "${e.key}" (first defined at line ${first.chunk.line}); this entry is ignored, the first one is kept`,
      });
      continue;
    }
    byKey.set(k, e);
    kept.push(e);
  }

  const fieldsOf = (e: EntryInfo): ParsedChunk => (e.parsed ??= parseChunkFields(text, e.chunk, true));
  const rawCache = new Map<EntryInfo, RawValues>();
  const ownRaw = (e: EntryInfo): RawValues => {
    let v = rawCache.get(e);
    if (!v) {
      v = {};
      for (const f of RECORD_FIELDS) {
        const field = fieldsOf(e).fields.get(f);
        if (field) v[f] = expand(field.parts);
      }
      rawCache.set(e, v);
    }
    return v;
  };
  const missingParents = new Map<string, number>();
  const resolved = (e: EntryInfo, seen: Set<EntryInfo>): RawValues => {
    const own = ownRaw(e);
    const fields = fieldsOf(e).fields;
    if (!fields.has('xdata') && !fields.has('crossref')) return own;
    const values: RawValues = { ...own };
    seen.add(e);
    // BibLaTeX xdata: fields copied from the listed @xdata entries (child wins).
    const xdata = fieldsOf(e).fields.get('xdata');
    if (xdata) {
      for (const ref of expand(xdata.parts).split(',').map((s) => s.trim().toLowerCase()).filter(Boolean)) {
        const parent = byKey.get(ref);
        if (!parent) {
          missingParents.set(ref, e.chunk.line);
          continue;
        }
        if (seen.has(parent)) continue;
        const pv = resolved(parent, seen);
        for (const f of RECORD_FIELDS) if (values[f] === undefined && pv[f] !== undefined) values[f] = pv[f];
      }
    }
    const crossref = fieldsOf(e).fields.get('crossref');
    if (crossref) {
      const ref = decodePlain(expand(crossref.parts)).toLowerCase();
      const parent = byKey.get(ref);
      if (!parent) missingParents.set(ref, e.chunk.line);
      else if (!seen.has(parent)) {
        const pv = resolved(parent, seen);
        if (values.booktitle === undefined && pv.title !== undefined && BOOKTITLE_FROM_PARENT_TITLE.has(e.chunk.type)) {
          values.booktitle = pv.title;
        }
        if (values.journaltitle === undefined && values.journal === undefined && parent.chunk.type === 'periodical' && pv.title !== undefined) {
          values.journaltitle = pv.title;
        }
        for (const f of RECORD_FIELDS) {
          if (f === 'title' || f === 'subtitle' || f === 'abstract' || f === 'doi' || f === 'url' || f === 'eprint') continue;
          if (values[f] === undefined && pv[f] !== undefined) values[f] = pv[f];
        }
      }
    }
    return values;
  };

  const macrosUnchanged = (d: DecodedEntry): boolean => !d.macroDeps || d.macroDeps.every(([n, v]) => macros.get(n) === v);
  const cache = opts.cache;
  const records: BibRecord[] = [];
  const entryHashes: string[] = [];
  const usedKeys = new Set<string>();
  let keyless = 0;
  let firstKeylessLine = 0;
  for (const e of kept) {
    if (e.chunk.type === 'xdata' || e.chunk.type === 'set') continue;
    let decoded = e.cached && macrosUnchanged(e.cached) ? e.cached : undefined;
    if (decoded) {
      cache!.touch(RAW_PREFIX + e.hash, decoded);
    } else {
      const parsed = fieldsOf(e);
      const macroNames = rawCacheableMacros(parsed, e.chunk.terminated);
      const macroDeps = macroNames?.map((n): [string, string | undefined] => [n, macros.get(n)]);
      const byRawText = macroDeps !== undefined && macroDeps.every(([, v]) => v !== undefined);
      const values = resolved(e, new Set());
      // Other entries are cached under a hash of exactly what decoding reads (expanded macros, inherited fields),
      // so editing an @string or a crossref parent re-decodes just the entries that use it.
      const cacheKey = byRawText
        ? RAW_PREFIX + e.hash
        : sha256(JSON.stringify([e.chunk.type, e.key, RECORD_FIELDS.map((f) => values[f] ?? null)]));
      decoded = cache?.get(cacheKey);
      if (decoded && !macrosUnchanged(decoded)) decoded = undefined;
      if (decoded) {
        cache!.touch(cacheKey, decoded);
      } else {
        decoded = decodeEntry(e.chunk.type, e.key, values);
        if (byRawText && macroDeps!.length) decoded.macroDeps = macroDeps as [string, string][];
        opts.onDecode?.(e.key);
        if (cache) {
          cache.decodes++;
          cache.set(cacheKey, decoded);
        }
      }
    }
    for (const p of decoded.problems) diagnostics.push({ file, line: e.chunk.line, ...p, ...(e.key ? { key: e.key } : {}) });
    const record: BibRecord = { ...decoded.record, authors: [...decoded.record.authors], file, line: e.chunk.line };
    if (!record.key) {
      keyless++;
      if (!firstKeylessLine) firstKeylessLine = e.chunk.line;
      record.key = uniqueKey(syntheticKey(record), usedKeys);
      record.syntheticKey = true;
    }
    usedKeys.add(record.key);
    records.push(record);
    entryHashes.push(e.hash);
  }

  if (keyless) {
    diagnostics.push({
      file,
      line: firstKeylessLine,
      severity: 'warning',
      message: `${keyless} entr${keyless === 1 ? 'y has' : 'ies have'} no citation key (first at line ${firstKeylessLine}); synthetic keys were generated`,
    });
  }
  for (const [name, u] of undefinedMacros) {
    diagnostics.push({
      file,
      line: u.line,
      severity: 'warning',
      message: `undefined @string macro "${name}" (${u.uses} use${u.uses === 1 ? '' : 's'}; defined in another file?); its name was used as text`,
    });
  }
  for (const [ref, line] of missingParents) {
    diagnostics.push({ file, line, severity: 'info', message: `crossref/xdata target "${ref}" is not in this file; nothing inherited from it` });
  }
  diagnostics.sort((a, b) => a.line - b.line);
  return { records, diagnostics, entryHashes };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let p = text.indexOf('\n'); p >= 0 && p < offset; p = text.indexOf('\n', p + 1)) line++;
  return line;
}

function plainVerbatim(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const s = v.replace(/[{}]/g, '').replace(/\\([_%&#$~])/g, '$1').replace(/\\url\s*/g, '').trim();
  return s || undefined;
}

export function decodeEntry(type: string, key: string, values: RawValues): DecodedEntry {
  const requests: LatexRequest[] = [];
  const text: Partial<Record<RecordField, string>> = {};
  for (const f of ['title', 'subtitle', 'abstract', 'journal', 'journaltitle', 'booktitle'] as const) {
    const v = values[f];
    if (v === undefined) continue;
    if (!needsLatexEngine(v)) text[f] = decodePlain(v);
    else {
      const lite = decodeLatexLite(v);
      if (lite !== undefined) text[f] = decodePlain(lite);
      else requests.push({ field: f, value: v, mode: 'text' });
    }
  }
  const nameField = values.author !== undefined && values.author.trim() ? 'author' : values.editor !== undefined ? 'editor' : undefined;
  let names: DecodedName[] = [];
  if (nameField) {
    const v = values[nameField]!;
    const lite = needsLatexEngine(v) ? decodeLatexLite(v) : v;
    if (lite !== undefined) names = splitNames(lite);
    else requests.push({ field: nameField, value: v, mode: 'names' });
  }
  const problems: DecodedEntry['problems'] = [];
  if (requests.length) {
    const engine = decodeWithEngine(requests);
    for (const [f, t] of engine.text) text[f as RecordField] = t;
    if (nameField && engine.names.has(nameField)) names = engine.names.get(nameField)!;
    for (const p of engine.problems) problems.push({ severity: 'info', message: p });
  }
  const doiRaw = plainVerbatim(values.doi);
  const url = plainVerbatim(values.url)?.split(/\s+/)[0];
  const doi = normaliseDoi(doiRaw);
  const venue = text.journaltitle || text.journal || text.booktitle || undefined;
  const eprintType = decodePlain(values.archiveprefix ?? values.eprinttype ?? '').toLowerCase();
  const eprint = plainVerbatim(values.eprint);
  let arxivId: string | undefined;
  if (eprint && (eprintType === 'arxiv' || eprintType === '')) arxivId = arxivIdFromEprint(eprint);
  arxivId ??= arxivIdFromText(url) ?? arxivIdFromText(doiRaw) ?? arxivIdFromText(venue);
  const record: DecodedEntry['record'] = {
    key,
    type,
    // BibLaTeX splits titles; a record (and its embedding) wants the whole title.
    title: text.title && text.subtitle ? `${text.title.replace(/[.:\s]+$/, '')}: ${text.subtitle}` : (text.title ?? ''),
    abstract: text.abstract ?? '',
    authors: names.map((n) => n.literal ?? (n.given ? `${n.family}, ${n.given}` : n.family)).filter(Boolean),
  };
  const year = yearFrom(plainVerbatim(values.year)) ?? yearFrom(plainVerbatim(values.date));
  if (year !== undefined) record.year = year;
  if (venue) record.venue = venue;
  if (doi) record.doi = doi;
  if (url) record.url = url;
  if (arxivId) record.arxivId = arxivId;
  return { record, problems };
}
