/**
 * A deliberately small LaTeX → Unicode pass for the overwhelmingly common case in real bibliographies: accented
 * letters (`{\"o}`, `\'{e}`, `\c c`), special letters (`\ss`, `{\o}`, `\aa`), escaped specials (`\&`, `\%`, `\_`) and
 * text-formatting commands whose argument is kept (`\emph{…}`, `\textbf{…}`).
 *
 * WHY: @retorquere/bibtex-parser decodes all of this correctly but runs a PEG LaTeX parser per value (~10–30 ms each);
 * in the ACM CHI export ~900 entries have an accent in an author name, i.e. most of the full-parse time. Anything
 * this pass does not know (math `$…$`, unknown commands, escaped braces, malformed accents) returns `undefined` and
 * the caller falls back to the library, so coverage is never worse than the library's.
 * Braces are left in place; callers strip them afterwards (./latexDecode#decodePlain).
 */

/** Combining marks for accent commands (NFC composition turns base + mark into the precomposed letter). */
const ACCENTS: Record<string, string> = {
  '"': '\u0308', "'": '\u0301', '`': '\u0300', '^': '\u0302', '~': '\u0303', '=': '\u0304', '.': '\u0307',
  u: '\u0306', v: '\u030c', H: '\u030b', c: '\u0327', k: '\u0328', r: '\u030a', d: '\u0323', b: '\u0331',
};

const SYMBOLS: Record<string, string> = {
  ss: 'ß', o: 'ø', O: 'Ø', aa: 'å', AA: 'Å', ae: 'æ', AE: 'Æ', oe: 'œ', OE: 'Œ', l: 'ł', L: 'Ł', i: 'ı', j: 'ȷ',
  dh: 'ð', DH: 'Ð', th: 'þ', TH: 'Þ', ng: 'ŋ', NG: 'Ŋ', dj: 'đ', DJ: 'Đ',
  textendash: '–', textemdash: '—', ldots: '…', dots: '…', textellipsis: '…',
  textquoteright: '’', textquoteleft: '‘', textquotedblleft: '“', textquotedblright: '”',
  S: '§', P: '¶', copyright: '©', textcopyright: '©', textregistered: '®', texttrademark: '™', pounds: '£',
  euro: '€', texteuro: '€', textdegree: '°', textbackslash: '\\', textasciitilde: '~', textunderscore: '_',
  '&': '&', '%': '%', $: '$', '#': '#', _: '_', ' ': ' ', ',': '\u2009', ';': ' ', '-': '', '/': '', '@': '',
  '\\': ' ', slash: '/', textbar: '|', textless: '<', textgreater: '>', LaTeX: 'LaTeX', TeX: 'TeX',
};

/** Commands whose (braced) argument is simply kept. */
const KEEP_ARGUMENT = new Set([
  'emph', 'textit', 'textbf', 'textsc', 'textrm', 'texttt', 'textsf', 'textsl', 'textup', 'textnormal', 'textmd',
  'mbox', 'hbox', 'text', 'mkbibemph', 'mkbibbold', 'textooalt', 'it', 'bf', 'em', 'sc', 'rm', 'tt', 'sl', 'sf',
  'relax', 'protect', 'nocorr', 'noopsort', 'ensuremath',
]);

function isLetter(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** Decodes `value`, or returns undefined when it contains anything beyond the supported subset. */
export function decodeLatexLite(value: string): string | undefined {
  if (value.includes('$')) return undefined;
  let out = '';
  let i = 0;
  const n = value.length;
  while (i < n) {
    const c = value[i];
    if (c !== '\\') {
      out += c;
      i++;
      continue;
    }
    // Control word (letters) or control symbol (one non-letter).
    let j = i + 1;
    if (j >= n) return undefined;
    let name: string;
    if (isLetter(value[j])) {
      while (j < n && isLetter(value[j])) j++;
      name = value.slice(i + 1, j);
    } else {
      name = value[j];
      j++;
    }
    if (name === '{' || name === '}') return undefined; // escaped braces would be stripped later
    const accent = ACCENTS[name];
    if (accent !== undefined && !(name.length > 1)) {
      // Argument: `{x}`, `{\i}`, a single letter (after optional blanks for control words), or `\i`.
      let k = j;
      if (isLetter(name)) while (k < n && value[k] === ' ') k++;
      let base: string | undefined;
      if (value[k] === '{') {
        const close = value.indexOf('}', k);
        if (close < 0) return undefined;
        const inner = value.slice(k + 1, close);
        base = inner === '\\i' ? 'i' : inner === '\\j' ? 'j' : inner.length === 1 ? inner : inner === '' ? '' : undefined;
        k = close + 1;
      } else if (value.startsWith('\\i', k) && !isLetter(value[k + 2] ?? '')) {
        base = 'i';
        k += 2;
      } else if (k < n && (isLetter(value[k]) || (!isLetter(name) && /[^\s{}\\]/.test(value[k])))) {
        base = value[k];
        k++;
      }
      if (base === undefined) return undefined;
      out += base + accent;
      i = k;
      continue;
    }
    const symbol = SYMBOLS[name];
    if (symbol !== undefined || KEEP_ARGUMENT.has(name)) {
      out += symbol ?? '';
      i = j;
      // TeX swallows the blank after a control word; `{}` after it is an empty group (stripped later).
      if (isLetter(name[0])) while (i < n && value[i] === ' ') i++;
      continue;
    }
    return undefined;
  }
  return out;
}
