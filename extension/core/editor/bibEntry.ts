/** The BibTeX entry under the cursor in a .bib file (for "Similar papers"). Pure. */

export interface BibEntryAt {
  key: string;
  /** 1-based line of the entry's `@`. */
  line: number;
  start: number;
}

const ENTRY_RE = /@[ \t]*([A-Za-z]+)[ \t\r\n]*[{(][ \t\r\n]*([^,\s{}()"#%'=]+)[ \t\r\n]*,/g;
const NOT_ENTRIES = new Set(['comment', 'string', 'preamble']);

/** The last entry that starts at or before `offset`; undefined before the first entry. */
export function bibEntryAt(text: string, offset: number): BibEntryAt | undefined {
  let found: { key: string; start: number } | undefined;
  ENTRY_RE.lastIndex = 0;
  for (let m = ENTRY_RE.exec(text); m && m.index <= offset; m = ENTRY_RE.exec(text)) {
    if (NOT_ENTRIES.has(m[1]!.toLowerCase())) continue;
    // an `@` inside a field value (e-mail address) is not at a line start; entries are
    if (m.index > 0 && !/\n[ \t]*$/.test(text.slice(Math.max(0, m.index - 200), m.index))) continue;
    found = { key: m[2]!, start: m.index };
  }
  if (!found) return undefined;
  let line = 1;
  for (let i = 0; i < found.start; i++) if (text.charCodeAt(i) === 10) line++;
  return { key: found.key, line, start: found.start };
}
