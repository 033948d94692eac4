/**
 * Completion of a citation key at the cursor: the indexed entries ranked by the same hybrid search the panel runs
 * on the paragraph around the cursor (same context extraction, same exclusion of the paragraph's cited keys), then
 * the rest of the catalog, all filtered by what is typed. The search comes in as a dependency (CONTRACTS.md
 * SearchDeps), so the extension host and the CLI rank with the one engine. Pure: no `vscode` import.
 */
import type { Hit } from '../index/search';
import type { StoredEntry } from '../index/store';
import { DEFAULT_CONTEXT_OPTIONS, extractContext, type ContextOptions } from '../editor/context';
import { filterWords, matchesFilter, type CatalogEntry } from './catalog';
import { completionSiteAt, type CompletionSite, type DocLanguage } from './grammar';

/** What the citation features need from the index; core/app/citations.ts provides it over the Library. */
export interface SearchDeps {
  /** Hybrid (model ready) or lexical search over the personal index. */
  search(q: { text: string; k: number; excludeKeys?: readonly string[]; files?: readonly string[]; signal?: AbortSignal }): Promise<SearchHit[]>;
  /** Entries with this key (several when files share a key). */
  lookup(key: string): Promise<StoredEntry[]>;
  /** Optional: several queries at once (their texts embedded in one batch); the citation check uses it. */
  searchMany?(qs: readonly { text: string; k: number }[], signal?: AbortSignal): Promise<SearchHit[][]>;
}

/** The part of a search hit the citation features read (core/index/search.ts Hit satisfies it). */
export type SearchHit = Pick<Hit, 'key' | 'score' | 'relevance' | 'band'> & Partial<Pick<Hit, 'title' | 'cosine' | 'mode'>>;

export interface CompletionCandidate {
  entry: CatalogEntry;
  /** Set for the entries the search ranked for this paragraph (best first); the rest follow by key. */
  hit?: SearchHit;
}

export interface CompletionResult {
  site: CompletionSite;
  /** The query the search ran on ("" when the cursor is not in prose). */
  query: string;
  /** Keys excluded from the ranked head (already cited in the paragraph). */
  paragraphKeys: string[];
  items: CompletionCandidate[];
}

export interface CompletionOptions {
  context?: ContextOptions;
  /** How many entries the search ranks (the head of the list). */
  rankK?: number;
  /** Cap on the list (the host re-asks on every keystroke, so a cap costs nothing). */
  maxItems?: number;
  signal?: AbortSignal;
}

/**
 * The query text for a cursor inside a citation: the sentence(s) around it, with the citation being typed
 * blanked so a half-typed key never becomes part of the query.
 */
export function queryAround(text: string, language: DocLanguage, site: CompletionSite, options: ContextOptions = DEFAULT_CONTEXT_OPTIONS) {
  const blanked = text.slice(0, site.citationStart) + ' '.repeat(Math.max(0, site.end - site.citationStart)) + text.slice(site.end);
  return extractContext(blanked, site.citationStart, language, options);
}

/** First entry per key, in key order (cached per catalog array: the host replaces the array when the index changes). */
const keyIndexCache = new WeakMap<readonly CatalogEntry[], Map<string, CatalogEntry>>();
function keyIndex(catalog: readonly CatalogEntry[]): Map<string, CatalogEntry> {
  let m = keyIndexCache.get(catalog);
  if (!m) {
    const sorted = catalog.filter((e) => !e.synthetic).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    m = new Map();
    for (const e of sorted) if (!m.has(e.key)) m.set(e.key, e);
    keyIndexCache.set(catalog, m);
  }
  return m;
}

export async function completeCitation(
  text: string,
  offset: number,
  language: DocLanguage,
  catalog: readonly CatalogEntry[],
  deps: Pick<SearchDeps, 'search'>,
  opts: CompletionOptions = {},
): Promise<CompletionResult | undefined> {
  const site = completionSiteAt(text, offset, language);
  if (!site) return undefined;
  const ctx = queryAround(text, language, site, opts.context);
  const rankK = opts.rankK ?? 20;
  const maxItems = opts.maxItems ?? 200;
  const exclude = new Set(site.otherKeys);
  const filter = filterWords(site.typed);
  const byKeyMap = keyIndex(catalog);
  const items: CompletionCandidate[] = [];
  const seen = new Set<string>();
  if (ctx.text.length > 0) {
    const excludeKeys = [...new Set([...ctx.paragraphKeys, ...site.otherKeys])];
    const hits = await deps.search({ text: ctx.text, k: rankK, excludeKeys, signal: opts.signal });
    for (const h of hits) {
      const entry = byKeyMap.get(h.key);
      if (!entry || seen.has(h.key) || exclude.has(h.key)) continue;
      seen.add(h.key);
      if (matchesFilter(entry, filter)) items.push({ entry, hit: h });
    }
  }
  // The rest of the library, by key: what is typed may name a paper the paragraph does not suggest.
  for (const e of byKeyMap.values()) {
    if (items.length >= maxItems) break;
    if (seen.has(e.key) || exclude.has(e.key)) continue;
    if (matchesFilter(e, filter)) items.push({ entry: e });
  }
  return { site, query: ctx.text, paragraphKeys: ctx.paragraphKeys, items: items.slice(0, maxItems) };
}

/**
 * Remembers the last search: while a key is typed the paragraph (hence the query) does not change, so each
 * keystroke's list only re-filters instead of re-embedding and re-searching.
 */
export function memoizeLastSearch(search: SearchDeps['search']): SearchDeps['search'] {
  let last: { id: string; hits: Promise<SearchHit[]> } | undefined;
  return (q) => {
    const id = JSON.stringify([q.text, q.k, q.excludeKeys ?? [], q.files ?? null]);
    if (last?.id === id) return last.hits;
    const hits = search(q);
    last = { id, hits };
    hits.catch(() => { if (last?.hits === hits) last = undefined; });
    return hits;
  };
}
