/**
 * THE citation grammar: how LaTeX (plain, natbib, biblatex), Pandoc/Quarto/R Markdown, Typst and plain text write
 * citations, defined once. Everything that reads or writes citations goes through here:
 *   - core/editor/markup.ts   (stripping prose, collecting the cited keys of a document)
 *   - core/editor/citation.ts (inserting / merging a key)
 *   - core/citations/*        (completion, hover, definition, references, diagnostics)
 * Every parsed citation carries the source range of each key, so a hover or a diagnostic can point at the key
 * itself rather than at the whole command. Pure: no `vscode` import.
 */

export type DocLanguage = 'latex' | 'markdown' | 'typst' | 'plaintext';

/** One key inside a citation; [start, end) is the key's own text in the source (without `@`, braces, `<>`). */
export interface KeyRange {
  key: string;
  start: number;
  end: number;
}

export type CitationSyntax = 'latex' | 'pandoc-bracket' | 'pandoc-bare' | 'typst-ref' | 'typst-call' | 'plain';

export interface Citation {
  /** [start, end) of the whole citation (`\citep[see][3]{a,b}`, `[@a; @b]`, `@a[p. 3]`, `#cite(<a>)`, `[a; b]`). */
  start: number;
  end: number;
  /** The keys in source order (also when empty, e.g. `\cite{}`). */
  keys: string[];
  keyRanges: KeyRange[];
  syntax: CitationSyntax;
  /** LaTeX command name without the backslash (`cite`, `citep`, …); undefined for other syntaxes. */
  command?: string;
  /** LaTeX: the braced key groups; `open` is the offset of `{`, `close` of `}`. */
  groups?: { open: number; close: number }[];
}

// ------------------------------------------------------------------------------------------ scanning helpers

/** End (exclusive) of the balanced group opened at `open` (src[open] is the opener), or -1. Bounded by `limit`. */
export function matchGroup(src: string, open: number, openCh: string, closeCh: string, limit = src.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = src[i];
    if (c === '\\' && openCh !== '(') {
      i++;
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '\n' && src[i + 1] === '\n' && openCh !== '{') {
      // optional args / parens never span a paragraph break; an unclosed one stops here
      return -1;
    }
  }
  return -1;
}

export function skipSpaces(src: string, i: number): number {
  while (i < src.length && (src[i] === ' ' || src[i] === '\t')) i++;
  return i;
}

/** Paragraph end after `i` (the next blank line), to bound unclosed constructs. */
export function paragraphEnd(src: string, i: number): number {
  const re = /\n[ \t]*\n/g;
  re.lastIndex = i;
  const m = re.exec(src);
  return m ? m.index : src.length;
}

/** Splits [from, to) of `src` at `sep`, returning the trimmed non-empty parts with their ranges. */
function keyRangesIn(src: string, from: number, to: number, sep: RegExp): KeyRange[] {
  const out: KeyRange[] = [];
  let partStart = from;
  const push = (s: number, e: number) => {
    while (s < e && /\s/.test(src[s]!)) s++;
    while (e > s && /\s/.test(src[e - 1]!)) e--;
    if (e > s) out.push({ key: src.slice(s, e), start: s, end: e });
  };
  for (let i = from; i < to; i++) {
    if (sep.test(src[i]!)) {
      push(partStart, i);
      partStart = i + 1;
    }
  }
  push(partStart, to);
  return out;
}

function citation(start: number, end: number, keyRanges: KeyRange[], syntax: CitationSyntax, extra: Partial<Citation> = {}): Citation {
  return { start, end, keys: keyRanges.map((k) => k.key), keyRanges, syntax, ...extra };
}

// ------------------------------------------------------------------------------------------------- LaTeX

/**
 * Citation commands: plain `\cite`, natbib (`\citep`, `\citet`, `\citeauthor`, `\citeyearpar`, …), biblatex
 * (`\autocite`, `\parencite`, `\textcite`, `\footcite`, `\Cite`, …) and their multi-cite forms (`\cites{a}{b}`).
 * A `*` after the name (starred form) is part of the command, not of the name.
 */
export const LATEX_CITE_NAME_RE = /^[a-zA-Z]*[Cc]ite[a-zA-Z]*$/;
export const isLatexCiteCommand = (name: string): boolean => LATEX_CITE_NAME_RE.test(name);
/** Multi-cite commands take several `[pre][post]{keys}` groups. */
export const isLatexMultiCite = (name: string): boolean => /cites$/.test(name);

/** After up to `max` optional `[…]` arguments starting at `i` (spaces allowed before each). */
export function latexOptionalArgs(src: string, i: number, max: number): number {
  for (let n = 0; n < max; n++) {
    const j = skipSpaces(src, i);
    if (src[j] !== '[') break;
    const e = matchGroup(src, j, '[', ']');
    if (e < 0) break;
    i = e;
  }
  return i;
}

/**
 * The citation whose command `\name` spans [start, nameEnd) (nameEnd is after an optional `*`): `[pre][post]`
 * optional arguments, then one braced key group (several for `\cites`). Undefined when no closed group follows.
 */
export function parseLatexCitation(src: string, start: number, nameEnd: number, name: string): Citation | undefined {
  if (!isLatexCiteCommand(name)) return undefined;
  let end = latexOptionalArgs(src, nameEnd, 2);
  const keyRanges: KeyRange[] = [];
  const groups: { open: number; close: number }[] = [];
  const max = isLatexMultiCite(name) ? 20 : 1;
  for (let g = 0; g < max; g++) {
    if (g > 0) end = latexOptionalArgs(src, end, 2);
    const k = skipSpaces(src, end);
    if (src[k] !== '{') break;
    const e = matchGroup(src, k, '{', '}', paragraphEnd(src, k));
    if (e < 0) break;
    keyRanges.push(...keyRangesIn(src, k + 1, e - 1, /,/));
    groups.push({ open: k, close: e - 1 });
    end = e;
  }
  if (groups.length === 0) return undefined;
  return citation(start, end, keyRanges, 'latex', { command: name, groups });
}

/** `\bibitem[label]{key}` entries of a `thebibliography` environment: keys the document defines itself. */
export function latexBibitems(src: string): KeyRange[] {
  const out: KeyRange[] = [];
  const re = /\\bibitem\s*(?:\[[^\]\n]*\]\s*)?\{([^{}\s]+)\}/g;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    const s = m.index + m[0].lastIndexOf('{') + 1;
    out.push({ key: m[1]!, start: s, end: s + m[1]!.length });
  }
  return out;
}

// ------------------------------------------------------------------------------------------------ Pandoc

/** Pandoc citation key: `@` + letters/digits/_ and internal punctuation `:.#$%&-+?<>~/`, or `@{…}`. */
const PANDOC_KEY = String.raw`@(?:\{[^{}\n]+\}|[\p{L}\p{N}_](?:[\p{L}\p{N}_:.#$%&\-+?<>~/]*[\p{L}\p{N}_])?)`;
const PANDOC_KEY_RE = new RegExp(`-?${PANDOC_KEY}`, 'gu');
/** `[see @a, p. 3; -@b]`: a bracketed citation (one line). */
export const PANDOC_BRACKET_RE = new RegExp(String.raw`\[[^\[\]\n]*?-?${PANDOC_KEY}[^\[\]\n]*\]`, 'gu');
/** `@a says` in running text (not an e-mail address, not escaped, not inside brackets). */
export const PANDOC_BARE_RE = new RegExp(String.raw`(?<![\p{L}\p{N}_@\[\\])-?${PANDOC_KEY}`, 'gu');
const PANDOC_SIMPLE_KEY = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_:.#$%&\-+?<>~/]*[\p{L}\p{N}_])?$/u;

/** Quarto cross-reference prefixes: `@fig-x`, `@sec-intro` … refer to the document, not to a bibliography. */
const QUARTO_XREF = /^(?:fig|tbl|eq|sec|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|alg|apx)-/;
export const isQuartoCrossRef = (key: string): boolean => QUARTO_XREF.test(key);

/** Key ranges of the `@key` tokens in src[from, to). */
function pandocKeys(src: string, from: number, to: number): KeyRange[] {
  const out: KeyRange[] = [];
  const re = new RegExp(PANDOC_KEY_RE.source, 'gu');
  const part = src.slice(from, to);
  for (let m = re.exec(part); m; m = re.exec(part)) {
    const tok = m[0];
    const at = tok.indexOf('@');
    const braced = tok[at + 1] === '{';
    const s = from + m.index + at + 1 + (braced ? 1 : 0);
    const key = braced ? tok.slice(at + 2, -1) : tok.slice(at + 1);
    if (!isQuartoCrossRef(key)) out.push({ key, start: s, end: s + key.length });
  }
  return out;
}

/** A match of PANDOC_BRACKET_RE → the citation. */
export function pandocBracketCitation(src: string, m: RegExpExecArray): Citation {
  const start = m.index;
  const end = start + m[0].length;
  return citation(start, end, pandocKeys(src, start + 1, end - 1), 'pandoc-bracket');
}

/** A match of PANDOC_BARE_RE → the citation (no keys for a Quarto cross-reference). */
export function pandocBareCitation(src: string, m: RegExpExecArray): Citation {
  const start = m.index;
  return citation(start, start + m[0].length, pandocKeys(src, start, start + m[0].length), 'pandoc-bare');
}

// ------------------------------------------------------------------------------------------------- Typst

/** Typst label/reference name: letters, digits, `_`, `-`, `:`, `.` (a trailing `.`/`:` is punctuation). */
export const TYPST_REF_KEY_RE = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_\-:.]*[\p{L}\p{N}_\-])?$/u;
/** `@key` references (matched on their own; trailing `.`/`:` trimmed by typstRefCitation). */
export const TYPST_REF_RE = /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_][\p{L}\p{N}_\-:.]*)/gu;
export const TYPST_CITE_CALL_RE = /#cite\(/g;

/** A match of TYPST_REF_RE → the reference, with an optional `[supplement]`. */
export function typstRefCitation(src: string, m: RegExpExecArray): Citation {
  let k = m[1]!;
  while (/[.:]$/.test(k)) k = k.slice(0, -1);
  const keyStart = m.index + 1;
  let end = keyStart + k.length;
  if (src[end] === '[') {
    const e = matchGroup(src, end, '[', ']', paragraphEnd(src, end));
    if (e > 0) end = e;
  }
  return citation(m.index, end, [{ key: k, start: keyStart, end: keyStart + k.length }], 'typst-ref');
}

/** `#cite(<key>, …)` / `#cite(label("key"), …)` starting at `at` (the `#`); undefined when unclosed. */
export function typstCiteCall(src: string, at: number): Citation | undefined {
  const open = at + '#cite'.length;
  const e = matchGroup(src, open, '(', ')', paragraphEnd(src, open));
  if (e < 0) return undefined;
  const inner = src.slice(open + 1, e - 1);
  const angle = /^\s*<([^<>\s]+)>/.exec(inner);
  const label = angle ? undefined : /^\s*label\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(inner);
  const keys: KeyRange[] = [];
  if (angle) {
    const s = open + 1 + angle[0].indexOf('<') + 1;
    keys.push({ key: angle[1]!, start: s, end: s + angle[1]!.length });
  } else if (label) {
    const s = open + 1 + label[0].indexOf('"') + 1;
    keys.push({ key: label[1]!.replace(/\\(.)/g, '$1'), start: s, end: s + label[1]!.length });
  }
  return citation(at, e, keys, 'typst-call');
}

/** `#bibliography("a.bib")` / `#bibliography(("a.bib", "b.yml"))` files named by a Typst document. */
function typstBibliographies(src: string): string[] {
  const out: string[] = [];
  for (const m of src.matchAll(/#bibliography\(([^)\n]*)\)/g)) {
    for (const s of m[1]!.matchAll(/"((?:[^"\\]|\\.)*)"/g)) out.push(s[1]!);
  }
  return out;
}

// --------------------------------------------------------------------------------------------- plain text

/** `[key]`, `[a, b]`, `[a; b]` where every part looks like a citation key. */
export const PLAIN_CITE_RE = /\[([\p{L}\p{N}_][\p{L}\p{N}_:.\-+/]*(?:\s*[,;]\s*[\p{L}\p{N}_][\p{L}\p{N}_:.\-+/]*)*)\]/gu;

export function plainCitation(src: string, m: RegExpExecArray): Citation {
  const start = m.index;
  const end = start + m[0].length;
  return citation(start, end, keyRangesIn(src, start + 1, end - 1, /[,;]/), 'plain');
}

// ------------------------------------------------------------------------------------------ writing a key

/** A key that cannot be written in the document's syntax; the message names it and why. */
export class CitationError extends Error {
  override name = 'CitationError';
}

/** LaTeX command name from the `relatedPapers.citationCommand` setting (`\citep`, `citep`, `\parencite*`). */
export function latexCommandName(setting: string): string {
  const name = setting.trim().replace(/^\\/, '');
  if (!/^[A-Za-z]+\*?$/.test(name)) {
    throw new CitationError(
      `relatedPapers.citationCommand "${setting}" is not a LaTeX command name (expected e.g. \\cite, \\citep, \\autocite)`,
    );
  }
  return name;
}

/** The key as written inside a `\cite{…}` group; throws when LaTeX cannot spell it there. */
export function latexKeyText(key: string): string {
  if (!/^[^\s,{}%\\#~]+$/.test(key)) {
    throw new CitationError(`Key "${key}" cannot be written inside \\cite{…} (it contains a space, comma, brace, %, # or backslash)`);
  }
  return key;
}

/** `@key`, or `@{key}` outside the simple key syntax. */
export function pandocKeyText(key: string): string {
  if (PANDOC_SIMPLE_KEY.test(key)) return `@${key}`;
  if (!/[{}\n]/.test(key)) return `@{${key}}`;
  throw new CitationError(`Key "${key}" cannot be written as a Pandoc citation (it contains a brace or a line break)`);
}

/** `@key`, `#cite(<key>)` when `@` cannot spell it, `#cite(label("…"))` otherwise. */
export function typstKeyText(key: string): string {
  if (TYPST_REF_KEY_RE.test(key)) return `@${key}`;
  if (/^[\p{L}\p{N}_\-:.]+$/u.test(key)) return `#cite(<${key}>)`;
  return `#cite(label(${JSON.stringify(key)}))`;
}

export function plainKeyText(key: string): string {
  if (/[\[\]\n]/.test(key)) throw new CitationError(`Key "${key}" cannot be written as [key] (it contains a bracket or a line break)`);
  return key;
}

// ------------------------------------------------------------------------------------ completion at a cursor

/** A citation key being typed at the cursor. */
export interface CompletionSite {
  syntax: CitationSyntax;
  /** [start, end) of the partial key the completion replaces (end may be after the cursor). */
  start: number;
  end: number;
  /** What is typed before the cursor (the filter; in LaTeX may hold spaces: `\cite{vaswani att`). */
  typed: string;
  /** The other keys already in this citation (not offered again). */
  otherKeys: string[];
  /** Start of the citation (its command / bracket / `@`). */
  citationStart: number;
  /** What closes the citation when it is still open (`}`, `]`, `>)`), to write after the key; "" when closed. */
  closer: string;
}

const LOOKBACK = 1000;
/** `\cite…*[pre][post]{done}[pre][post]{partial` ending at the cursor. Groups: name, earlier groups, partial group. */
const LATEX_OPEN_RE =
  /\\([A-Za-z]*[Cc]ite[A-Za-z]*)\*?(?:\s*\[[^\[\]\n]*\]){0,2}((?:\s*\{[^{}]*\}(?:\s*\[[^\[\]\n]*\]){0,2})*)\s*\{([^{}\\%]*)$/;

/** Whether `offset` is after an unescaped `%` on its line (a LaTeX comment). */
function inLatexComment(text: string, lineStart: number, offset: number): boolean {
  for (let i = lineStart; i < offset; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '%') return true;
  }
  return false;
}

function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

function latexCompletion(text: string, offset: number): CompletionSite | undefined {
  const base = Math.max(0, offset - LOOKBACK);
  const m = LATEX_OPEN_RE.exec(text.slice(base, offset));
  if (!m || !isLatexCiteCommand(m[1]!)) return undefined;
  if (inLatexComment(text, lineStartOf(text, base + m.index), base + m.index)) return undefined;
  const groupText = m[3]!;
  const groupStart = offset - groupText.length;
  const comma = groupText.lastIndexOf(',');
  const partialFrom = groupStart + comma + 1;
  const lead = /^\s*/.exec(text.slice(partialFrom, offset))![0].length;
  const start = partialFrom + lead;
  const others = keyRangesIn(text, groupStart, comma < 0 ? groupStart : groupStart + comma, /,/).map((k) => k.key);
  for (const g of m[2]!.matchAll(/\{([^{}]*)\}/g)) others.push(...g[1]!.split(',').map((s) => s.trim()).filter(Boolean));
  // after the cursor: the rest of this key, and the keys up to the closing brace (when it is there)
  const after = /^([^{}\\%\n]*)\}/.exec(text.slice(offset, offset + LOOKBACK));
  let end = offset;
  if (after) {
    const rest = after[1]!;
    const c = rest.indexOf(',');
    const tail = c < 0 ? rest : rest.slice(0, c);
    end = offset + tail.replace(/\s+$/, '').length;
    if (c >= 0) others.push(...rest.slice(c + 1).split(',').map((s) => s.trim()).filter(Boolean));
  } else {
    end = offset + /^[^\s,{}%\\]*/.exec(text.slice(offset, offset + 200))![0].length;
  }
  return { syntax: 'latex', start, end, typed: text.slice(start, offset), otherKeys: others, citationStart: base + m.index, closer: after ? '' : '}' };
}

const PANDOC_TYPED_RE = /(-?)@(\{[^{}\n]*|[\p{L}\p{N}_:.#$%&\-+?<>~/]*)$/u;

function pandocCompletion(text: string, offset: number): CompletionSite | undefined {
  const lineStart = lineStartOf(text, offset);
  const before = text.slice(lineStart, offset);
  const m = PANDOC_TYPED_RE.exec(before);
  if (!m) return undefined;
  const at = lineStart + m.index + m[1]!.length; // the '@'
  const prev = text[lineStart + m.index - 1];
  // `[@`, `[-@`, `@` after a space or `;` (never an e-mail address or `\@`)
  if (prev !== undefined && !/[\s\[;]/.test(prev) && lineStart + m.index > lineStart) return undefined;
  const braced = m[2]!.startsWith('{');
  const start = at + 1 + (braced ? 1 : 0);
  const lineEnd = (() => {
    const e = text.indexOf('\n', offset);
    return e < 0 ? text.length : e;
  })();
  const tail = braced ? /^[^{}\n]*/.exec(text.slice(offset, lineEnd))![0] : /^[\p{L}\p{N}_:.#$%&\-+?<>~/]*/u.exec(text.slice(offset, lineEnd))![0];
  const end = offset + tail.length;
  // inside an open bracket on this line: the bracket's other keys
  const open = before.lastIndexOf('[', at - lineStart);
  const others: string[] = [];
  let syntax: CitationSyntax = 'pandoc-bare';
  let citationStart = m[1] ? at - 1 : at;
  let closer = braced && text[end] !== '}' ? '}' : '';
  if (open >= 0 && !before.slice(open, at - lineStart).includes(']')) {
    const close = text.indexOf(']', offset);
    const bracketEnd = close >= 0 && close < lineEnd ? close : lineEnd;
    if (bracketEnd === lineEnd && !before.slice(open).includes(']')) closer += ']';
    syntax = 'pandoc-bracket';
    citationStart = lineStart + open;
    for (const k of pandocKeys(text, lineStart + open + 1, bracketEnd)) if (k.start !== start) others.push(k.key);
  }
  return { syntax, start, end, typed: text.slice(start, offset), otherKeys: others, citationStart, closer };
}

function typstCompletion(text: string, offset: number): CompletionSite | undefined {
  const lineStart = lineStartOf(text, offset);
  const before = text.slice(lineStart, offset);
  const call = /#cite\(\s*<([^<>\s]*)$/.exec(before);
  const tailOf = () => offset + /^[\p{L}\p{N}_\-:.]*/u.exec(text.slice(offset, offset + 200))![0].length;
  if (call) {
    const start = offset - call[1]!.length;
    const end = tailOf();
    const closer = text[end] === '>' ? '' : text.slice(end, end + 1) === ')' ? '>' : '>)';
    return { syntax: 'typst-call', start, end, typed: call[1]!, otherKeys: [], citationStart: lineStart + call.index, closer };
  }
  const ref = /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_\-:.]*)$/u.exec(before);
  if (!ref) return undefined;
  const at = lineStart + ref.index;
  // a run of references `@a @b @|` is one citation group in Typst
  const run = /(?:(?<![\p{L}\p{N}_])@[\p{L}\p{N}_\-:.]+\s+)*$/u.exec(text.slice(lineStart, at))!;
  const others = [...run[0].matchAll(/@([\p{L}\p{N}_\-:.]+)/gu)].map((x) => x[1]!.replace(/[.:]+$/, ''));
  return { syntax: 'typst-ref', start: at + 1, end: tailOf(), typed: ref[1]!, otherKeys: others, citationStart: lineStart + run.index, closer: '' };
}

/** The citation key being typed at `offset`, or undefined when the cursor is not in a citation's key position. */
export function completionSiteAt(text: string, offset: number, language: DocLanguage): CompletionSite | undefined {
  const at = Math.max(0, Math.min(offset, text.length));
  switch (language) {
    case 'latex':
      return latexCompletion(text, at);
    case 'markdown':
      return pandocCompletion(text, at);
    case 'typst':
      return typstCompletion(text, at);
    case 'plaintext':
      return undefined;
  }
}

// --------------------------------------------------------------------------------- bibliography scoping

/** What a document says about its bibliographies. */
export interface BibliographyDirectives {
  /** Files named by `\bibliography{a,b}`, `\addbibresource{x.bib}`, front matter `bibliography:`, `#bibliography("…")`. */
  files: string[];
  /** `\nocite{*}`: every entry counts as cited (nothing to report about unused entries, none are reported anyway). */
  nociteAll: boolean;
  /** Keys the document defines itself (`\bibitem` in `thebibliography`). */
  bibitems: KeyRange[];
}

function latexDirectives(src: string): BibliographyDirectives {
  const files: string[] = [];
  // comments do not count: `%\bibliography{old}` must not scope the document
  const live = src.replace(/(^|[^\\])%[^\n]*/g, (m, p: string) => p + ' '.repeat(m.length - p.length));
  for (const m of live.matchAll(/\\(bibliography|addbibresource|addglobalbib|addsectionbib)\s*(?:\[[^\]\n]*\]\s*)?\{([^{}]*)\}/g)) {
    const names = m[1] === 'bibliography' ? m[2]!.split(',') : [m[2]!];
    for (const n of names.map((s) => s.trim()).filter(Boolean)) files.push(m[1] === 'bibliography' && !/\.[A-Za-z]+$/.test(n) ? `${n}.bib` : n);
  }
  return { files, nociteAll: /\\nocite\s*\{[^}]*\*[^}]*\}/.test(live), bibitems: latexBibitems(live) };
}

/** Front matter `bibliography: refs.bib` or a YAML list under it (Pandoc, Quarto, R Markdown). */
function frontMatterBibliographies(src: string): string[] {
  const fm = /^---[ \t]*\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|$)/.exec(src);
  if (!fm) return [];
  const lines = fm[1]!.split(/\r?\n/);
  const out: string[] = [];
  const unquote = (s: string) => s.trim().replace(/^(["'])(.*)\1$/, '$2');
  for (let i = 0; i < lines.length; i++) {
    const m = /^bibliography:\s*(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const v = m[1]!.trim();
    if (v.startsWith('[')) out.push(...v.slice(1, -1).split(',').map(unquote).filter(Boolean));
    else if (v) out.push(unquote(v));
    else for (let j = i + 1; j < lines.length && /^\s+-\s+/.test(lines[j]!); j++) out.push(unquote(lines[j]!.replace(/^\s+-\s+/, '')));
  }
  return out;
}

export function bibliographyDirectives(src: string, language: DocLanguage): BibliographyDirectives {
  switch (language) {
    case 'latex':
      return latexDirectives(src);
    case 'markdown':
      return { files: frontMatterBibliographies(src), nociteAll: /^nocite:\s*\|?\s*\n?\s*['"]?@\*/m.test(src), bibitems: [] };
    case 'typst':
      return { files: typstBibliographies(src), nociteAll: false, bibitems: [] };
    case 'plaintext':
      return { files: [], nociteAll: false, bibitems: [] };
  }
}
