/**
 * LaTeX → Unicode for the few fields a record needs (title, abstract, names, venue).
 *
 * Fast path (hand-written): a value with no backslash and no `$` has no commands or math, so decoding is only brace
 * removal, `~` → space, `--`/`---` → en/em dash and white-space collapsing. In real libraries that is > 95 % of
 * titles and abstracts. Everything else goes through @retorquere/bibtex-parser (the parser that drives Better
 * BibTeX's imports) in one call per entry with only those fields, sentence-casing off — its PEG LaTeX parser costs
 * ~20 ms per entry, so it is only paid where it is needed.
 */
import { bibtexParser, type BibtexCreator } from './bibtexParserLoader';

export function needsLatexEngine(value: string): boolean {
  return value.includes('\\') || value.includes('$');
}

/** Decoding of a value without commands or math. */
export function decodePlain(value: string): string {
  let out = value.includes('{') || value.includes('}') ? value.replace(/[{}]/g, '') : value;
  if (out.includes('~')) out = out.replace(/~/g, ' ');
  if (out.includes('``') || out.includes("''")) out = out.replace(/``/g, '\u201c').replace(/''/g, '\u201d');
  if (out.includes('--')) out = out.replace(/---/g, '\u2014').replace(/--/g, '\u2013');
  return collapseSpace(out);
}

/** Collapses white space and composes characters (the LaTeX engine emits base letter + combining accent). */
export function collapseSpace(s: string): string {
  const collapsed = /\s\s|[\t\n\r\f\v\u00a0]/.test(s) ? s.replace(/\s+/g, ' ') : s;
  const trimmed = collapsed.trim();
  // Pure-ASCII strings are already NFC; skipping normalize() saves a full copy of every abstract.
  return /[^\x00-\x7f]/.test(trimmed) ? trimmed.normalize('NFC') : trimmed;
}

// Markup the library emits for \emph, \textbf, \textsc, \url, super/subscripts it cannot map, …: plain text is wanted.
const LIBRARY_MARKUP = /<\/?(?:i|b|sup|sub|code|span|a|p|br|li|ul|ol|blockquote|h[1-6]|ncx?|enquote)(?:\s[^<>]*)?>/g;

export function stripLibraryMarkup(s: string): string {
  return s.replace(LIBRARY_MARKUP, '');
}

export type LatexFieldMode = 'text' | 'names';

export interface LatexRequest {
  field: string;
  value: string;
  mode: LatexFieldMode;
}

export interface DecodedName {
  family: string;
  given: string;
  literal?: string;
}

export interface LatexResult {
  text: Map<string, string>;
  names: Map<string, DecodedName[]>;
  /** Problems the engine reported (unknown macros, …) or a failure that forced the plain fallback. */
  problems: string[];
}

// Field names used in the synthetic entry: a `title`-like mode would trigger the library's case handling, names must
// be a creator field. `note` is the library's rich-text mode; `howpublished` is plain literal.
const SYNTHETIC_FIELD: Record<LatexFieldMode, string> = { text: 'howpublished', names: 'author' };

/**
 * Decodes several values of one entry through the library in a single call (one synthetic entry per value would be
 * the same cost; one entry with many fields is not possible since the field names must be distinct per mode).
 */
/** Counters for benchmarks: how often the (slow) library path ran, and for how many values. */
export const latexEngineStats = { calls: 0, values: 0 };

export function decodeWithEngine(requests: LatexRequest[]): LatexResult {
  const result: LatexResult = { text: new Map(), names: new Map(), problems: [] };
  if (!requests.length) return result;
  latexEngineStats.calls++;
  latexEngineStats.values += requests.length;
  const parser = bibtexParser();
  // Each request is parsed as its own entry so that one broken value cannot take the others down.
  const source = requests.map((r, i) => `@misc{r${i},\n ${SYNTHETIC_FIELD[r.mode]} = {${r.value}}\n}\n`).join('');
  let parsed: ReturnType<typeof parser.parse>;
  try {
    parsed = parser.parse(source, { sentenceCase: false, english: false, applyCrossRef: false });
  } catch (err) {
    result.problems.push(`LaTeX decoder failed (${(err as Error).message.split('\n')[0]}); braces were stripped instead`);
    parsed = { entries: [], errors: [] };
  }
  const byKey = new Map(parsed.entries.map((e) => [e.key, e]));
  for (const e of parsed.errors) {
    // Positions refer to the synthetic entry, not the user's file: drop them (the caller reports the entry line).
    const msg = e.error.split('\n')[0].replace(/ at line \d+, column \d+/, '').replace(/ in "[^"]*"$/, '');
    if (!/^unhandled /.test(msg)) result.problems.push(`LaTeX: ${msg.slice(0, 160)}`);
  }
  requests.forEach((r, i) => {
    const entry = byKey.get(`r${i}`);
    const value = entry?.fields[SYNTHETIC_FIELD[r.mode]];
    if (r.mode === 'names') {
      if (Array.isArray(value)) {
        result.names.set(r.field, (value as BibtexCreator[]).map(creatorToName));
      } else {
        result.names.set(r.field, splitNames(r.value).map((n) => ({ ...n, family: decodePlain(n.family), given: decodePlain(n.given) })));
      }
    } else if (typeof value === 'string') {
      result.text.set(r.field, collapseSpace(stripLibraryMarkup(value)));
    } else {
      if (entry === undefined) result.problems.push(`could not decode LaTeX in field "${r.field}"; braces were stripped instead`);
      result.text.set(r.field, decodePlain(r.value.replace(/\\([&%$#_{}])/g, '$1')));
    }
  });
  return result;
}

function creatorToName(c: BibtexCreator): DecodedName {
  if (c.name !== undefined) return { family: clean(c.name), given: '', literal: clean(c.name) };
  const family = clean([c.prefix, c.lastName].filter(Boolean).join(' '));
  const given = clean([c.firstName, c.suffix].filter(Boolean).join(', '));
  return { family, given };
}

function clean(s: string): string {
  return collapseSpace(stripLibraryMarkup(s));
}

/**
 * Brace-aware BibTeX name splitting for values without LaTeX commands ("and" at brace depth 0; "von Last, Jr, First",
 * "Last, First" or "First von Last"; a fully braced name is a literal/corporate name).
 */
export function splitNames(value: string): DecodedName[] {
  const names: DecodedName[] = [];
  for (const raw of splitTopLevel(value, /\s+and\s+/iy)) {
    const name = raw.trim();
    if (!name) continue;
    if (/^\{[^]*\}$/.test(name) && matchingBraceIsLast(name)) {
      const literal = decodePlain(name);
      names.push({ family: literal, given: '', literal });
      continue;
    }
    const commaParts = splitTopLevel(name, /\s*,\s*/y).map((p) => p.trim());
    if (commaParts.length >= 2) {
      const [vonLast, ...rest] = commaParts;
      const first = rest.length >= 2 ? `${rest[rest.length - 1]}, ${rest.slice(0, -1).join(', ')}` : rest[0];
      names.push({ family: decodePlain(vonLast), given: decodePlain(first ?? '') });
      continue;
    }
    const words = splitTopLevel(name, /\s+/y).filter(Boolean);
    if (words.length === 1) {
      names.push({ family: decodePlain(words[0]), given: '' });
      continue;
    }
    // "First von Last": the von part starts at the first lower-case word that is not the last word.
    let vonStart = words.findIndex((w, i) => i < words.length - 1 && i > 0 && /^[a-z]/.test(w));
    if (vonStart < 0) vonStart = words.length - 1;
    names.push({ family: decodePlain(words.slice(vonStart).join(' ')), given: decodePlain(words.slice(0, vonStart).join(' ')) });
  }
  return names;
}

function matchingBraceIsLast(s: string): boolean {
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '{') depth++;
    else if (s[i] === '}' && --depth === 0) return i === s.length - 1;
  }
  return false;
}

/** Splits at matches of a sticky separator regex that occur at brace depth 0. */
export function splitTopLevel(s: string, sep: RegExp): string[] {
  const out: string[] = [];
  let depth = 0;
  let last = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '{') depth++;
    else if (c === '}') depth--;
    else if (depth === 0) {
      sep.lastIndex = i;
      const m = sep.exec(s);
      if (m && m[0].length > 0 && i > last) {
        out.push(s.slice(last, i));
        i += m[0].length - 1;
        last = i + 1;
      }
    }
  }
  out.push(s.slice(last));
  return out;
}
