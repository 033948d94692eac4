/**
 * PaperHit (services) → PaperView (protocol): marks keys cited in the document, finds the best-matching
 * abstract sentence, and says whether a safe link exists — so the webview never sees a URL or a path.
 * Pure: no `vscode` import.
 */
import * as path from 'node:path';
import { bestSentence } from '../core/editor/bestSentence';
import { LIMITS, type PaperView } from '../protocol/webview';
import type { PaperHit } from './serviceApi';
import { entryLink } from './links';

const clip = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);
const clamp01 = (x: number) => (Number.isFinite(x) ? Math.min(1, Math.max(0, x)) : 0);

export function toPaperView(hit: PaperHit, query: string, citedKeys: ReadonlySet<string>): PaperView {
  const abstract = clip(hit.abstract ?? '', LIMITS.abstract);
  const view: PaperView = {
    key: clip(hit.key, LIMITS.key).replace(/[\u0000-\u001f\u007f]/g, ' '),
    title: clip(hit.title ?? '', LIMITS.shortText),
    authors: (hit.authors ?? []).slice(0, LIMITS.authors).map((a) => clip(a, LIMITS.shortText)),
    abstract,
    score: clamp01(hit.score),
    cited: citedKeys.has(hit.key),
    hasLink: entryLink(hit) !== undefined,
    source: clip(`${path.basename(hit.file)}:${hit.line}`, LIMITS.shortText),
  };
  if (hit.year !== undefined && Number.isInteger(hit.year) && hit.year >= 0 && hit.year <= 9999) view.year = hit.year;
  if (hit.venue) view.venue = clip(hit.venue, LIMITS.shortText);
  if (hit.cosine !== undefined && Number.isFinite(hit.cosine)) view.cosine = Math.min(1, Math.max(-1, hit.cosine));
  if (hit.syntheticKey === true) view.syntheticKey = true;
  const best = query ? bestSentence(abstract, query) : undefined;
  if (best) view.highlight = best;
  return view;
}
