/**
 * Citations of a whole document, the key under a cursor, all references of a key, and which bibliography files a
 * document sees. All of it through the one grammar and the markup scanner (a citation in a comment or a code
 * block is not a citation). Pure: no `vscode` import.
 */
import * as path from 'node:path';
import { paragraphAt } from '../editor/context';
import { stripMarkup } from '../editor/markup';
import { bibliographyDirectives, type BibliographyDirectives, type Citation, type DocLanguage, type KeyRange } from './grammar';
import type { CatalogEntry } from './catalog';

export interface DocText {
  /** Absolute path (or any stable id) of the document. */
  file: string;
  text: string;
  language: DocLanguage;
}

/** Every citation of the document, in source order. */
export function citationsOf(text: string, language: DocLanguage): Citation[] {
  return stripMarkup(text, language).citations;
}

export interface KeyAt extends KeyRange {
  citation: Citation;
}

/**
 * The citation key whose own text contains `offset` (hover / definition act over the key only, not over the
 * command or the brackets). Only the paragraph around the cursor is scanned: citations never span paragraphs.
 */
export function keyAt(text: string, offset: number, language: DocLanguage): KeyAt | undefined {
  const para = paragraphAt(text, offset);
  const start = Math.max(0, Math.min(para.start, offset - 4000));
  const end = Math.min(text.length, Math.max(para.end, offset + 1));
  for (const c of stripMarkup(text.slice(start, end), language).citations) {
    for (const k of c.keyRanges) {
      if (offset >= k.start + start && offset <= k.end + start) {
        return {
          key: k.key,
          start: k.start + start,
          end: k.end + start,
          citation: { ...c, start: c.start + start, end: c.end + start, keyRanges: c.keyRanges.map((r) => ({ ...r, start: r.start + start, end: r.end + start })) },
        };
      }
    }
  }
  return undefined;
}

export interface Reference {
  file: string;
  start: number;
  end: number;
}

/** Every citation of `key` in the documents, as key ranges. */
export function referencesTo(docs: readonly DocText[], key: string): Reference[] {
  const out: Reference[] = [];
  for (const d of docs) {
    if (!d.text.includes(key)) continue; // cheap pre-check: most documents never mention the key
    for (const c of citationsOf(d.text, d.language)) {
      for (const k of c.keyRanges) if (k.key === key) out.push({ file: d.file, start: k.start, end: k.end });
    }
  }
  return out;
}

/**
 * The catalog entries a document sees: when it names bibliographies (`\bibliography{refs}`, `\addbibresource`,
 * front matter `bibliography:`, `#bibliography(…)`), only the entries of those files; otherwise every entry
 * (a chapter `\input` by a main file names none, and must not be reported against nothing).
 */
export function scopeCatalog(doc: DocText, catalog: readonly CatalogEntry[], directives: BibliographyDirectives = bibliographyDirectives(doc.text, doc.language)): { entries: readonly CatalogEntry[]; scoped: boolean } {
  if (directives.files.length === 0) return { entries: catalog, scoped: false };
  const dir = path.dirname(doc.file);
  const wanted = directives.files.map((f) => path.resolve(dir, f));
  const tails = directives.files.map((f) => '/' + f.replace(/\\/g, '/').replace(/^\.\//, ''));
  const self = path.resolve(doc.file);
  const inScope = (file: string) => {
    const norm = file.replace(/\\/g, '/');
    // the document's own inline references (front matter `references:`) are always in scope
    return path.resolve(file) === self || wanted.includes(path.resolve(file)) || tails.some((t) => norm.endsWith(t));
  };
  return { entries: catalog.filter((e) => inScope(e.file)), scoped: true };
}

/** 1-based line and column of an offset (for the CLI and the Problems panel). */
export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    last = i;
  }
  return { line, col: offset - last };
}

/** Offset of a 1-based line and column (clamped to the text). */
export function offsetOf(text: string, line: number, col: number): number {
  let off = 0;
  for (let l = 1; l < line; l++) {
    const nl = text.indexOf('\n', off);
    if (nl < 0) return text.length;
    off = nl + 1;
  }
  const nl = text.indexOf('\n', off);
  const lineEnd = nl < 0 ? text.length : nl;
  return Math.min(lineEnd, off + Math.max(0, col - 1));
}
