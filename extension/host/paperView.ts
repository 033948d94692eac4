/**
 * PaperHit (services) → PaperView (protocol): marks keys cited in the document, finds the best-matching
 * abstract sentence, says whether a safe link exists and which file label it has — so the webview never sees
 * a URL or a path. Pure: no `vscode` import.
 */
import * as path from 'node:path';
import { bestSentence } from '../core/editor/bestSentence';
import { LIMITS, type Band, type PaperView, type Why } from '../protocol/webview';
import type { PaperHit } from './serviceApi';
import { entryLink } from './links';

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

/** What the ranking says about one hit (the calibrated fields of core/index/search.ts `Hit`). */
export interface Ranking {
  relevance: number;
  band: Band;
  why: Why[];
  terms: string[];
  evidence?: { cosine?: number; bm25?: number };
}

/**
 * The calibrated ranking of a hit (core/index/search.ts computes relevance, band, why, terms and their
 * evidence). A paper without them (an entry looked up by key, not ranked) shows as weak, relevance 0:
 * the fusion `score` is an order, never displayed as a relevance.
 */
export function rankingOf(hit: PaperHit): Ranking {
  const r: Ranking = { relevance: hit.relevance ?? 0, band: hit.band ?? 'weak', why: hit.why ?? [], terms: hit.terms ?? [] };
  if (hit.evidence) r.evidence = { ...(hit.evidence.cosine !== undefined ? { cosine: hit.evidence.cosine } : {}), ...(hit.evidence.bm25 !== undefined ? { bm25: hit.evidence.bm25 } : {}) };
  return r;
}

/** Ranking → the wire's limits (a ranking from any source must still validate). */
function wireRanking(r: Ranking): Pick<PaperView, 'relevance' | 'band' | 'why' | 'terms'> & { evidence?: PaperView['evidence'] } {
  const out: Pick<PaperView, 'relevance' | 'band' | 'why' | 'terms'> & { evidence?: PaperView['evidence'] } = {
    relevance: clamp01(r.relevance),
    band: r.band,
    why: [...new Set(r.why)],
    terms: [...new Set(r.terms.map((t) => t.toLowerCase()).filter((t) => t.length > 0 && t.length <= LIMITS.term))].slice(0, LIMITS.terms),
  };
  const cosine = r.evidence?.cosine;
  const bm25 = r.evidence?.bm25;
  if (r.evidence) {
    out.evidence = {};
    if (cosine !== undefined && Number.isFinite(cosine)) out.evidence.cosine = Math.min(1, Math.max(-1, cosine));
    if (bm25 !== undefined && Number.isFinite(bm25) && bm25 >= 0) out.evidence.bm25 = bm25;
  }
  return out;
}

/**
 * @param query the text the hit answers (empty for similar-paper queries: nothing to highlight)
 * @param fileLabel the file's label for the filter (see `fileLabels`); default: its base name
 */
export function toPaperView(hit: PaperHit, query: string, citedKeys: ReadonlySet<string>, fileLabel?: string): PaperView {
  const abstract = clip(hit.abstract ?? '', LIMITS.abstract);
  const view: PaperView = {
    key: clip(hit.key, LIMITS.key).replace(/[\u0000-\u001f\u007f]/g, ' '),
    title: clip(hit.title ?? '', LIMITS.shortText),
    authors: (hit.authors ?? []).slice(0, LIMITS.authors).map((a) => clip(a, LIMITS.shortText)),
    abstract,
    ...wireRanking(rankingOf(hit)),
    file: clip(fileLabel ?? path.basename(hit.file), LIMITS.shortText),
    cited: citedKeys.has(hit.key),
    hasLink: entryLink(hit) !== undefined,
    source: clip(`${path.basename(hit.file)}:${hit.line}`, LIMITS.shortText),
  };
  if (hit.year !== undefined && Number.isInteger(hit.year) && hit.year >= 0 && hit.year <= 9999) view.year = hit.year;
  if (hit.venue) view.venue = clip(hit.venue, LIMITS.shortText);
  if (hit.syntheticKey === true) view.syntheticKey = true;
  const origin = (hit as PaperHit & { origin?: unknown }).origin;
  if (origin === 'shared' || origin === 'personal') view.origin = origin;
  const best = query ? bestSentence(abstract, query) : undefined;
  if (best) view.highlight = best;
  return view;
}

/**
 * Short, unique labels for bibliography files: the base name, with as many parent folders as it takes to tell
 * files of the same name apart ("refs.bib", "a/refs.bib" and "b/refs.bib"). Labels, not paths, go to the webview.
 */
export function fileLabels(files: readonly string[]): Map<string, string> {
  const unique = [...new Set(files)];
  const parts = new Map(unique.map((f) => [f, f.split(/[\\/]+/).filter((p) => p.length > 0)]));
  const depth = new Map(unique.map((f) => [f, 1]));
  const label = (f: string) => {
    const p = parts.get(f)!;
    return p.slice(Math.max(0, p.length - depth.get(f)!)).join('/') || f;
  };
  for (let round = 0; round < 64; round++) {
    const byLabel = new Map<string, string[]>();
    for (const f of unique) byLabel.set(label(f), [...(byLabel.get(label(f)) ?? []), f]);
    let grew = false;
    for (const group of byLabel.values()) {
      if (group.length < 2) continue;
      for (const f of group) {
        if (depth.get(f)! < parts.get(f)!.length) {
          depth.set(f, depth.get(f)! + 1);
          grew = true;
        }
      }
    }
    if (!grew) break;
  }
  return new Map(unique.map((f) => [f, clip(label(f), LIMITS.shortText)]));
}

/** One "Not in your library" paper (a Semantic Scholar recommendation) as displayed. Its key is the S2 paper id. */
export function outsidePaperView(p: { paperId: string; title: string; abstract: string | null; year: number | null; venue: string | null; authors: string[]; doi: string | null; url: string | null }): PaperView {
  const view: PaperView = {
    key: clip(p.paperId, LIMITS.key),
    title: clip(p.title, LIMITS.shortText),
    authors: p.authors.slice(0, LIMITS.authors).map((a) => clip(a, LIMITS.shortText)),
    abstract: clip(p.abstract ?? '', LIMITS.abstract),
    // Not ranked against the library (the webview shows where it comes from instead of a band).
    relevance: 0,
    band: 'weak',
    why: [],
    terms: [],
    file: 'Semantic Scholar',
    cited: false,
    hasLink: Boolean(p.doi) || /^https?:\/\//i.test(p.url ?? ''),
    source: 'Semantic Scholar',
    origin: 'outside',
  };
  if (p.year !== null && Number.isInteger(p.year) && p.year >= 0 && p.year <= 9999) view.year = p.year;
  if (p.venue) view.venue = clip(p.venue, LIMITS.shortText);
  return view;
}
