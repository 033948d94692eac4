/**
 * Markup stripping that PRESERVES OFFSETS: the result has exactly the input's length, with markup
 * characters replaced by DEL ('\u0000', dropped later) or a space, and newlines kept. The cursor offset in
 * the source is therefore also an offset in the stripped text — no position maps to maintain while
 * scanning. Citation commands are recorded (with their keys) and blanked.
 *
 * Hand-written scanners: full LaTeX/Typst parsers exist only as heavy toolchains, and markdown-it drops
 * source offsets for inline content; what is needed here is "prose minus markup" near a cursor, robust to
 * half-typed documents (unclosed braces and math must never swallow the rest of the file).
 */

export type DocLanguage = 'latex' | 'markdown' | 'typst' | 'plaintext';

export const DEL = '\u0000';

export interface CitationSpan {
  start: number;
  end: number;
  keys: string[];
  /** LaTeX command name without the backslash (`cite`, `citep`, …); undefined for other syntaxes. */
  command?: string;
}

export interface Stripped {
  /** Same length as the input; markup replaced by DEL or spaces. */
  text: string;
  citations: CitationSpan[];
}

const UTF16 = new TextDecoder('utf-16le');

/**
 * Mutable blanking buffer over the source: UTF-16 code units in a typed array (a per-character string array
 * made a 1 MB document cost over a second; this is ~20× faster).
 */
class Blanker {
  private readonly out: Uint16Array;
  readonly citations: CitationSpan[] = [];
  constructor(readonly src: string) {
    this.out = new Uint16Array(src.length);
    for (let i = 0; i < src.length; i++) this.out[i] = src.charCodeAt(i);
  }
  isDel(i: number): boolean {
    return this.out[i] === 0;
  }
  del(s: number, e: number): void {
    for (let i = Math.max(0, s); i < Math.min(e, this.src.length); i++) if (this.out[i] !== 10) this.out[i] = 0;
  }
  space(s: number, e: number): void {
    for (let i = Math.max(0, s); i < Math.min(e, this.src.length); i++) if (this.out[i] !== 10) this.out[i] = 32;
  }
  result(): Stripped {
    // a NUL in the source itself would read as DEL: it is not prose either
    // (UTF-16LE decoding keeps the length: a lone surrogate becomes one U+FFFD)
    const text = UTF16.decode(this.out);
    return { text, citations: this.citations.sort((a, b) => a.start - b.start) };
  }
}

/** End (exclusive) of the balanced group opened at `open` (src[open] is the opener), or -1. Bounded by `limit`. */
function matchGroup(src: string, open: number, openCh: string, closeCh: string, limit = src.length): number {
  let depth = 0;
  for (let i = open; i < limit; i++) {
    const c = src[i];
    if (c === '\\' && openCh !== '(') {
      i++;
      continue;
    }
    if (c === openCh) depth++;
    else if (c === closeCh) {
      depth--;
      if (depth === 0) return i + 1;
    } else if (c === '\n' && src[i + 1] === '\n' && openCh !== '{') {
      // optional args / parens never span a paragraph break; an unclosed one stops here
      return -1;
    }
  }
  return -1;
}

function skipSpaces(src: string, i: number): number {
  while (i < src.length && (src[i] === ' ' || src[i] === '\t')) i++;
  return i;
}

/** Paragraph end after `i` (the next blank line), to bound unclosed constructs. */
function paragraphEnd(src: string, i: number): number {
  const re = /\n[ \t]*\n/g;
  re.lastIndex = i;
  const m = re.exec(src);
  return m ? m.index : src.length;
}

function splitKeys(s: string, sep: RegExp): string[] {
  return s
    .split(sep)
    .map((k) => k.trim())
    .filter((k) => k.length > 0);
}

// ------------------------------------------------------------------------------------------- LaTeX

/** Citation commands (biblatex + natbib + plain). Multi-cite forms (`\cites{a}{b}`) take several groups. */
export const LATEX_CITE_RE = /^(?:[Cc]ite|[a-zA-Z]*cite[a-zA-Z]*|[Cc]ites|[a-zA-Z]*cites)$/;
const isMultiCite = (name: string) => /cites$/.test(name);

/** Commands whose braced argument is not prose. */
const DROP_ARG = new Set([
  'ref', 'eqref', 'pageref', 'autoref', 'cref', 'Cref', 'nameref', 'vref', 'label', 'url', 'includegraphics', 'input',
  'include', 'bibliography', 'bibliographystyle', 'addbibresource', 'usepackage', 'documentclass', 'RequirePackage',
  'vspace', 'hspace', 'setlength', 'setcounter', 'addtocounter', 'hypersetup', 'pagestyle', 'thispagestyle',
  'graphicspath', 'newcounter', 'color', 'textcolor', 'href', 'hyperref', 'linewidth', 'DeclareMathOperator',
  'lstinputlisting', 'inputminted', 'newenvironment', 'renewenvironment', 'newcommand', 'renewcommand',
  'providecommand', 'def', 'let', 'newtheorem', 'bibitem',
]);
/** Arguments to drop for commands that take more than one non-prose group (rest stays prose). */
const DROP_GROUPS: Record<string, number> = {
  href: 1, textcolor: 1, hyperref: 0, newcommand: 9, renewcommand: 9, providecommand: 9, newenvironment: 9,
  renewenvironment: 9, setlength: 2, setcounter: 2, addtocounter: 2, DeclareMathOperator: 2, newtheorem: 2,
};

/** Environments whose whole content is not prose. */
const SKIP_ENVS = new Set([
  'equation', 'equation*', 'align', 'align*', 'alignat', 'alignat*', 'gather', 'gather*', 'multline', 'multline*',
  'eqnarray', 'eqnarray*', 'displaymath', 'math', 'flalign', 'flalign*', 'verbatim', 'verbatim*', 'lstlisting',
  'minted', 'tikzpicture', 'tabular', 'tabular*', 'tabularx', 'array', 'comment', 'thebibliography', 'filecontents',
  'filecontents*', 'algorithmic', 'pgfpicture', 'axis',
]);

function latexOptionalArgs(src: string, i: number, max: number): number {
  for (let n = 0; n < max; n++) {
    const j = skipSpaces(src, i);
    if (src[j] !== '[') break;
    const e = matchGroup(src, j, '[', ']');
    if (e < 0) break;
    i = e;
  }
  return i;
}

function stripLatex(src: string): Stripped {
  const b = new Blanker(src);
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === '%') {
      let e = src.indexOf('\n', i);
      if (e < 0) e = src.length;
      b.del(i, e);
      i = e;
    } else if (c === '$') {
      const display = src[i + 1] === '$';
      const open = display ? 2 : 1;
      const limit = paragraphEnd(src, i);
      let e = -1;
      for (let j = i + open; j < limit; j++) {
        if (src[j] === '\\') {
          j++;
          continue;
        }
        if (src[j] === '$' && (!display || src[j + 1] === '$')) {
          e = j + open;
          break;
        }
      }
      if (e < 0) {
        b.del(i, i + open); // unclosed math: drop the delimiter only, never the rest of the paragraph
        i += open;
      } else {
        b.del(i, e);
        i = e;
      }
    } else if (c === '\\') {
      const n = src[i + 1];
      if (n === undefined) {
        b.del(i, i + 1);
        i++;
      } else if (n === '(' || n === '[') {
        const close = n === '(' ? '\\)' : '\\]';
        const e = src.indexOf(close, i + 2);
        const end = e < 0 ? i + 2 : e + 2;
        b.del(i, end);
        i = end;
      } else if (/[A-Za-z@]/.test(n)) {
        let j = i + 1;
        while (j < src.length && /[A-Za-z@]/.test(src[j]!)) j++;
        const name = src.slice(i + 1, j);
        if (src[j] === '*') j++;
        i = latexCommand(src, b, i, j, name);
      } else if ('%&$#_{}'.includes(n)) {
        b.del(i, i + 1); // escaped character: keep the character itself
        i += 2;
      } else if (n === '\\' || n === ',' || n === ';' || n === ':' || n === '!' || n === ' ' || n === '/') {
        b.space(i, i + 2);
        i += 2;
      } else {
        // accents (\'e, \"o, \^a, \~n …) and other control symbols: drop the control sequence
        b.del(i, i + 2);
        i += 2;
      }
    } else if (c === '{' || c === '}') {
      b.del(i, i + 1);
      i++;
    } else if (c === '~' || c === '&') {
      b.space(i, i + 1);
      i++;
    } else {
      i++;
    }
  }
  return b.result();
}

/** Handle `\name` spanning [start, j); returns where scanning resumes. */
function latexCommand(src: string, b: Blanker, start: number, j: number, name: string): number {
  if (name === 'verb' || name === 'lstinline' || name === 'mintinline') {
    // inline verbatim: \verb|code|, \lstinline!code!, \mintinline{lang}{code} — never prose
    let k = j;
    if (name === 'mintinline') {
      const e = src[k] === '{' ? matchGroup(src, k, '{', '}', paragraphEnd(src, k)) : -1;
      if (e > 0) k = e;
    } else k = latexOptionalArgs(src, k, 1);
    const open = src[k];
    if (open !== undefined && open !== '\n') {
      const close = open === '{' ? '}' : open;
      const e = src.indexOf(close, k + 1);
      const nl = src.indexOf('\n', k + 1);
      if (e > 0 && (nl < 0 || e < nl)) {
        b.del(start, e + 1);
        return e + 1;
      }
    }
    b.del(start, j);
    return j;
  }
  if (name === 'begin' || name === 'end') {
    const k = skipSpaces(src, j);
    if (src[k] !== '{') {
      b.del(start, j);
      return j;
    }
    const e = matchGroup(src, k, '{', '}');
    if (e < 0) {
      b.del(start, j);
      return j;
    }
    const env = src.slice(k + 1, e - 1).trim();
    if (name === 'begin' && SKIP_ENVS.has(env)) {
      const endTag = `\\end{${env}}`;
      const close = src.indexOf(endTag, e);
      const end = close < 0 ? paragraphEnd(src, e) : close + endTag.length;
      b.del(start, end);
      return end;
    }
    let end = e;
    if (name === 'begin') end = latexOptionalArgs(src, end, 2);
    b.del(start, end);
    return end;
  }
  if (LATEX_CITE_RE.test(name)) {
    let end = latexOptionalArgs(src, j, 2);
    const keys: string[] = [];
    const groups = isMultiCite(name) ? 20 : 1;
    let found = 0;
    for (let g = 0; g < groups; g++) {
      if (g > 0) end = latexOptionalArgs(src, end, 2);
      const k = skipSpaces(src, end);
      if (src[k] !== '{') break;
      const e = matchGroup(src, k, '{', '}', paragraphEnd(src, k));
      if (e < 0) break;
      keys.push(...splitKeys(src.slice(k + 1, e - 1), /,/));
      end = e;
      found++;
    }
    if (found > 0) {
      b.citations.push({ start, end, keys, command: name });
      b.del(start, end);
      return end;
    }
    b.del(start, j);
    return j;
  }
  if (DROP_ARG.has(name)) {
    const groups = DROP_GROUPS[name] ?? 1;
    let end = latexOptionalArgs(src, j, 2);
    for (let g = 0; g < groups; g++) {
      const k = skipSpaces(src, end);
      if (src[k] !== '{') break;
      const e = matchGroup(src, k, '{', '}', paragraphEnd(src, k));
      if (e < 0) break;
      end = latexOptionalArgs(src, e, 1);
    }
    b.del(start, end);
    return end;
  }
  // Any other command: drop its name and optional arguments, keep the braced content as prose
  // (\emph{x}, \textbf{x}, \section{Title}, \caption{…}); the braces are dropped by the main loop.
  const end = latexOptionalArgs(src, j, 1);
  b.del(start, end);
  return end;
}

// ---------------------------------------------------------------------------------------- Markdown

/** Pandoc citation key: `@` + letters/digits/_ and internal punctuation `:.#$%&-+?<>~/`, or `@{…}`. */
const PANDOC_KEY = String.raw`@(?:\{[^{}\n]+\}|[\p{L}\p{N}_](?:[\p{L}\p{N}_:.#$%&\-+?<>~/]*[\p{L}\p{N}_])?)`;
const PANDOC_KEY_RE = new RegExp(`-?${PANDOC_KEY}`, 'gu');
const PANDOC_BRACKET_RE = new RegExp(String.raw`\[[^\[\]\n]*?-?${PANDOC_KEY}[^\[\]\n]*\]`, 'gu');
const PANDOC_BARE_RE = new RegExp(String.raw`(?<![\p{L}\p{N}_@\[\\])-?${PANDOC_KEY}`, 'gu');

/** Quarto cross-reference prefixes: `@fig-x`, `@sec-intro` … are references to the document, not citations. */
const QUARTO_XREF = /^(?:fig|tbl|eq|sec|lst|thm|lem|cor|prp|cnj|def|exm|exr|sol|rem|alg|apx)-/;

function pandocKey(token: string): string {
  const t = token.replace(/^-?@/, '');
  return t.startsWith('{') ? t.slice(1, -1) : t;
}
const isCitationKey = (k: string) => !QUARTO_XREF.test(k);

function delAll(b: Blanker, src: string, re: RegExp, onMatch?: (m: RegExpExecArray) => boolean | void): void {
  re.lastIndex = 0;
  for (let m = re.exec(src); m; m = re.exec(src)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    if (b.isDel(m.index) && b.isDel(m.index + m[0].length - 1)) continue; // already blanked (in code)
    if (onMatch?.(m) === false) continue;
    b.del(m.index, m.index + m[0].length);
  }
}

function stripMarkdown(src: string): Stripped {
  const b = new Blanker(src);
  // Regions that are not prose, removed first so that later rules do not look inside them.
  const fm = /^---[ \t]*\n[\s\S]*?\n(?:---|\.\.\.)[ \t]*(?:\n|$)/.exec(src);
  if (fm) b.del(0, fm[0].length);
  delAll(b, src, /^([ \t]*)(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:^\1?\2[ \t]*$|(?![\s\S]))/gm);
  delAll(b, src, /<!--[\s\S]*?-->/g);
  delAll(b, src, /\$\$[\s\S]*?\$\$/g);
  delAll(b, src, /(?<![\\$])\$(?=\S)[^$\n]*?\S\$(?!\d)/g);
  delAll(b, src, /(`+)[^`\n][\s\S]*?\1/g);
  // Citations.
  delAll(b, src, PANDOC_BRACKET_RE, (m) => {
    if (b.isDel(m.index)) return false;
    const keys = [...m[0].matchAll(PANDOC_KEY_RE)].map((k) => pandocKey(k[0])).filter(isCitationKey);
    b.citations.push({ start: m.index, end: m.index + m[0].length, keys });
  });
  delAll(b, src, PANDOC_BARE_RE, (m) => {
    if (b.isDel(m.index)) return false;
    const key = pandocKey(m[0]);
    b.citations.push({ start: m.index, end: m.index + m[0].length, keys: isCitationKey(key) ? [key] : [] });
  });
  // Inline markup: keep the text, drop the syntax.
  delAll(b, src, /!\[[^\]\n]*\]\([^)\n]*\)/g); // images
  const link = /\[([^\]\n]*)\]\(([^)\n]*)\)/g;
  for (let m = link.exec(src); m; m = link.exec(src)) {
    b.del(m.index, m.index + 1);
    const close = m.index + 1 + m[1]!.length;
    b.del(close, m.index + m[0].length);
  }
  delAll(b, src, /^[ \t]*\[[^\]\n]+\]:[^\n]*$/gm); // reference definitions
  delAll(b, src, /^[ \t]*#{1,6}(?=[ \t])/gm); // ATX headings
  delAll(b, src, /^[ \t]*>[ \t]?/gm); // block quotes
  delAll(b, src, /^[ \t]*(?:[-*+]|\d{1,9}[.)])(?=[ \t])/gm); // list markers
  delAll(b, src, /^[ \t]*:::[^\n]*$/gm); // Quarto/Pandoc fenced divs
  delAll(b, src, /\{[#.][^{}\n]*\}/g); // attributes {#fig-x .class}
  delAll(b, src, /<\/?[A-Za-z][^<>\n]*>/g); // inline HTML tags
  delAll(b, src, /\*{1,3}|(?<![\p{L}\p{N}])_{1,3}|_{1,3}(?![\p{L}\p{N}])/gu); // emphasis
  delAll(b, src, /\\(?=[\\`*_{}\[\]()#+\-.!@$])/g); // backslash escapes
  return b.result();
}

// -------------------------------------------------------------------------------------------- Typst

/** Typst label/reference name: letters, digits, `_`, `-`, `:`, `.` (a trailing `.`/`:` is punctuation). */
export const TYPST_REF_KEY_RE = /^[\p{L}\p{N}_](?:[\p{L}\p{N}_\-:.]*[\p{L}\p{N}_\-])?$/u;

function stripTypst(src: string): Stripped {
  const b = new Blanker(src);
  delAll(b, src, /```[\s\S]*?```/g);
  delAll(b, src, /`[^`\n]*`/g);
  delAll(b, src, /\/\*[\s\S]*?\*\//g);
  delAll(b, src, /(?<!:)\/\/[^\n]*/g);
  delAll(b, src, /\$[^$]*?\$/g);
  delAll(b, src, /^[ \t]*#(?:set|show|let|import|include)\b[^\n]*$/gm);
  // #cite(<key>, …) / #cite(label("key"), …)
  const cite = /#cite\(/g;
  for (let m = cite.exec(src); m; m = cite.exec(src)) {
    if (b.isDel(m.index)) continue;
    const open = m.index + m[0].length - 1;
    const e = matchGroup(src, open, '(', ')', paragraphEnd(src, open));
    if (e < 0) continue;
    const inner = src.slice(open + 1, e - 1);
    const k = /^\s*<([^<>\s]+)>/.exec(inner) ?? /^\s*label\(\s*"((?:[^"\\]|\\.)*)"\s*\)/.exec(inner);
    b.citations.push({ start: m.index, end: e, keys: k ? [k[1]!.replace(/\\(.)/g, '$1')] : [] });
    b.del(m.index, e);
    cite.lastIndex = e;
  }
  // @key references (optionally with a [supplement])
  const ref = /(?<![\p{L}\p{N}_])@([\p{L}\p{N}_][\p{L}\p{N}_\-:.]*)/gu;
  for (let m = ref.exec(src); m; m = ref.exec(src)) {
    if (b.isDel(m.index)) continue;
    let k = m[1]!;
    while (/[.:]$/.test(k)) k = k.slice(0, -1);
    let end = m.index + 1 + k.length;
    if (src[end] === '[') {
      const e = matchGroup(src, end, '[', ']', paragraphEnd(src, end));
      if (e > 0) end = e;
    }
    b.citations.push({ start: m.index, end, keys: [k] });
    b.del(m.index, end);
    ref.lastIndex = end;
  }
  delAll(b, src, /<[\p{L}\p{N}_\-:.]+>/gu); // labels
  // #func(args)[content] → content
  const fn = /#[A-Za-z_][\w\-.]*/g;
  for (let m = fn.exec(src); m; m = fn.exec(src)) {
    if (b.isDel(m.index)) continue;
    let end = m.index + m[0].length;
    if (src[end] === '(') {
      const e = matchGroup(src, end, '(', ')', paragraphEnd(src, end));
      if (e > 0) end = e;
    }
    b.del(m.index, end);
    if (src[end] === '[') {
      const e = matchGroup(src, end, '[', ']', paragraphEnd(src, end));
      if (e > 0) {
        b.del(end, end + 1);
        b.del(e - 1, e);
      }
    }
    fn.lastIndex = end;
  }
  delAll(b, src, /^[ \t]*=+(?=[ \t])/gm); // headings
  delAll(b, src, /^[ \t]*[-+](?=[ \t])/gm); // list markers
  delAll(b, src, /(?<![\p{L}\p{N}])[*_]|[*_](?![\p{L}\p{N}])/gu); // strong/emph
  delAll(b, src, /\\(?=[#$*_@<>\[\]\\`])/g); // escapes
  return b.result();
}

// ---------------------------------------------------------------------------------------- plain text

/** `[key]`, `[a, b]`, `[a; b]` where every part looks like a citation key. */
const PLAIN_CITE_RE = /\[([\p{L}\p{N}_][\p{L}\p{N}_:.\-+/]*(?:\s*[,;]\s*[\p{L}\p{N}_][\p{L}\p{N}_:.\-+/]*)*)\]/gu;

function stripPlain(src: string): Stripped {
  const b = new Blanker(src);
  delAll(b, src, PLAIN_CITE_RE, (m) => {
    b.citations.push({ start: m.index, end: m.index + m[0].length, keys: splitKeys(m[1]!, /[,;]/) });
  });
  return b.result();
}

export function stripMarkup(text: string, language: DocLanguage): Stripped {
  switch (language) {
    case 'latex':
      return stripLatex(text);
    case 'markdown':
      return stripMarkdown(text);
    case 'typst':
      return stripTypst(text);
    case 'plaintext':
      return stripPlain(text);
  }
}
