/**
 * The writing context at the cursor: the sentence(s) around it with markup and citation commands removed,
 * plus the citation keys used in the current paragraph and in the whole document. Pure (no `vscode`).
 */
import { DEL, stripMarkup, type DocLanguage, type Stripped } from './markup';
import { sentenceIndexAt, splitSentences } from './sentences';

export interface ContextOptions {
  /** Sentences to include before the cursor's sentence. */
  sentencesBefore: number;
  /** Sentences to include after the cursor's sentence. */
  sentencesAfter: number;
  /** Hard cap on the returned text (characters). */
  maxChars?: number;
}

export interface CursorContext {
  /** Prose around the cursor, whitespace-collapsed; "" when the cursor is not in prose. */
  text: string;
  /** Keys cited in the cursor's paragraph (hidden from suggestions). */
  paragraphKeys: string[];
  /** Keys cited anywhere in the document (marked "cited"). */
  citedKeys: string[];
  /** The paragraph around the cursor (source offsets). */
  paragraph: { start: number; end: number };
}

export const DEFAULT_CONTEXT_OPTIONS: ContextOptions = { sentencesBefore: 1, sentencesAfter: 0, maxChars: 2000 };

/** [start, end) of the blank-line separated paragraph around `offset`. */
export function paragraphAt(text: string, offset: number): { start: number; end: number } {
  const blank = /\n[ \t]*\n/g;
  let start = 0;
  let end = text.length;
  for (let m = blank.exec(text); m; m = blank.exec(text)) {
    const mEnd = m.index + m[0].length;
    if (mEnd <= offset) start = mEnd;
    else if (m.index >= offset) {
      end = m.index;
      break;
    } else {
      // the cursor is inside the blank run itself: no paragraph
      return { start: offset, end: offset };
    }
    blank.lastIndex = m.index + m[0].length - 1; // let consecutive blank lines overlap
  }
  return { start, end };
}

function unique(keys: Iterable<string>): string[] {
  return [...new Set(keys)];
}

/** Remove DEL markers and tidy whitespace/punctuation left behind by removed markup. */
export function tidy(text: string): string {
  return text
    .split(DEL)
    .join('')
    .replace(/\s+/g, ' ')
    .replace(/\s+([.,;:!?)\]])/g, '$1')
    .replace(/([(\[])\s+/g, '$1')
    .replace(/\(\s*\)|\[\s*\]/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function extractContext(
  source: string,
  offset: number,
  language: DocLanguage,
  options: ContextOptions = DEFAULT_CONTEXT_OPTIONS,
  stripped: Stripped = stripMarkup(source, language),
): CursorContext {
  const pos = Math.max(0, Math.min(offset, source.length));
  const paragraph = paragraphAt(source, pos);
  const citedKeys = unique(stripped.citations.flatMap((c) => c.keys));
  const paragraphKeys = unique(
    stripped.citations.filter((c) => c.start < paragraph.end && c.end > paragraph.start).flatMap((c) => c.keys),
  );
  // Compact the paragraph (drop DEL) while remembering where each kept character came from.
  const kept: string[] = [];
  const from: number[] = [];
  for (let i = paragraph.start; i < paragraph.end; i++) {
    const ch = stripped.text[i]!;
    if (ch === DEL) continue;
    kept.push(ch === '\n' || ch === '\t' ? ' ' : ch);
    from.push(i);
  }
  const compact = kept.join('');
  let cursor = from.findIndex((f) => f >= pos);
  if (cursor < 0) cursor = compact.length;
  const spans = splitSentences(compact);
  const at = sentenceIndexAt(spans, cursor);
  let text = '';
  if (at >= 0) {
    const first = Math.max(0, at - Math.max(0, options.sentencesBefore));
    const last = Math.min(spans.length - 1, at + Math.max(0, options.sentencesAfter));
    text = tidy(compact.slice(spans[first]!.start, spans[last]!.end));
  }
  const max = options.maxChars ?? 2000;
  if (text.length > max) {
    // keep the end nearest the cursor: a long window is cut at the front
    text = text.slice(text.length - max).replace(/^\S*\s/, '');
  }
  return { text, paragraphKeys, citedKeys, paragraph };
}
