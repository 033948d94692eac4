/**
 * A stored entry (index row / PaperHit fields) → one BibTeX entry, for "Insert" on a paper that is
 * only in the lab-shared index and for "Add to bibliography" from Semantic Scholar: the paper is first
 * written to a local .bib so that the citation resolves.
 *
 * The strings are untrusted (another member's bibliography, an API response): every value is
 * escaped so that it can neither close its field (`}`), start a new entry (`@` at a line start), nor
 * run a LaTeX command (`\input{…}`); control characters are dropped and newlines folded. Non-ASCII
 * text is kept as UTF-8 (biber and BibTeX 0.99d+ read it; our parser decodes it unchanged).
 */
import { AUTHOR_SEPARATOR } from '../index/schema';

/** The fields of a stored entry the serialiser reads (a subset of core/index/store.ts StoredEntry). */
export interface SerialisableEntry {
  key: string;
  type: string;
  title: string;
  abstract: string;
  /** Authors joined by "; " (as stored), or a list. */
  authors: string | readonly string[];
  year: number | null;
  venue: string | null;
  doi: string | null;
  url: string | null;
  arxiv_id: string | null;
}

/** BibTeX entry types we write; anything else (CSL types, markdown items) becomes `misc`/`article`. */
const KNOWN_TYPES = new Set(['article', 'inproceedings', 'incollection', 'book', 'inbook', 'phdthesis', 'mastersthesis', 'techreport', 'misc', 'unpublished', 'online', 'report', 'thesis']);
const CSL_TYPES: Record<string, string> = {
  'article-journal': 'article', 'paper-conference': 'inproceedings', chapter: 'incollection', thesis: 'phdthesis', report: 'techreport',
};
/** Longest value written: a hostile multi-megabyte "title" must not become a multi-megabyte .bib edit. */
const MAX_VALUE = 20_000;

/** LaTeX special characters → their text-mode escapes. Backslash first is implied by the single pass. */
const ESCAPES: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  '&': '\\&',
  '%': '\\%',
  '$': '\\$',
  '#': '\\#',
  '_': '\\_',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
};

/** One field value, escaped for a `{…}`-delimited BibTeX field. */
export function escapeBibValue(s: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/\s*[\r\n]+\s*/g, ' ').trim().slice(0, MAX_VALUE);
  return clean.replace(/[\\{}&%$#_~^]/g, (c) => ESCAPES[c]);
}

/**
 * A citation key BibTeX accepts: no whitespace, commas, braces, quotes, `#`, `%`, `=`, `\`, `~`, `(`, `)`.
 * Falls back to `fallback` when nothing usable remains.
 */
export function safeBibKey(key: string, fallback = 'entry'): string {
  const k = key.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9:._\-+/]/g, '').slice(0, 100);
  return k.length > 0 ? k : fallback;
}

/** `key`, or `key-2`, `key-3`, … when `taken` already has it (keys compare case-insensitively, as BibTeX does). */
export function uniqueBibKey(key: string, taken: Iterable<string>): string {
  const lower = new Set([...taken].map((t) => t.toLowerCase()));
  if (!lower.has(key.toLowerCase())) return key;
  for (let i = 2; ; i++) if (!lower.has(`${key}-${i}`.toLowerCase())) return `${key}-${i}`;
}

export function entryToBibtex(e: SerialisableEntry, opts: { key?: string } = {}): string {
  const type = bibType(e.type);
  const key = safeBibKey(opts.key ?? e.key);
  const authors = (typeof e.authors === 'string' ? (e.authors ? e.authors.split(AUTHOR_SEPARATOR) : []) : [...e.authors]).map((a) => a.trim()).filter(Boolean);
  const fields: [string, string][] = [];
  if (e.title) fields.push(['title', escapeBibValue(e.title)]);
  // "Family, Given" names stay as they are; a literal (corporate) name is braced so BibTeX does not split it.
  if (authors.length) fields.push(['author', authors.map((a) => (a.includes(',') ? escapeBibValue(a) : `{${escapeBibValue(a)}}`)).join(' and ')]);
  if (e.year !== null && Number.isInteger(e.year)) fields.push(['year', String(e.year)]);
  if (e.venue) fields.push([type === 'inproceedings' || type === 'incollection' ? 'booktitle' : 'journal', escapeBibValue(e.venue)]);
  if (e.doi) fields.push(['doi', escapeBibValue(e.doi)]);
  if (e.arxiv_id) {
    fields.push(['eprint', escapeBibValue(e.arxiv_id)]);
    fields.push(['archiveprefix', 'arXiv']);
  }
  if (e.url && /^https?:\/\//i.test(e.url)) fields.push(['url', escapeUrl(e.url)]);
  if (e.abstract) fields.push(['abstract', escapeBibValue(e.abstract)]);
  const body = fields.map(([k, v]) => `  ${k} = {${v}}`).join(',\n');
  return `@${type}{${key},\n${body}${body ? ',' : ''}\n}\n`;
}

function bibType(t: string): string {
  const lower = t.toLowerCase();
  if (KNOWN_TYPES.has(lower)) return lower;
  return CSL_TYPES[lower] ?? 'misc';
}

/** URLs keep their characters (`\url` reads them verbatim) except what would break the field. */
function escapeUrl(u: string): string {
  return u.replace(/[\s{}\\]/g, (c) => encodeURIComponent(c)).slice(0, 2000);
}
