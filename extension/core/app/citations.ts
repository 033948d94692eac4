/**
 * The citation features (core/citations: completion, hover, diagnostics, citation check) over THE
 * application layer: the same search (hybrid when the model is ready, lexical otherwise) and the same
 * compact catalogue the extension host uses, for the CLI (`suggest`, `check`), benches and tests.
 */
import { catalogEntry, type CatalogEntry } from '../citations/catalog';
import type { SearchDeps } from '../citations/completion';
import type { Library } from './library';

export function librarySearchDeps(library: Library): SearchDeps {
  return {
    search: async (q) => (await library.search({ text: q.text, k: q.k, excludeKeys: q.excludeKeys, files: q.files, signal: q.signal })).hits,
    lookup: (key) => library.lookup(key),
    searchMany: async (qs, signal) => (await library.searchMany(qs.map((q) => ({ text: q.text, k: q.k, signal })))).map((r) => r.hits),
  };
}

/** Every entry without its abstract (key, title, family names, year, venue, file, line). */
export async function libraryCitationCatalog(library: Library): Promise<CatalogEntry[]> {
  return (await library.catalog()).map(catalogEntry);
}
