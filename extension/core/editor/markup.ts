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

import {
  isLatexCiteCommand, latexOptionalArgs, LATEX_CITE_NAME_RE, matchGroup, paragraphEnd, pandocBareCitation,
  pandocBracketCitation, PANDOC_BARE_RE, PANDOC_BRACKET_RE, parseLatexCitation, plainCitation, PLAIN_CITE_RE,
  skipSpaces, typstCiteCall, typstRefCitation, TYPST_CITE_CALL_RE, TYPST_REF_KEY_RE, TYPST_REF_RE,
  type Citation, type DocLanguage,
} from '../citations/grammar';

export type { DocLanguage };
export { TYPST_REF_KEY_RE };

export const DEL = '\u0000';

/** A citation found in the document (the syntax, with per-key ranges, is core/citations/grammar.ts). */
export type CitationSpan = Citation;

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

// ------------------------------------------------------------------------------------------- LaTeX

/** Citation commands (biblatex + natbib + plain): defined by the grammar. */
export const LATEX_CITE_RE = LATEX_CITE_NAME_RE;

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
  if (isLatexCiteCommand(name)) {
    const c = parseLatexCitation(src, start, j, name);
    if (c) {
      b.citations.push(c);
      b.del(start, c.end);
      return c.end;
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
    b.citations.push(pandocBracketCitation(src, m));
  });
  delAll(b, src, PANDOC_BARE_RE, (m) => {
    if (b.isDel(m.index)) return false;
    b.citations.push(pandocBareCitation(src, m));
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

function stripTypst(src: string): Stripped {
  const b = new Blanker(src);
  delAll(b, src, /```[\s\S]*?```/g);
  delAll(b, src, /`[^`\n]*`/g);
  delAll(b, src, /\/\*[\s\S]*?\*\//g);
  delAll(b, src, /(?<!:)\/\/[^\n]*/g);
  delAll(b, src, /\$[^$]*?\$/g);
  delAll(b, src, /^[ \t]*#(?:set|show|let|import|include)\b[^\n]*$/gm);
  // #cite(<key>, …) / #cite(label("key"), …)
  const cite = new RegExp(TYPST_CITE_CALL_RE.source, 'g');
  for (let m = cite.exec(src); m; m = cite.exec(src)) {
    if (b.isDel(m.index)) continue;
    const c = typstCiteCall(src, m.index);
    if (!c) continue;
    b.citations.push(c);
    b.del(c.start, c.end);
    cite.lastIndex = c.end;
  }
  // @key references (optionally with a [supplement])
  const ref = new RegExp(TYPST_REF_RE.source, 'gu');
  for (let m = ref.exec(src); m; m = ref.exec(src)) {
    if (b.isDel(m.index)) continue;
    const c = typstRefCitation(src, m);
    b.citations.push(c);
    b.del(c.start, c.end);
    ref.lastIndex = c.end;
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

function stripPlain(src: string): Stripped {
  const b = new Blanker(src);
  delAll(b, src, PLAIN_CITE_RE, (m) => {
    b.citations.push(plainCitation(src, m));
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
