/**
 * Sentence boundaries for prose already stripped of markup (cursor context window, best abstract sentence).
 *
 * Hand-written rather than `Intl.Segmenter('sentence')`: ICU splits after scholarly abbreviations
 * ("et al. Smith", "Fig. 3", "Eq. 2", "e.g. BERT"), which are everywhere in papers, and its behaviour
 * varies with the ICU version bundled in Node/Electron/the browser. This splitter is deterministic.
 */

export interface Span {
  start: number;
  end: number;
}

/** Lower-case abbreviations (without the final dot) after which a period does not end a sentence. */
const ABBREVIATIONS = new Set([
  'al', 'e.g', 'i.e', 'cf', 'vs', 'etc', 'fig', 'figs', 'eq', 'eqs', 'sec', 'secs', 'ch', 'chap', 'tab', 'ref', 'refs',
  'no', 'nos', 'vol', 'pp', 'p', 'approx', 'resp', 'dr', 'mr', 'mrs', 'ms', 'prof', 'st', 'jr', 'sr', 'viz', 'ca',
  'ed', 'eds', 'appx', 'app', 'def', 'thm', 'lem', 'prop', 'cor', 'alg', 'n.b', 'a.k.a', 'w.r.t', 'incl', 'approx',
]);

function isSpace(c: string | undefined): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f' || c === '\u00a0';
}

/** The word (letters and inner dots) that ends right before position `dot` (exclusive). */
function wordBefore(text: string, dot: number): string {
  let i = dot;
  while (i > 0 && /[\p{L}\p{N}.]/u.test(text[i - 1]!)) i--;
  return text.slice(i, dot);
}

function endsSentence(text: string, i: number): boolean {
  const c = text[i]!;
  if (c === '!' || c === '?') return true;
  if (c !== '.') return false;
  const word = wordBefore(text, i);
  if (ABBREVIATIONS.has(word.toLowerCase())) return false;
  // A single capital initial ("J. Smith") or a number with a decimal point continues the sentence.
  if (/^\p{Lu}$/u.test(word)) return false;
  if (/\d$/.test(word) && /\d/.test(text[i + 1] ?? '')) return false;
  // What follows (after closing quotes/brackets and spaces) must start a new sentence.
  let j = i + 1;
  while (j < text.length && /["'”’)\]]/.test(text[j]!)) j++;
  if (j >= text.length) return true;
  if (!isSpace(text[j])) return false;
  while (j < text.length && isSpace(text[j])) j++;
  if (j >= text.length) return true;
  const next = text[j]!;
  return !/\p{Ll}/u.test(next); // "… e.g. the model" continues; "… model. The" starts anew
}

/** Sentences of `text` as spans that exclude surrounding whitespace. Empty text → []. */
export function splitSentences(text: string): Span[] {
  const spans: Span[] = [];
  let start = 0;
  const push = (s: number, e: number) => {
    while (s < e && isSpace(text[s])) s++;
    while (e > s && isSpace(text[e - 1])) e--;
    if (e > s) spans.push({ start: s, end: e });
  };
  for (let i = 0; i < text.length; i++) {
    if (!endsSentence(text, i)) continue;
    let e = i + 1;
    while (e < text.length && /[.!?"'”’)\]]/.test(text[e]!)) e++;
    push(start, e);
    start = e;
    i = e - 1;
  }
  push(start, text.length);
  return spans;
}

/** Index of the sentence containing `pos`; a position in the gap after a sentence belongs to that sentence. */
export function sentenceIndexAt(spans: Span[], pos: number): number {
  if (spans.length === 0) return -1;
  for (let i = 0; i < spans.length; i++) {
    const next = spans[i + 1];
    if (next === undefined || pos < next.start) return i;
  }
  return spans.length - 1;
}
