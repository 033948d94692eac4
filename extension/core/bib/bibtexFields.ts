/**
 * Parses the body of one split BibTeX chunk into its key and raw field values (`name = part # part …`).
 *
 * Hand-written for the same reasons as ./bibtexSplit: it must report the line of a broken field, keep every field that
 * precedes (and, where the damage is local, follows) a field with unbalanced braces, and be cheap enough to run over
 * every entry of a 15 MB file on each re-parse. LaTeX inside values is NOT interpreted here (see ./latexDecode).
 */
import type { RawChunk } from './bibtexSplit';

export type ValuePart = { kind: 'text'; text: string } | { kind: 'macro'; name: string; line: number };

export interface RawField {
  parts: ValuePart[];
  /** 1-based line where the field name starts. */
  line: number;
}

export interface FieldProblem {
  line: number;
  message: string;
}

export interface ParsedChunk {
  key: string;
  fields: Map<string, RawField>;
  problems: FieldProblem[];
  /** Field names that appeared more than once (first value kept). */
  duplicateFields: string[];
}

const LBRACE = 123, RBRACE = 125, QUOTE = 34, BACKSLASH = 92, NL = 10, COMMA = 44, EQ = 61, HASH = 35;

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 0xa0 || c === 0xfeff;
}

class Cursor {
  pos: number;
  private lineAtPos: number;
  private linePos: number;
  constructor(
    readonly text: string,
    start: number,
    readonly end: number,
    startLine: number,
    chunkStart: number,
  ) {
    this.pos = start;
    this.linePos = chunkStart;
    this.lineAtPos = startLine;
  }
  /** Line of `offset`; offsets are asked for in increasing order, so counting is incremental. */
  lineOf(offset: number): number {
    if (offset < this.linePos) {
      let l = this.lineAtPos;
      for (let p = offset; p < this.linePos; p++) if (this.text.charCodeAt(p) === NL) l--;
      return l;
    }
    for (let p = this.linePos; p < offset; p++) if (this.text.charCodeAt(p) === NL) this.lineAtPos++;
    this.linePos = offset;
    return this.lineAtPos;
  }
  skipSpace(): void {
    while (this.pos < this.end && isSpace(this.text.charCodeAt(this.pos))) this.pos++;
  }
  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }
}

/** Index of the `}` closing the `{` at `open`, or -1 when it does not close before `end`. */
const BRACE_OR_ESCAPE = /[\\{}]/g;

function matchBrace(text: string, open: number, end: number): number {
  let depth = 0;
  let p = open;
  while (p < end) {
    // Native regex scan to the next brace or backslash (values are mostly long runs of plain text).
    BRACE_OR_ESCAPE.lastIndex = p;
    if (!BRACE_OR_ESCAPE.test(text)) return -1;
    p = BRACE_OR_ESCAPE.lastIndex - 1;
    if (p >= end) return -1;
    const c = text.charCodeAt(p);
    if (c === BACKSLASH) p++;
    else if (c === LBRACE) depth++;
    else if (c === RBRACE && --depth === 0) return p;
    p++;
  }
  return -1;
}

/**
 * Recovery for a `{` value that never closes: cut it at the first line end that looks like the end of a field
 * (`},` or a final `}`), which is how such values end in practice (`publisher = {Taylor {{\&} Francis},`).
 */
function recoverBraceEnd(text: string, open: number, end: number): number {
  let p = open;
  while (p < end) {
    let eol = text.indexOf('\n', p);
    if (eol < 0 || eol > end) eol = end;
    let q = eol - 1;
    while (q > p && (text.charCodeAt(q) === 32 || text.charCodeAt(q) === 9 || text.charCodeAt(q) === 13)) q--;
    if (text.charCodeAt(q) === COMMA) q--;
    if (q > open && text.charCodeAt(q) === RBRACE && nextLineStartsField(text, eol + 1, end)) return q;
    p = eol + 1;
  }
  return -1;
}

/** True when the next non-blank line (before `end`) starts with `name =` or closes the entry, or nothing follows. */
function nextLineStartsField(text: string, from: number, end: number): boolean {
  const rest = text.slice(from, Math.min(end, from + 200));
  return /^\s*(?:$|[}\)]|[A-Za-z][\w:.+-]*\s*=)/.test(rest);
}

function readQuoted(text: string, open: number, end: number): number {
  let depth = 0;
  for (let p = open + 1; p < end; p++) {
    const c = text.charCodeAt(p);
    if (c === BACKSLASH) p++;
    else if (c === LBRACE) depth++;
    else if (c === RBRACE) depth--;
    else if (c === QUOTE && depth <= 0) return p;
  }
  return -1;
}

function readBare(text: string, start: number, end: number): number {
  let p = start;
  while (p < end) {
    const c = text.charCodeAt(p);
    if (isSpace(c) || c === COMMA || c === HASH || c === LBRACE || c === RBRACE || c === QUOTE || c === EQ) break;
    p++;
  }
  return p;
}

/** Parses `# `-joined value parts at the cursor. Returns undefined (and records a problem) when nothing usable. */
function readValue(cur: Cursor, fieldName: string, problems: FieldProblem[], chunkTerminated: boolean): ValuePart[] | undefined {
  const parts: ValuePart[] = [];
  const { text, end } = cur;
  for (;;) {
    cur.skipSpace();
    const c = cur.peek();
    if (c === LBRACE) {
      let close = matchBrace(text, cur.pos, end);
      if (close >= 0 && !chunkTerminated) {
        // In an entry that never closed, a value that closes only by eating later fields is the broken one.
        const lineCut = recoverBraceEnd(text, cur.pos, close);
        if (lineCut >= 0 && lineCut < close && text.indexOf('\n', cur.pos) < close) {
          problems.push({ line: cur.lineOf(cur.pos), message: `unbalanced braces in field "${fieldName}"; value cut at the end of its line` });
          close = lineCut;
        }
      }
      if (close < 0) {
        close = recoverBraceEnd(text, cur.pos, end);
        problems.push({
          line: cur.lineOf(cur.pos),
          message: `unbalanced braces in field "${fieldName}"${close < 0 ? '; the rest of the entry is lost' : '; value cut at the end of its line'}`,
        });
        if (close < 0) {
          parts.push({ kind: 'text', text: text.slice(cur.pos + 1, end) });
          cur.pos = end;
          return parts;
        }
      }
      parts.push({ kind: 'text', text: text.slice(cur.pos + 1, close) });
      cur.pos = close + 1;
    } else if (c === QUOTE) {
      const close = readQuoted(text, cur.pos, end);
      if (close < 0) {
        problems.push({ line: cur.lineOf(cur.pos), message: `unterminated quoted value in field "${fieldName}"; the rest of the entry is lost` });
        parts.push({ kind: 'text', text: text.slice(cur.pos + 1, end) });
        cur.pos = end;
        return parts;
      }
      parts.push({ kind: 'text', text: text.slice(cur.pos + 1, close) });
      cur.pos = close + 1;
    } else {
      const stop = readBare(text, cur.pos, end);
      if (stop === cur.pos) {
        problems.push({ line: cur.lineOf(cur.pos), message: `missing value for field "${fieldName}"` });
        return parts.length ? parts : undefined;
      }
      const word = text.slice(cur.pos, stop);
      parts.push(/^\d+$/.test(word) ? { kind: 'text', text: word } : { kind: 'macro', name: word.toLowerCase(), line: cur.lineOf(cur.pos) });
      cur.pos = stop;
    }
    cur.skipSpace();
    if (cur.peek() !== HASH) return parts;
    cur.pos++;
  }
}

/** Skips to just past the next top-level comma (used to resynchronise after a malformed field). */
function skipToNextField(cur: Cursor): void {
  let depth = 0;
  while (cur.pos < cur.end) {
    const c = cur.text.charCodeAt(cur.pos++);
    if (c === BACKSLASH) cur.pos++;
    else if (c === LBRACE) depth++;
    else if (c === RBRACE) depth--;
    else if (c === COMMA && depth <= 0) return;
  }
}

export function parseChunkFields(text: string, chunk: RawChunk, withKey: boolean): ParsedChunk {
  const cur = new Cursor(text, chunk.bodyStart, chunk.bodyEnd, chunk.line, chunk.start);
  const fields = new Map<string, RawField>();
  const problems: FieldProblem[] = [];
  const duplicateFields: string[] = [];
  let key = '';
  if (withKey) {
    cur.skipSpace();
    // The key runs to the first comma; keys may contain "/", ":", "@", even "{" in the wild, but not "=" (an entry
    // whose first token is `name =` has no key).
    const keyStart = cur.pos;
    let p = keyStart;
    while (p < cur.end && text.charCodeAt(p) !== COMMA && text.charCodeAt(p) !== EQ) p++;
    if (p < cur.end && text.charCodeAt(p) === EQ) {
      // No key: leave the cursor on the field name.
      key = '';
    } else {
      key = text.slice(keyStart, p).trim();
      // A newline inside the "key" means the comma after it was forgotten: the key is the first line.
      const nl = key.search(/\s/);
      if (nl >= 0) {
        problems.push({ line: chunk.line, message: `entry key "${key.slice(0, 40)}" contains white space; missing comma after the key?` });
        key = key.slice(0, nl);
      }
      cur.pos = p < cur.end ? p + 1 : p;
    }
  }
  for (;;) {
    cur.skipSpace();
    while (cur.peek() === COMMA) {
      cur.pos++;
      cur.skipSpace();
    }
    if (cur.pos >= cur.end) break;
    const nameStart = cur.pos;
    const nameEnd = readBare(text, nameStart, cur.end);
    const name = text.slice(nameStart, nameEnd).toLowerCase();
    cur.pos = nameEnd;
    cur.skipSpace();
    if (!name && !chunk.terminated && (text[nameStart] === '}' || text[nameStart] === ')')) {
      // The entry's own closing delimiter, left over after an unbalanced value was cut at its line end.
      cur.pos = nameStart + 1;
      continue;
    }
    if (!name || cur.peek() !== EQ) {
      problems.push({
        line: cur.lineOf(nameStart),
        message: name ? `expected "=" after field name "${name.slice(0, 40)}"` : `unexpected character ${JSON.stringify(text[nameStart])}`,
      });
      cur.pos = Math.max(cur.pos, nameStart + 1);
      skipToNextField(cur);
      continue;
    }
    cur.pos++;
    const line = cur.lineOf(nameStart);
    const parts = readValue(cur, name, problems, chunk.terminated);
    if (parts) {
      if (fields.has(name)) duplicateFields.push(name);
      else fields.set(name, { parts, line });
      // BibTeX itself stops at a missing comma between two fields; we report it and keep the next field.
      cur.skipSpace();
      const next = cur.peek();
      if (cur.pos < cur.end && next !== COMMA && next !== RBRACE && next !== 41 /* ')' */) {
        problems.push({ line: cur.lineOf(cur.pos), message: `missing comma after field "${name}"` });
      }
    } else {
      skipToNextField(cur);
    }
  }
  return { key, fields, problems, duplicateFields };
}
