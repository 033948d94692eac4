/**
 * Index rows → the display shape of `PaperHit` (extension/host/serviceApi.ts), without importing
 * the host layer (core stays vscode-free): the object is structurally a PaperHit.
 * Every string is still hostile: the webview must render it as text.
 */
import { AUTHOR_SEPARATOR } from './schema';
import type { Hit } from './search';
import type { StoredEntry } from './store';

export interface PaperFields {
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
  score: number;
  cosine?: number;
}

export function entryToPaper(e: StoredEntry, score = 0, cosine?: number): PaperFields {
  const p: PaperFields = {
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
  return p;
}

export function hitToPaper(h: Hit): PaperFields {
  return entryToPaper(h.fields, h.score, h.cosine);
}
