/**
 * "Not in your library": Semantic Scholar recommendations seeded by the identifiers of the papers a
 * document cites (positive) and of suggestions the user dismissed (negative), without the papers the
 * library already has; and the BibTeX entry written when one is added to a bibliography.
 *
 * Only identifiers are sent (`DOI:…`, `ARXIV:…`, S2 paper ids of dismissed suggestions). The API's
 * `citationStyles.bibtex` is parsed with our own parser and re-serialised with our escaping, so a
 * hostile answer cannot inject entries or LaTeX into the user's .bib.
 */
import { parseBibtexText } from '../bib/bibtex';
import { entryToBibtex, safeBibKey, uniqueBibKey, type SerialisableEntry } from '../bib/serialise';
import { paperIdentities } from '../index/federated';
import { s2IdFor, type S2Client, type S2Paper } from './semanticScholar';

export interface OutsideQuery {
  /** Entries the document cites (from the personal index): their DOIs / arXiv ids are the positive seeds. */
  cited: readonly { doi: string | null; arxiv_id: string | null }[];
  /** S2 ids (paperId or DOI:/ARXIV:) of recommendations the user dismissed. */
  dismissed?: readonly string[];
  /** Identity lookup over the whole library (core/index/federated.ts identityIndex): known papers are dropped. */
  inLibrary: (identities: readonly string[]) => unknown;
  limit?: number;
  signal?: AbortSignal;
}

export class NoSeedsError extends Error {
  constructor() {
    super('none of the papers cited here has a DOI or arXiv id, so there is nothing to ask Semantic Scholar about');
    this.name = 'NoSeedsError';
  }
}

/** The identifiers that WILL be sent for this query (for the opt-in statement and for tests). */
export function seedIds(q: Pick<OutsideQuery, 'cited' | 'dismissed'>): { positive: string[]; negative: string[] } {
  const positive = [...new Set(q.cited.map((e) => s2IdFor(e)).filter((x): x is string => x !== undefined))];
  return { positive, negative: [...new Set(q.dismissed ?? [])].filter((id) => /^[\w:./-]{1,200}$/.test(id)) };
}

export async function notInLibrary(client: S2Client, q: OutsideQuery): Promise<S2Paper[]> {
  const { positive, negative } = seedIds(q);
  if (positive.length === 0) throw new NoSeedsError();
  const limit = q.limit ?? 20;
  // Over-ask: some of the answers are papers the library already has.
  const papers = await client.recommendations(positive, negative, { limit: Math.min(500, limit * 2 + 10), signal: q.signal });
  return papers
    .filter((p) => !q.inLibrary(paperIdentities({ doi: p.doi, arxiv_id: p.arxivId, title: p.title })))
    .slice(0, limit);
}

/**
 * The entry to add for a recommended paper: fields from the API's BibTeX when it parses (type, key,
 * venue, year as S2 formatted them), else from the paper's own fields; always re-serialised here.
 */
export function recommendedToBibtex(p: S2Paper, takenKeys: Iterable<string>): { key: string; bibtex: string } {
  let fromApi: { key: string; type: string; venue?: string; year?: number; authors: string[] } | undefined;
  if (p.bibtex) {
    try {
      const r = parseBibtexText('/semantic-scholar.bib', p.bibtex).records[0];
      if (r) fromApi = { key: r.key, type: r.type, venue: r.venue, year: r.year, authors: r.authors };
    } catch {
      fromApi = undefined; // unusable BibTeX from the API: build the entry from the fields
    }
  }
  const firstAuthor = (p.authors[0] ?? 'anon').split(/[\s,]+/).filter(Boolean).pop() ?? 'anon';
  const fallbackKey = `${firstAuthor}${p.year ?? ''}${(p.title.split(/\s+/).find((w) => w.length > 3) ?? '')}`.toLowerCase();
  const key = uniqueBibKey(safeBibKey(fromApi?.key ?? fallbackKey, `s2-${p.paperId.slice(0, 8)}`), takenKeys);
  const entry: SerialisableEntry = {
    key,
    type: fromApi?.type ?? (p.venue ? 'article' : 'misc'),
    title: p.title,
    abstract: p.abstract ?? '',
    authors: fromApi?.authors.length ? fromApi.authors : p.authors,
    year: p.year ?? fromApi?.year ?? null,
    venue: p.venue ?? fromApi?.venue ?? null,
    doi: p.doi,
    url: p.url,
    arxiv_id: p.arxivId,
  };
  return { key, bibtex: entryToBibtex(entry) };
}
