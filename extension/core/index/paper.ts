/**
 * Index rows → `PaperHit`, the display shape of one ranked paper that the services hand to the UI
 * (extension/host/serviceApi.ts re-exports it). Defined here so that the core stays vscode-free.
 * Every string is still hostile: the webview must render it as text.
 */
import { AUTHOR_SEPARATOR } from './schema';
import type { Evidence, Hit, Why } from './search';
import type { Band } from './calibration';
import type { StoredEntry } from './store';

/** One ranked paper, ready for display. Every string here came from a bibliography: treat it as hostile. */
export interface PaperHit {
  key: string;
  title: string;
  authors: string[];
  year?: number;
  venue?: string;
  abstract: string;
  hasAbstract: boolean;
  doi?: string;
  url?: string;
  file: string;
  line: number;
  /** Fusion score in [0, 1]: the ORDER of the results, not a relevance (do not display it as one). */
  score: number;
  /** Calibrated relevance 0..1 (core/index/calibration.ts) — the number to show; set for ranked hits. */
  relevance?: number;
  band?: Band;
  /** The numbers behind the relevance (tooltip). */
  evidence?: Evidence;
  /** 'meaning' (cosine), 'words' (shared terms), or both. */
  why?: Why[];
  /** Lower-cased words of title/abstract sharing a stem with the query: highlight them case-insensitively. */
  terms?: string[];
  /** Cosine similarity when the vector path contributed, else undefined (lexical-only hit). */
  cosine?: number;
  /**
   * The key was generated (a reading-list item or a key-less entry): no bibliography defines it, so the
   * UI offers no "Insert citation" for it.
   */
  syntheticKey?: boolean;
}

export function entryToPaper(e: StoredEntry, score = 0, cosine?: number): PaperHit {
  const p: PaperHit = {
    key: e.key,
    title: e.title,
    authors: e.authors ? e.authors.split(AUTHOR_SEPARATOR) : [],
    abstract: e.abstract,
    hasAbstract: e.has_abstract,
    file: e.file,
    line: e.line,
    score,
  };
  if (e.year !== null) p.year = e.year;
  if (e.venue) p.venue = e.venue;
  if (e.doi) p.doi = e.doi;
  if (e.url) p.url = e.url;
  if (cosine !== undefined) p.cosine = cosine;
  if (e.synthetic_key) p.syntheticKey = true;
  return p;
}

export function hitToPaper(h: Hit): PaperHit {
  return { ...entryToPaper(h.fields, h.score, h.cosine), relevance: h.relevance, band: h.band, evidence: h.evidence, why: h.why, terms: h.terms };
}

/**
 * One entry per key. The first row of a key is kept, except that an entry with a real key replaces one
 * whose key was generated: if a .bib defines the key, citing it is fine.
 */
export function oneEntryPerKey<E extends { key: string; synthetic_key: boolean }>(rows: Iterable<E>): Map<string, E> {
  const out = new Map<string, E>();
  for (const e of rows) {
    const prev = out.get(e.key);
    if (!prev || (prev.synthetic_key && !e.synthetic_key)) out.set(e.key, e);
  }
  return out;
}
