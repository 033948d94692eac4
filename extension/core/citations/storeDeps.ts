/**
 * SearchDeps over an opened IndexStore (+ the query embedder when the model is there): the ONE place the citation
 * features are wired to the index outside the extension host (CLI, tests, bench). The lead's application layer
 * replaces this function; nothing else needs to change.
 */
import type { Embedder } from '../index/embedder';
import { search } from '../index/search';
import type { IndexStore } from '../index/store';
import { catalogEntry, type CatalogEntry } from './catalog';
import type { SearchDeps } from './completion';

/** The catalog columns: everything but the abstract (a 10k-entry library's abstracts stay in the store). */
const CATALOG_COLUMNS = ['key', 'title', 'authors', 'year', 'venue', 'file', 'line', 'synthetic_key'];

export function storeSearchDeps(store: IndexStore, embedder: Pick<Embedder, 'id' | 'embedQueries'> | null): SearchDeps {
  // The vector path needs the table's own model; otherwise the query is answered lexically.
  const queryEmbedder = embedder && store.space?.embedderId === embedder.id ? embedder : null;
  return {
    async search(q) {
      const queryVector = queryEmbedder ? (await queryEmbedder.embedQueries([q.text], { signal: q.signal }))[0] : undefined;
      return search(store, { queryVector, text: q.text, k: q.k, excludeKeys: q.excludeKeys, files: q.files });
    },
    lookup: (key) => store.entriesByKey(key),
    async searchMany(qs, signal) {
      // one embedding call for all texts: the engine packs them into token batches (far cheaper than one by one)
      const vectors = queryEmbedder ? await queryEmbedder.embedQueries(qs.map((q) => q.text), { signal }) : [];
      const out = [];
      for (let i = 0; i < qs.length; i++) out.push(await search(store, { queryVector: vectors[i], text: qs[i]!.text, k: qs[i]!.k }));
      return out;
    },
  };
}

export async function catalogFromStore(store: IndexStore): Promise<CatalogEntry[]> {
  const rows = await store.table.query().select(CATALOG_COLUMNS).toArray();
  return rows.map((r) =>
    catalogEntry({
      key: String(r.key), title: String(r.title ?? ''), authors: String(r.authors ?? ''), year: r.year ?? null,
      venue: r.venue ?? null, file: String(r.file), line: Number(r.line), synthetic_key: Boolean(r.synthetic_key),
    }),
  );
}
