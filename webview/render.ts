/**
 * Pure DOM rendering of the panel (no `acquireVsCodeApi`, no global state), unit-tested against a DOM
 * implementation in Node.
 *
 * SECURITY: every string here may come from a bibliography (titles, authors, abstracts, keys, venues) and
 * is hostile. Text is only ever set through `textContent` / `createTextNode` / `setAttribute` on
 * non-URL, non-event attributes. There is no `innerHTML`, `insertAdjacentHTML`, `outerHTML` or `href`
 * anywhere in the webview; links are opened by the host after validation (the webview sends only a key).
 */
import type { PaperView, QueryView, Section, StatusView } from '../extension/protocol/webview';
import { SECONDARY_BUTTON, TAGS } from './toolkit';

export type BodyState = 'empty' | 'no-bibliography' | 'model-missing' | 'indexing' | 'results' | 'lexical' | 'error';

export type PaperAction = 'insert' | 'copy' | 'open' | 'link';

/**
 * The one state the body advertises (`body[data-state]`), by precedence: a storage error, indexing, no
 * bibliography, model missing, results (vector or lexical), empty. Banners explain each state.
 */
export function bodyState(status: StatusView | undefined, hasResults: boolean): BodyState {
  if (!status) return hasResults ? 'results' : 'empty';
  if (status.storageError !== undefined) return 'error';
  if (status.indexing || status.scanned === false) return 'indexing';
  if (status.files === 0 && status.entries === 0) return 'no-bibliography';
  if (status.model.kind === 'missing') return 'model-missing';
  if (hasResults) return status.lexicalOnly ? 'lexical' : 'results';
  return 'empty';
}

/** "Family" of a "Family, Given" name (or the last word of a literal name). */
function family(name: string): string {
  const n = name.trim();
  if (n.includes(',')) return n.slice(0, n.indexOf(',')).trim();
  const parts = n.split(/\s+/);
  return parts[parts.length - 1] ?? n;
}

/** "Smith", "Smith & Jones", "Smith et al." */
export function shortAuthors(authors: string[]): string {
  const names = authors.map(family).filter((n) => n.length > 0);
  if (names.length === 0) return '';
  if (names.length === 1) return names[0]!;
  if (names.length === 2) return `${names[0]} & ${names[1]}`;
  return `${names[0]} et al.`;
}

const nf = new Intl.NumberFormat('en-US');
export const formatCount = (n: number) => nf.format(n);

/** The status line under the search box (`#status`). */
export function statusLine(status: StatusView | undefined, busy: boolean): string {
  if (!status) return 'Starting…';
  const parts: string[] = [];
  if (status.storageError !== undefined) parts.push('Index storage unavailable');
  else if (status.indexing) parts.push(`Indexed ${formatCount(status.indexing.done)} of ${formatCount(status.indexing.total)}`);
  else if (status.scanned === false) parts.push('Looking for bibliographies…');
  else parts.push(`${formatCount(status.entries)} papers in ${formatCount(status.files)} ${status.files === 1 ? 'file' : 'files'}`);
  if (status.embedding && status.embedding.embedded < status.embedding.embeddable && !status.lexicalOnly) {
    // Hybrid over what is embedded, lexical over everything: say how far meaning reaches.
    parts.push(`${formatCount(status.embedding.embedded)} of ${formatCount(status.embedding.embeddable)} papers embedded`);
  }
  if (status.lexicalOnly) parts.push('lexical results only (no embedding model)');
  else if (status.model.kind === 'ready') parts.push(`SPECTER2 ${status.model.precision}`);
  else if (status.model.kind === 'loading') parts.push('loading model…');
  if (busy) parts.push('searching…');
  return parts.join(' · ');
}

function el<K extends keyof HTMLElementTagNameMap>(doc: Document, tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = doc.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

function toolkitButton(doc: Document, label: string, attrs: Record<string, string>, secondary = false): HTMLElement {
  const b = doc.createElement(TAGS.button);
  b.textContent = label;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  if (secondary) b.setAttribute(...SECONDARY_BUTTON);
  return b;
}

/** Abstract as text nodes, the best-matching sentence wrapped in <mark>. */
export function renderAbstract(doc: Document, abstract: string, highlight?: { start: number; end: number }): HTMLElement {
  const p = el(doc, 'p', 'abstract-text');
  if (abstract.length === 0) {
    p.textContent = 'No abstract in the bibliography.';
    p.classList.add('muted');
    return p;
  }
  if (!highlight || highlight.end <= highlight.start || highlight.end > abstract.length) {
    p.textContent = abstract;
    return p;
  }
  p.append(doc.createTextNode(abstract.slice(0, highlight.start)));
  const mark = el(doc, 'mark', 'best', abstract.slice(highlight.start, highlight.end));
  mark.title = 'Best-matching sentence';
  p.append(mark, doc.createTextNode(abstract.slice(highlight.end)));
  return p;
}

/** Stable, attribute-safe id fragment for a key (ids are not selectors we parse, but keep them tame). */
function idFor(section: Section, index: number): string {
  return `${section}-paper-${index}`;
}

/** Sources whose key-less items are reading-list entries (Markdown, Quarto, R Markdown, text notes). */
const READING_LIST_SOURCE = /\.(?:md|markdown|qmd|rmd|txt)(?::\d+)?$/i;

/** The short note shown instead of "Insert citation" for an entry whose key was generated. */
export function syntheticKeyHint(source: string): string {
  return READING_LIST_SOURCE.test(source) ? 'From a reading list; no citation key' : 'No citation key in the bibliography';
}

export function renderPaper(doc: Document, section: Section, paper: PaperView, index: number, expanded: boolean): HTMLLIElement {
  const li = el(doc, 'li', 'paper');
  li.setAttribute('data-key', paper.key);
  if (paper.cited) li.classList.add('cited');
  if (paper.syntheticKey) li.classList.add('synthetic');
  const bodyId = idFor(section, index);

  const head = el(doc, 'button', 'paper-head');
  head.type = 'button';
  head.setAttribute('data-action', 'toggle');
  head.setAttribute('aria-expanded', String(expanded));
  head.setAttribute('aria-controls', bodyId);
  const title = el(doc, 'span', 'title', paper.title.length > 0 ? paper.title : paper.key);
  const metaParts = [shortAuthors(paper.authors), paper.year !== undefined ? String(paper.year) : '', paper.venue ?? ''].filter(
    (s) => s.length > 0,
  );
  const meta = el(doc, 'span', 'meta', metaParts.join(' · '));
  head.append(title, meta);
  if (paper.cited) {
    const badge = el(doc, 'span', 'cited-badge', 'cited');
    badge.title = 'Already cited elsewhere in this document';
    head.append(badge);
  }
  const pct = Math.round(paper.score * 100);
  head.setAttribute(
    'aria-label',
    `${paper.title || paper.key}. ${metaParts.join(', ')}. Relevance ${pct}%${paper.cited ? '. Cited' : ''}${paper.syntheticKey ? '. No citation key' : ''}`,
  );

  const score = el(doc, 'div', 'score');
  score.setAttribute('role', 'meter');
  score.setAttribute('aria-valuemin', '0');
  score.setAttribute('aria-valuemax', '100');
  score.setAttribute('aria-valuenow', String(pct));
  score.setAttribute('aria-label', `Relevance ${pct}%`);
  score.title = paper.cosine !== undefined ? `Relevance ${pct}% (cosine ${paper.cosine.toFixed(3)})` : `Relevance ${pct}% (lexical)`;
  const fill = el(doc, 'div', 'score-fill');
  // CSSOM (not a style attribute), so it is allowed by the CSP without 'unsafe-inline'
  fill.style.setProperty('--score', String(paper.score));
  score.append(fill);

  const body = el(doc, 'div', 'paper-body');
  body.id = bodyId;
  body.hidden = !expanded;
  body.append(renderAbstract(doc, paper.abstract, paper.highlight));
  const keyLine = el(doc, 'p', 'key', paper.key);
  keyLine.title = paper.source;
  body.append(keyLine);

  const actions = el(doc, 'div', 'actions');
  actions.setAttribute('role', 'group');
  actions.setAttribute('aria-label', `Actions for ${paper.key}`);
  if (paper.syntheticKey) {
    // The key was generated for an entry that has none: no bibliography defines it, so a citation to it
    // would not resolve. No Insert button (the host refuses too); Copy/Open still help to add it to a .bib.
    const hint = el(doc, 'span', 'synthetic-hint', syntheticKeyHint(paper.source));
    hint.title = `"${paper.key}" is a generated key for this entry; add the paper to a .bib file with a key to cite it`;
    actions.append(hint);
  } else {
    actions.append(toolkitButton(doc, 'Insert citation', { 'data-action': 'insert', 'aria-label': `Insert citation ${paper.key}` }));
  }
  actions.append(
    toolkitButton(doc, 'Copy key', { 'data-action': 'copy', 'aria-label': `Copy key ${paper.key}` }, true),
    toolkitButton(doc, 'Open entry', { 'data-action': 'open', 'aria-label': `Open entry ${paper.key} in ${paper.source}`, title: paper.source }, true),
  );
  const link = toolkitButton(doc, 'Open DOI/URL', { 'data-action': 'link', 'aria-label': `Open DOI or URL of ${paper.key}` }, true);
  if (!paper.hasLink) {
    link.setAttribute('disabled', '');
    link.setAttribute('title', 'No DOI or http(s) URL in the entry');
  }
  actions.append(link);

  li.append(head, score, body, actions);
  return li;
}

/** Replace the list of a section. `expanded` holds the keys whose abstract is open. */
export function renderHits(list: HTMLElement, section: Section, hits: PaperView[], expanded: ReadonlySet<string>): void {
  const doc = list.ownerDocument;
  list.replaceChildren(...hits.map((h, i) => renderPaper(doc, section, h, i, expanded.has(h.key))));
}

/** "For: “…”" line above a section's list. */
export function queryLine(query: QueryView | undefined, section: Section): string {
  if (!query) return section === 'suggestions' ? 'Move the cursor into a sentence or search.' : 'Move the cursor into a .bib entry.';
  const text = query.text.length > 160 ? `${query.text.slice(0, 157)}…` : query.text;
  switch (query.source) {
    case 'entry':
      return `Similar to ${query.key ?? ''}`;
    case 'top-suggestion':
      return `Similar to the top suggestion ${query.key ?? ''}`;
    case 'search':
      return `Search: “${text}”`;
    case 'selection':
      return `Selection: “${text}”`;
    case 'cursor':
      return `For: “${text}”`;
  }
}

export interface BannerContent {
  text: string;
  buttons: { label: string; command: string; secondary?: boolean }[];
  progress?: boolean;
}

/** The banner explaining a non-result state (what happened, and what to do). */
export function bannerFor(state: BodyState, status: StatusView | undefined): BannerContent | undefined {
  switch (state) {
    case 'no-bibliography':
      return {
        text: 'No bibliography found in this workspace. Add a .bib, CSL-JSON/YAML or Markdown reading list, or check the relatedPapers.include / relatedPapers.exclude settings.',
        buttons: [
          { label: 'Reindex', command: 'reindex' },
          { label: 'Open settings', command: 'openSettings', secondary: true },
        ],
      };
    case 'model-missing':
      return {
        // the services' message says why and what to do; the status line already says "lexical results only"
        text:
          status?.model.kind === 'missing' && status.model.message.trim().length > 0
            ? status.model.message
            : 'The SPECTER2 model is not available, so results are lexical only.',
        buttons: [
          { label: 'Download SPECTER2 (≈440 MB)', command: 'downloadModel' },
          { label: 'Use a local folder', command: 'useLocalModelFolder', secondary: true },
        ],
      };
    case 'indexing': {
      const ix = status?.indexing;
      const text = ix
        ? `Indexed ${formatCount(ix.done)} of ${formatCount(ix.total)}${ix.message ? ` — ${ix.message}` : ''}`
        : 'Looking for bibliographies in the workspace…';
      return { text, buttons: [], progress: true };
    }
    case 'error':
      return {
        text: `The index storage could not be opened: ${status?.storageError ?? 'unknown error'}. Results are unavailable until it is fixed.`,
        buttons: [
          { label: 'Show log', command: 'showLog' },
          { label: 'Reindex', command: 'reindex', secondary: true },
        ],
      };
    case 'results':
    case 'lexical':
    case 'empty':
      if (status?.model.kind === 'error') {
        return {
          text: `The embedding model failed to load, so results are lexical only: ${status.model.message}`,
          buttons: [{ label: 'Show log', command: 'showLog' }],
        };
      }
      return undefined;
  }
}

export function renderBanner(banner: HTMLElement, content: BannerContent | undefined): void {
  const doc = banner.ownerDocument;
  banner.hidden = content === undefined;
  if (!content) {
    banner.replaceChildren();
    return;
  }
  const children: Node[] = [];
  if (content.progress) {
    const ring = doc.createElement(TAGS.progressRing);
    ring.setAttribute('aria-label', 'Indexing');
    children.push(ring);
  }
  children.push(el(doc, 'p', 'banner-text', content.text));
  if (content.buttons.length > 0) {
    const row = el(doc, 'div', 'banner-actions');
    for (const b of content.buttons) row.append(toolkitButton(doc, b.label, { 'data-command': b.command }, b.secondary));
    children.push(row);
  }
  banner.replaceChildren(...children);
}

/** Arrow-key navigation among item headers: the next element to focus, or undefined. */
export function nextFocus(items: readonly Element[], current: Element | null, key: string): Element | undefined {
  if (items.length === 0) return undefined;
  const i = current ? items.indexOf(current) : -1;
  switch (key) {
    case 'ArrowDown':
      return items[i < 0 ? 0 : Math.min(items.length - 1, i + 1)];
    case 'ArrowUp':
      return items[i < 0 ? 0 : Math.max(0, i - 1)];
    case 'Home':
      return items[0];
    case 'End':
      return items[items.length - 1];
    default:
      return undefined;
  }
}
