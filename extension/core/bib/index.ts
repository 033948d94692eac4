/**
 * Bibliography parsing: BibTeX/BibLaTeX, CSL-JSON, CSL-YAML and Markdown → BibRecords + diagnostics.
 * Never throws for bad input: every failure becomes a SourceDiagnostic with file and line.
 */
import { decodeHTMLStrict } from 'entities';
import type { BibRecord, ParseResult, SourceDiagnostic } from '../types';
import { parseBibtexText } from './bibtex';
import { parseCslJsonText, parseCslYamlText } from './csl';
import { decodeText, type TextEncodingName } from './decodeText';
import { EntryCache } from './entryCache';
import { parseMarkdownText } from './markdown';
import { sha256 } from './hash';

export { EntryCache } from './entryCache';
export { decodeText } from './decodeText';
export type { TextEncodingName } from './decodeText';

export { isBibliographyPath, type BibliographyFormat } from './formats';
import type { BibliographyFormat } from './formats';
import { isBibliographyPath } from './formats';

export interface BibliographyParseOptions {
  cache?: EntryCache;
  /** Called once per BibTeX entry that is decoded rather than served from `cache`. */
  onDecode?: (key: string) => void;
  /** Overrides the extension-based format detection. */
  format?: BibliographyFormat;
}

export type BibliographyParseResult = ParseResult & {
  encoding: TextEncodingName;
  /** Per record (same order), SHA-256 of the raw entry text. */
  entryHashes: string[];
  /** Markdown only: `bibliography:` paths of the front matter, resolved against the file's folder. */
  linkedBibliographies?: string[];
};

export function parseBibliography(file: string, bytes: Uint8Array, opts: BibliographyParseOptions = {}): BibliographyParseResult {
  let encoding: TextEncodingName = 'utf-8';
  try {
    const decoded = decodeText(bytes);
    encoding = decoded.encoding;
    const format = opts.format ?? isBibliographyPath(file) ?? sniffFormat(decoded.text);
    const result = parseText(file, decoded.text, format, opts);
    // Copies, not in place: records may come from the EntryCache and must not be decoded twice.
    result.records = result.records.map(decodeEntitiesIn);
    if (encoding === 'latin-1' || encoding === 'windows-1252') {
      result.diagnostics.unshift({
        file,
        line: 1,
        severity: 'info',
        message: `file is not valid UTF-8; decoded as ${encoding}`,
      });
    }
    return { ...result, encoding };
  } catch (err) {
    // Last line of defence: a bug in a reader must not take the indexer down or lose the file silently.
    const diagnostic: SourceDiagnostic = {
      file,
      line: 1,
      severity: 'error',
      message: `could not parse bibliography: ${(err as Error).message?.split('\n')[0] ?? String(err)}`,
    };
    return { records: [], diagnostics: [diagnostic], encoding, entryHashes: [] };
  }
}

/**
 * Exporters leave HTML entities in field values (the ACM DL writes `&amp;` in titles and venues; CSL
 * exports `&#39;`). Only complete references (`&name;`, `&#n;`) are decoded — strict HTML rules, by
 * the `entities` library — so a literal `R&D` or `&` is left alone. Runs on every format's records.
 */
function decodeEntitiesIn(r: BibRecord): BibRecord {
  const dec = (s: string) => (s.includes('&') ? decodeHTMLStrict(s) : s);
  const has = (s: string | undefined) => s !== undefined && s.includes('&');
  if (!has(r.title) && !has(r.abstract) && !has(r.venue) && !r.authors?.some(has)) return r;
  return { ...r, title: dec(r.title), abstract: r.abstract && dec(r.abstract), venue: r.venue && dec(r.venue), authors: r.authors?.map(dec) };
}

function sniffFormat(text: string): BibliographyFormat {
  const t = text.trimStart();
  if (t.startsWith('[') || t.startsWith('{')) return 'csl-json';
  if (/^@\s*[a-z]+\s*[{(]/im.test(text)) return 'bibtex';
  if (t.startsWith('---') || /^references\s*:/m.test(text)) return t.startsWith('---') ? 'markdown' : 'csl-yaml';
  return 'markdown';
}

function parseText(
  file: string,
  text: string,
  format: BibliographyFormat,
  opts: BibliographyParseOptions,
): Omit<BibliographyParseResult, 'encoding'> {
  switch (format) {
    case 'bibtex':
      return parseBibtexText(file, text, opts);
    case 'csl-json':
      return withItemHashes(parseCslJsonText(file, text));
    case 'csl-yaml':
      return withItemHashes(parseCslYamlText(file, text));
    case 'markdown':
      return withItemHashes(parseMarkdownText(file, text));
  }
}

function withItemHashes<T extends ParseResult & { rawTexts: string[] }>(r: T): Omit<T, 'rawTexts'> & { entryHashes: string[] } {
  const { rawTexts, ...rest } = r;
  return { ...rest, entryHashes: rawTexts.map(sha256) };
}
