/**
 * The compact catalog of the indexed entries that completion filters and diagnostics check against: key, title,
 * author family names, year, venue, file, line — never the abstract (fetched on demand from the store for a hover
 * or the documentation of one item). Pure: no `vscode` import.
 */
import { AUTHOR_SEPARATOR } from '../index/schema';
import type { StoredEntry } from '../index/store';

export interface CatalogEntry {
  key: string;
  title: string;
  /** Author family names in source order. */
  families: string[];
  year?: number;
  venue?: string;
  file: string;
  /** 1-based line of the entry. */
  line: number;
  /** The key was generated (no bibliography defines it): never offered, never counted as defining a key. */
  synthetic?: boolean;
  /** Folded words a typed filter is matched against (title words, family names, year). */
  terms: string[];
  /** Folded key. */
  foldedKey: string;
  /** Identity of the content, to tell a harmless repeat of the same entry from a conflicting definition. */
  content: string;
}

/** Lower case without diacritics: `Müller` and `muller` match. */
export function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}+/gu, '').toLowerCase();
}

/** "Family, Given" → "Family"; a literal name "Given Family" → its last word; "{Org Name}" stays whole. */
export function familyName(author: string): string {
  const a = author.trim();
  const comma = a.indexOf(',');
  if (comma > 0) return a.slice(0, comma).trim();
  const parts = a.split(/\s+/);
  return parts[parts.length - 1] ?? a;
}

const words = (s: string) => fold(s).split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0);

type EntryLike = Pick<StoredEntry, 'key' | 'title' | 'authors' | 'year' | 'venue' | 'file' | 'line' | 'synthetic_key'>;

export function catalogEntry(e: EntryLike): CatalogEntry {
  const families = e.authors ? e.authors.split(AUTHOR_SEPARATOR).map(familyName).filter(Boolean) : [];
  const c: CatalogEntry = {
    key: e.key,
    title: e.title,
    families,
    file: e.file,
    line: e.line,
    terms: [...new Set([...words(e.title), ...families.flatMap(words), ...(e.year !== null ? [String(e.year)] : [])])],
    foldedKey: fold(e.key),
    content: JSON.stringify([words(e.title).join(' '), families.map(fold), e.year]),
  };
  if (e.year !== null) c.year = e.year;
  if (e.venue) c.venue = e.venue;
  if (e.synthetic_key) c.synthetic = true;
  return c;
}

/** The typed text split into filter words (`vaswani att` → two words; commas and semicolons separate too). */
export function filterWords(typed: string): string[] {
  return fold(typed).split(/[\s,;]+/).filter(Boolean);
}

/**
 * Whether every typed word is found: inside the key (`2017`, `vasw`), or as the start of a title word, an author
 * family name or the year. `vaswani att` finds "Attention Is All You Need" by Vaswani et al.
 */
export function matchesFilter(e: CatalogEntry, filter: readonly string[]): boolean {
  for (const w of filter) {
    if (e.foldedKey.includes(w)) continue;
    if (!e.terms.some((t) => t.startsWith(w))) return false;
  }
  return true;
}

/** "Vaswani et al. 2017 · NeurIPS" (the completion item's detail line). */
export function entryDetail(e: Pick<CatalogEntry, 'families' | 'year' | 'venue'>): string {
  const f = e.families;
  const who = f.length === 0 ? '' : f.length === 1 ? f[0]! : f.length === 2 ? `${f[0]} and ${f[1]}` : `${f[0]} et al.`;
  const left = [who, e.year !== undefined ? String(e.year) : ''].filter(Boolean).join(' ');
  return [left, e.venue ?? ''].filter(Boolean).join(' · ');
}

/** Entries grouped by key (a key may be defined in several files). */
export function byKey(catalog: readonly CatalogEntry[]): Map<string, CatalogEntry[]> {
  const out = new Map<string, CatalogEntry[]>();
  for (const e of catalog) {
    if (e.synthetic) continue;
    const list = out.get(e.key);
    if (list) list.push(e);
    else out.set(e.key, [e]);
  }
  return out;
}
