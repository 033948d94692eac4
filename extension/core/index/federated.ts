/**
 * Personal index + lab-shared index → one ranked list. Each index is searched with core/index/search
 * (the same query); the two ranked lists are fused by reciprocal rank and deduplicated by paper
 * identity (DOI, else arXiv id, else normalised title). When a paper is in both, the personal entry
 * is the one shown (its key is the one the user's documents cite) and it counts as found by both.
 *
 * The shared side is optional and fallible: unreachable storage, a slow network or a missing table
 * degrade to the personal results with one message, after at most `sharedTimeoutMs`.
 */
import { RRF_K, type Hit } from './search';
import type { StoredEntry } from './store';

export type Origin = 'personal' | 'shared';
export type FederatedHit = Hit & { origin: Origin };

/** What a search over one index needs (the personal one via the app layer, the shared one via its store). */
export type SearchFn = (q: { text?: string; queryVector?: Float32Array; k: number; excludeKeys?: readonly string[]; minScore?: number; signal?: AbortSignal }) => Promise<Hit[]>;

export interface FederatedResult {
  hits: FederatedHit[];
  /** Set when the shared index was configured but could not answer (one line for the UI). */
  sharedError?: string;
}

/** A shared search that takes longer than this is dropped for this query (the panel must not wait). */
export const SHARED_TIMEOUT_MS = 8000;

/** Lower-case, accents and punctuation removed, whitespace collapsed: "BERT: Pre-training…" ≡ "bert pre training…". */
export function normaliseTitle(title: string): string {
  return title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[{}\\$]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** The identities of an entry, strongest first: `doi:…`, `arxiv:…` (version dropped), `title:…`. */
export function paperIdentities(e: { doi: string | null; arxiv_id: string | null; title: string }): string[] {
  const ids: string[] = [];
  if (e.doi) ids.push(`doi:${e.doi.trim().toLowerCase()}`);
  if (e.arxiv_id) ids.push(`arxiv:${e.arxiv_id.trim().toLowerCase().replace(/v\d+$/, '')}`);
  const t = normaliseTitle(e.title);
  // Very short titles ("Introduction", "Editorial") are not identities.
  if (t.length >= 12) ids.push(`title:${t}`);
  return ids;
}

/**
 * Reciprocal rank fusion of the personal and shared lists with deduplication. Scores are normalised
 * like search(): 1 = first in both lists.
 */
export interface FuseOptions {
  /** Papers never to return from the shared side (the entry itself for "similar", cited papers). */
  exclude?: readonly Pick<StoredEntry, 'doi' | 'arxiv_id' | 'title'>[];
  /** The user's own entry for a paper, when they have it (beyond the personal top k): shown instead of the shared copy. */
  resolveLocal?: (identities: readonly string[]) => StoredEntry | undefined;
}

/** identity → entry, for FuseOptions.resolveLocal over the whole personal library. */
export function identityIndex<E extends Pick<StoredEntry, 'doi' | 'arxiv_id' | 'title'>>(entries: Iterable<E>): (identities: readonly string[]) => E | undefined {
  const map = new Map<string, E>();
  for (const e of entries) for (const id of paperIdentities(e)) if (!map.has(id)) map.set(id, e);
  return (ids) => ids.map((id) => map.get(id)).find((e) => e !== undefined);
}

export function fuseFederated(personal: readonly Hit[], shared: readonly Hit[], k: number, opts: FuseOptions = {}): FederatedHit[] {
  const excluded = new Set((opts.exclude ?? []).flatMap((e) => paperIdentities(e)));
  interface Group { hit: FederatedHit; rrf: number; cosine?: number }
  const groups: Group[] = [];
  const byId = new Map<string, Group>();
  const add = (list: readonly Hit[], origin: Origin) => {
    list.forEach((h, rank) => {
      const ids = paperIdentities(h.fields);
      if (origin === 'shared' && ids.some((id) => excluded.has(id))) return;
      const inc = 1 / (RRF_K + rank + 1);
      // Personal hits are distinct entries (search already collapsed them per key); a shared hit joins
      // the first group that shares its strongest identity.
      const g = origin === 'shared' ? ids.map((id) => byId.get(id)).find((x) => x !== undefined) : undefined;
      if (g) {
        g.rrf += inc;
        if (h.cosine !== undefined) g.cosine = Math.max(g.cosine ?? -1, h.cosine);
        return;
      }
      const local = origin === 'shared' ? opts.resolveLocal?.(ids) : undefined;
      const hit: FederatedHit = local
        ? { ...h, key: local.key, title: local.title, file: local.file, line: local.line, fields: local, origin: 'personal' }
        : { ...h, origin };
      if (local && groups.some((x) => x.hit.origin === 'personal' && x.hit.key === local.key)) return;
      const group: Group = { hit, rrf: inc, cosine: h.cosine };
      groups.push(group);
      for (const id of ids) if (!byId.has(id)) byId.set(id, group);
    });
  };
  add(personal, 'personal');
  add(shared, 'shared');
  const lists = (personal.length ? 1 : 0) + (shared.length ? 1 : 0);
  const best = lists / (RRF_K + 1);
  return groups
    .sort((a, b) => b.rrf - a.rrf || (a.hit.origin === 'personal' ? -1 : 1))
    .slice(0, Math.max(0, k))
    .map((g) => ({ ...g.hit, score: best > 0 ? Math.min(1, g.rrf / best) : 0, ...(g.cosine !== undefined ? { cosine: g.cosine } : {}) }));
}

/**
 * Runs the personal and (when given) shared searches concurrently and fuses them. A failing or slow
 * shared search never fails the query: its message is returned beside the personal hits.
 */
export async function federatedSearch(
  q: Parameters<SearchFn>[0],
  personal: SearchFn,
  shared: SearchFn | undefined,
  opts: { sharedTimeoutMs?: number } & FuseOptions = {},
): Promise<FederatedResult> {
  if (!shared) return { hits: (await personal(q)).map((h) => ({ ...h, origin: 'personal' as const })) };
  const timeoutMs = opts.sharedTimeoutMs ?? SHARED_TIMEOUT_MS;
  const ctl = new AbortController();
  const onAbort = () => ctl.abort(q.signal?.reason);
  q.signal?.addEventListener('abort', onAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const sharedRun = Promise.race([
    shared({ ...q, signal: ctl.signal }),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => { ctl.abort(); reject(new Error(`the shared index did not answer within ${Math.round(timeoutMs / 1000)} s`)); }, timeoutMs);
    }),
  ]).then(
    (hits) => ({ hits }),
    (e: unknown) => ({ error: firstLine(e) }),
  );
  try {
    const [mine, theirs] = await Promise.all([personal(q), sharedRun]);
    if ('error' in theirs) return { hits: mine.map((h) => ({ ...h, origin: 'personal' as const })), sharedError: theirs.error };
    const excludeKeys = new Set(q.excludeKeys ?? []);
    // Over-fused then cut: a shared copy resolved to an excluded personal entry must not take a slot.
    const hits = fuseFederated(mine, theirs.hits, q.k + excludeKeys.size, opts)
      .filter((h) => !(h.origin === 'personal' && excludeKeys.has(h.key)) && h.relevance >= (q.minScore ?? 0))
      .slice(0, q.k);
    return { hits };
  } finally {
    clearTimeout(timer);
    q.signal?.removeEventListener('abort', onAbort);
  }
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0].slice(0, 300);
}
