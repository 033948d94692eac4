/**
 * The BibTeX entry under the cursor in a .bib file (for "Similar papers"). Pure.
 *
 * The extension asks the index first (the parse's own line numbers, a binary search: Library.entryAt);
 * this scan is for a document with unsaved edits. It looks BACKWARDS from the cursor in growing
 * windows, so its cost is the size of the entry, not of the file above it.
 */

export interface BibEntryAt {
  key: string;
  /** UTF-16 offset of the entry's `@`. */
  start: number;
}

const ENTRY_RE = /@[ \t]*([A-Za-z]+)[ \t\r\n]*[{(][ \t\r\n]*([^,\s{}()"#%'=]+)[ \t\r\n]*,/g;
const NOT_ENTRIES = new Set(['comment', 'string', 'preamble']);
/** A header is short; the window overlaps the cursor by this much so a header spanning it is seen. */
const HEADER_MAX = 600;

/** The last entry that starts at or before `offset`; undefined before the first entry. */
export function bibEntryAt(text: string, offset: number): BibEntryAt | undefined {
  let size = 4096;
  let from = Math.max(0, offset - size);
  for (;;) {
    const found = lastEntryIn(text, from, Math.min(text.length, offset + HEADER_MAX), offset);
    if (found || from === 0) return found;
    size *= 4;
    from = Math.max(0, offset - size);
  }
}

function lastEntryIn(text: string, from: number, to: number, offset: number): BibEntryAt | undefined {
  const window = text.slice(from, to);
  let found: BibEntryAt | undefined;
  ENTRY_RE.lastIndex = 0;
  for (let m = ENTRY_RE.exec(window); m && from + m.index <= offset; m = ENTRY_RE.exec(window)) {
    if (NOT_ENTRIES.has(m[1]!.toLowerCase())) continue;
    const at = from + m.index;
    // an `@` inside a field value (e-mail address) is not at a line start; entries are
    if (at > 0 && !/\n[ \t]*$/.test(text.slice(Math.max(0, at - 200), at))) continue;
    found = { key: m[2]!, start: at };
  }
  return found;
}
