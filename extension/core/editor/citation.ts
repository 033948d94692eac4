/**
 * Inserting a citation as ONE minimal edit (so one Undo restores the text exactly), merging into a
 * citation that touches the cursor instead of nesting or duplicating:
 *   LaTeX     `\cite{a}|`  → `\cite{a,key}`        (configured command for new ones: \cite, \citep, …)
 *   Pandoc    `[@a; @b]|`  → `[@a; @b; @key]`      (Markdown, Quarto, R Markdown)
 *   Typst     `@a|`        → `@a @key`             (`#cite(<key>)` when `@key` cannot spell the key)
 *   plain     `[a]|`       → `[a; key]`
 * A new citation is never glued to the next word (`|current` → `\cite{key} current`), and a cursor inside a
 * word cites at the END of that word (`trans|formers` → `transformers~\cite{key}`): a citation refers to
 * the text before it, and splitting a word is never what was meant (it is usually an imprecise click).
 * Pure: no `vscode` import.
 */
import {
  CitationError, latexCommandName, latexKeyText, pandocKeyText, plainKeyText, typstKeyText, type Citation, type DocLanguage,
} from '../citations/grammar';
import { paragraphAt } from './context';
import { stripMarkup } from './markup';

export { CitationError };

export interface CitationEdit {
  /** Where to edit (UTF-16 offset into the document). */
  offset: number;
  deleteLength: number;
  insertText: string;
  /** The key was already in the adjacent citation: the edit is empty. */
  alreadyCited: boolean;
  /** The key was merged into an existing citation. */
  merged: boolean;
}

export interface CitationStyle {
  /** LaTeX command for new citations, with or without the backslash (`\cite`, `citep`, `\autocite`). */
  latexCommand: string;
}

/** How far around the cursor to look for an existing citation (citations are short). */
const WINDOW = 4000;

interface Found {
  start: number;
  end: number;
  keys: string[];
  /** Offset where a merged key goes. */
  insertAt: number;
  /** Separator to put before the merged key. */
  sep: string;
}

const SPACES = /^[ \t]*$/;
/** In LaTeX a tie `~` is a (non-breaking) space: `word|~\cite{a}` touches the citation. */
const LATEX_SPACES = /^[ \t~]*$/;

/** Only spaces/tabs (`gap`) between the cursor and the citation (never a line break or text). */
function touches(text: string, offset: number, start: number, end: number, gap: RegExp = SPACES): boolean {
  if (offset >= start && offset <= end) return true;
  if (offset > end) return gap.test(text.slice(end, offset));
  return gap.test(text.slice(offset, start));
}

function nearest(text: string, offset: number, all: Found[], gap: RegExp = SPACES): Found | undefined {
  let best: Found | undefined;
  let bestDist = Infinity;
  for (const f of all) {
    if (!touches(text, offset, f.start, f.end, gap)) continue;
    const d = offset < f.start ? f.start - offset : offset > f.end ? offset - f.end : 0;
    if (d < bestDist) {
      best = f;
      bestDist = d;
    }
  }
  return best;
}

/**
 * The citations around `offset`, found by the one grammar (through the same scanner that strips markup, so a
 * citation inside a comment or code is not merged into). Citations never span paragraphs: the paragraph around
 * the cursor, bounded by WINDOW, is what is scanned.
 */
function scan(text: string, offset: number, language: DocLanguage, build: (c: Citation) => Found | undefined): Found[] {
  const para = paragraphAt(text, offset);
  const base = Math.max(para.start, offset - WINDOW);
  const end = Math.min(para.end, offset + WINDOW);
  const out: Found[] = [];
  for (const c of stripMarkup(text.slice(base, end), language).citations) {
    const f = build({ ...c, start: c.start + base, end: c.end + base, groups: c.groups?.map((g) => ({ open: g.open + base, close: g.close + base })) });
    if (f) out.push(f);
  }
  return out;
}

const needsSpaceBefore = (prev: string | undefined) => prev !== undefined && !/[\s(\[{~]/.test(prev);

/** Letters (any script), combining marks, digits. UTF-16 units: an astral letter counts as a boundary (rare in prose). */
const WORD_CHAR = /[\p{L}\p{M}\p{N}]/u;
/** Joiners inside one word: "state-of-the-art", "don't"/"don’t". */
const JOINER = /['\u2019\-]/;
const wordAt = (text: string, i: number) => i >= 0 && i < text.length && WORD_CHAR.test(text[i]!);
/** Whether the character at `i` is part of a word (a word character, or a joiner between two). */
const inWord = (text: string, i: number) =>
  wordAt(text, i) || (i >= 0 && i < text.length && JOINER.test(text[i]!) && wordAt(text, i - 1) && wordAt(text, i + 1));

/** The cursor moved out of the word it is inside (to the word's end); unchanged at a word boundary. */
function outOfWord(text: string, offset: number): number {
  if (!inWord(text, offset - 1) || !inWord(text, offset)) return offset;
  let i = offset;
  while (inWord(text, i)) i++;
  return i;
}

/** A space after a new citation when the next character would otherwise be glued to it. */
const spaceAfter = (next: string | undefined) => (next !== undefined && WORD_CHAR.test(next) ? ' ' : '');

function plain(offset: number, insertText: string): CitationEdit {
  return { offset, deleteLength: 0, insertText, alreadyCited: false, merged: false };
}
function already(offset: number): CitationEdit {
  return { offset, deleteLength: 0, insertText: '', alreadyCited: true, merged: true };
}
function merge(f: Found, keyText: string): CitationEdit {
  return { offset: f.insertAt, deleteLength: 0, insertText: f.sep + keyText, alreadyCited: false, merged: true };
}

// ------------------------------------------------------------------------------------------- LaTeX

function latex(text: string, offset: number, key: string, style: CitationStyle): CitationEdit {
  latexKeyText(key);
  const command = latexCommandName(style.latexCommand);
  const found = scan(text, offset, 'latex', (c) => {
    if (!c.command || /cites$/.test(c.command) || !c.groups?.length) return undefined; // \cites{a}{b}: appending a group is not a merge
    const g = c.groups[c.groups.length - 1]!;
    const group = text.slice(g.open + 1, g.close);
    const trimmed = group.replace(/\s+$/, '');
    const sep = trimmed.length === 0 || trimmed.endsWith(',') ? '' : ',';
    return { start: c.start, end: c.end, keys: c.keys, insertAt: g.close - (group.length - trimmed.length), sep };
  });
  const f = nearest(text, offset, found, LATEX_SPACES);
  if (f) return f.keys.includes(key) ? already(offset) : merge(f, key);
  const prev = offset > 0 ? text[offset - 1] : undefined;
  // a citation glued to the preceding word gets a tie (the usual "text~\cite{key}")
  const tie = prev !== undefined && /[\p{L}\p{N}.,;:)]/u.test(prev) ? '~' : '';
  return plain(offset, `${tie}\\${command}{${key}}${spaceAfter(text[offset])}`);
}

// ---------------------------------------------------------------------------------------- Pandoc

function pandoc(text: string, offset: number, key: string): CitationEdit {
  const keyText = pandocKeyText(key);
  const found = scan(text, offset, 'markdown', (c) => {
    if (c.syntax !== 'pandoc-bracket' || c.keys.length === 0) return undefined;
    return { start: c.start, end: c.end, keys: c.keys, insertAt: c.end - 1, sep: '; ' };
  });
  const f = nearest(text, offset, found);
  if (f) return f.keys.includes(key) ? already(offset) : merge(f, keyText);
  const prev = offset > 0 ? text[offset - 1] : undefined;
  return plain(offset, `${needsSpaceBefore(prev) ? ' ' : ''}[${keyText}]${spaceAfter(text[offset])}`);
}

// ----------------------------------------------------------------------------------------- Typst

function typst(text: string, offset: number, key: string): CitationEdit {
  const keyText = typstKeyText(key);
  // Typst groups consecutive references by itself: "merging" is writing the new one right after
  const found = scan(text, offset, 'typst', (c) => ({ start: c.start, end: c.end, keys: c.keys, insertAt: c.end, sep: ' ' }));
  // A run "@a @b" counts as one citation group for duplicate detection.
  const touching = found.filter((f) => touches(text, offset, f.start, f.end));
  const group = new Set<string>();
  if (touching.length > 0) {
    const sorted = [...found].sort((a, b) => a.start - b.start);
    let lo = sorted.indexOf(touching[0]!);
    let hi = lo;
    while (lo > 0 && /^[ \t]*$/.test(text.slice(sorted[lo - 1]!.end, sorted[lo]!.start))) lo--;
    while (hi < sorted.length - 1 && /^[ \t]*$/.test(text.slice(sorted[hi]!.end, sorted[hi + 1]!.start))) hi++;
    for (let i = lo; i <= hi; i++) for (const k of sorted[i]!.keys) group.add(k);
  }
  if (group.has(key)) return already(offset);
  const f = nearest(text, offset, found);
  if (f && offset >= f.end) return merge({ ...f, insertAt: f.end }, keyText);
  const prev = offset > 0 ? text[offset - 1] : undefined;
  const next = text[offset];
  // `@key` absorbs following label characters (`@key-based` cites "key-based"; `.`/`:` count when a label
  // character follows them), so those need a space as much as a word does
  const absorbed = keyText.startsWith('@') && /^(?:[\p{L}\p{N}_\-]|[.:][\p{L}\p{N}_\-])/u.test(text.slice(offset, offset + 2));
  const touchingNext = f && offset <= f.start && next !== undefined && !/\s/.test(next);
  const after = touchingNext || absorbed || spaceAfter(next) ? ' ' : '';
  return plain(offset, `${needsSpaceBefore(prev) ? ' ' : ''}${keyText}${after}`);
}

// ------------------------------------------------------------------------------------ plain text

function plainText(text: string, offset: number, key: string): CitationEdit {
  plainKeyText(key);
  const found = scan(text, offset, 'plaintext', (c) => {
    const inner = text.slice(c.start + 1, c.end - 1);
    return { start: c.start, end: c.end, keys: c.keys, insertAt: c.end - 1, sep: inner.includes(',') && !inner.includes(';') ? ', ' : '; ' };
  });
  const f = nearest(text, offset, found);
  if (f) return f.keys.includes(key) ? already(offset) : merge(f, key);
  const prev = offset > 0 ? text[offset - 1] : undefined;
  return plain(offset, `${needsSpaceBefore(prev) ? ' ' : ''}[${key}]${spaceAfter(text[offset])}`);
}

/** The edit that cites `key` at `offset` in `text` written in `language`. Throws CitationError for unwritable keys. */
export function planCitation(
  text: string,
  language: DocLanguage,
  offset: number,
  key: string,
  style: CitationStyle = { latexCommand: '\\cite' },
): CitationEdit {
  if (key.length === 0) throw new CitationError('Empty citation key');
  if (/[\u0000-\u001f\u007f]/.test(key)) throw new CitationError(`Key ${JSON.stringify(key)} contains a control character`);
  const at = outOfWord(text, Math.max(0, Math.min(offset, text.length)));
  switch (language) {
    case 'latex':
      return latex(text, at, key, style);
    case 'markdown':
      return pandoc(text, at, key);
    case 'typst':
      return typst(text, at, key);
    case 'plaintext':
      return plainText(text, at, key);
  }
}

/** Apply an edit to a string (tests, CLI). */
export function applyEdit(text: string, edit: Pick<CitationEdit, 'offset' | 'deleteLength' | 'insertText'>): string {
  return text.slice(0, edit.offset) + edit.insertText + text.slice(edit.offset + edit.deleteLength);
}
