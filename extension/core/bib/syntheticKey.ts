/**
 * Stable synthetic citation keys for entries that have none (Markdown reading lists, key-less WoS exports).
 * Derived only from the entry's own content, so they survive edits elsewhere in the file:
 * `doi:<doi>`, else `arxiv:<id>`, else `<firstauthorfamily><year><firstsignificanttitleword>` (ASCII, lower-case).
 */
import type { BibRecord } from '../types';

const STOP = new Set(['a', 'an', 'the', 'on', 'of', 'in', 'for', 'to', 'and', 'with', 'from', 'at', 'by', 'is', 'are', 'towards', 'toward']);

function ascii(s: string): string {
  return s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '');
}

export function syntheticKey(r: Pick<BibRecord, 'doi' | 'arxivId' | 'authors' | 'year' | 'title'>): string {
  if (r.doi) return `doi:${r.doi.toLowerCase()}`;
  if (r.arxivId) return `arxiv:${r.arxivId}`;
  const family = ascii((r.authors[0] ?? '').split(',')[0]) || 'anon';
  const word = r.title.split(/\s+/).map(ascii).find((w) => w && !STOP.has(w)) ?? 'untitled';
  return `${family}${r.year ?? 'nd'}${word}`;
}

/** Appends b, c, … when a key is already used in the same file (order-dependent only among identical keys). */
export function uniqueKey(key: string, used: Set<string>): string {
  if (!used.has(key)) return key;
  for (let i = 1; ; i++) {
    const candidate = `${key}${suffix(i)}`;
    if (!used.has(candidate)) return candidate;
  }
}

function suffix(i: number): string {
  let s = '';
  let n = i;
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s === 'a' ? 'b' : s;
}
