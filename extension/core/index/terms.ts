/**
 * The words LanceDB's full-text index sees, reproduced in JS: the calibration needs the same terms as the
 * BM25 half (document frequencies, document lengths) and the UI highlights the query terms a hit shares.
 *
 * LanceDB's default FTS analyzer (lance, tantivy underneath), checked against the real index in
 * test/unit/index/terms.test.ts: the "simple" tokenizer (runs of letters/digits), tokens longer than 40
 * removed, lower case, ASCII folding (é → e), the Snowball English stemmer (Porter2) and the 33-word
 * Lucene English stop list — which is applied to the STEMMED token ("its" → "it", "being" → "be" are dropped).
 */
// wink-porter2-stemmer is Porter2 = Snowball English, the algorithm of rust-stemmers that tantivy uses.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const porter2: (word: string) => string = require('wink-porter2-stemmer');

const STOP = new Set(
  'a an and are as at be but by for if in into is it no not of on or such that the their then there these they this to was will with'.split(' '),
);
const MAX_TOKEN = 40;

export interface Token {
  /** The stemmed, folded term as the index stores it. */
  term: string;
  /** The word as written in the text (for highlighting). */
  surface: string;
}

/** Tokens of `text` in order, stop words removed (duplicates kept: they are term frequencies). */
export function ftsTokens(text: string): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const surface = m[0];
    if (surface.length > MAX_TOKEN) continue;
    const folded = fold(surface.toLowerCase());
    const term = stem(folded);
    if (STOP.has(term) || STOP.has(folded)) continue;
    out.push({ term, surface });
  }
  return out;
}

/** Distinct index terms of a text. */
export function ftsTerms(text: string): string[] {
  return [...new Set(ftsTokens(text).map((t) => t.term))];
}

/**
 * The words of `text` (as written, lower-cased, first occurrence order) whose index term is one of
 * `queryTerms`: what a hit shares with the query, for highlighting.
 */
export function sharedWords(text: string, queryTerms: ReadonlySet<string>): string[] {
  const seen = new Set<string>();
  for (const t of ftsTokens(text)) if (queryTerms.has(t.term)) seen.add(t.surface.toLowerCase());
  return [...seen];
}

const stemCache = new Map<string, string>();
function stem(w: string): string {
  // Digits and one-letter tokens pass through the Snowball stemmer unchanged; skip the call.
  if (w.length < 3 || /^\p{N}+$/u.test(w)) return w;
  let s = stemCache.get(w);
  if (s === undefined) {
    s = porter2(w);
    if (stemCache.size > 50_000) stemCache.clear();
    stemCache.set(w, s);
  }
  return s;
}

/** ASCII folding: strip combining marks after NFD (é → e, ø stays: tantivy folds it to o, handled below). */
function fold(w: string): string {
  if (/^[\x00-\x7f]*$/.test(w)) return w;
  return w
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/[øØ]/g, 'o')
    .replace(/ß/g, 'ss')
    .replace(/[æÆ]/g, 'ae')
    .replace(/[œŒ]/g, 'oe')
    .replace(/[łŁ]/g, 'l')
    .replace(/[đĐð]/g, 'd')
    .replace(/[þÞ]/g, 'th')
    .replace(/ı/g, 'i');
}
