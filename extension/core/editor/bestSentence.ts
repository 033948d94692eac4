/**
 * The abstract sentence that best matches a query, by simple term overlap (computed on the HOST, so the
 * webview only renders offsets). Deliberately lexical: it explains a hit to the reader ("this is the part
 * that matches your sentence"), it does not rank.
 */
import { splitSentences, type Span } from './sentences';

const STOPWORDS = new Set(
  ('a an and are as at be been but by can could do does for from had has have how if in into is it its may more ' +
    'most not of on or our over such than that the their them then there these they this those through to under ' +
    'up use used using was we were what when where which while who will with within without would you your also ' +
    'both each however other only same some very via between based show shows shown paper propose proposed approach')
    .split(' '),
);

/** Lower-cased content terms (letters/digits, length ≥ 3, no stopwords), crude plural folding. */
export function terms(text: string): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[\p{L}\p{N}]+/gu)) {
    let t = m[0];
    if (t.length < 3 || STOPWORDS.has(t)) continue;
    if (t.length > 4 && t.endsWith('s') && !t.endsWith('ss')) t = t.slice(0, -1);
    out.push(t);
  }
  return out;
}

/** Best sentence of `abstract` for `query`, or undefined when no sentence shares a content term. */
export function bestSentence(abstract: string, query: string): Span | undefined {
  const q = new Set(terms(query));
  if (q.size === 0 || abstract.length === 0) return undefined;
  let best: Span | undefined;
  let bestScore = 0;
  for (const span of splitSentences(abstract)) {
    const words = terms(abstract.slice(span.start, span.end));
    if (words.length === 0) continue;
    const shared = new Set(words.filter((w) => q.has(w))).size;
    // distinct shared terms, lightly normalised so a very long sentence does not win by size alone
    const score = shared / Math.sqrt(Math.max(8, words.length));
    if (shared > 0 && score > bestScore) {
      best = span;
      bestScore = score;
    }
  }
  return best;
}
