/**
 * Pure DOM rendering of the panel (no `acquireVsCodeApi`, no global state), unit-tested against a DOM
 * implementation in Node.
 *
 * SECURITY: every string here may come from a bibliography (titles, authors, abstracts, keys, venues) and
 * is hostile. Text is only ever set through `textContent` / `createTextNode` / `setAttribute` on
 * non-URL, non-event attributes. There is no `innerHTML`, `insertAdjacentHTML`, `outerHTML` or `href`
 * anywhere in the webview; links are opened by the host after validation (the webview sends only a key).
 */
import { SECTIONS, type FileOption, type PaperMenuContext, type PaperView, type QueryView, type Section, type StatusView } from '../extension/protocol/webview';
import { SECONDARY_BUTTON, TAGS } from './toolkit';

export type BodyState = 'empty' | 'no-bibliography' | 'model-missing' | 'indexing' | 'results' | 'lexical' | 'error';

export type PaperAction = 'insert' | 'copy' | 'open' | 'link' | 'add' | 'dismiss';

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

export function toolkitButton(doc: Document, label: string, attrs: Record<string, string>, secondary = false): HTMLElement {
  const b = doc.createElement(TAGS.button);
  b.textContent = label;
  for (const [k, v] of Object.entries(attrs)) b.setAttribute(k, v);
  if (secondary) b.setAttribute(...SECONDARY_BUTTON);
  return b;
}

/** Fold a word the way the host's term extraction does (lower case, crude plural folding). */
function fold(word: string): string {
  const w = word.toLowerCase();
  return w.length > 4 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w;
}

/**
 * Whether a word of the text is one of the shared query terms. Terms may be whole words ("retrieval"), folded
 * plurals or stems ("retriev"): a word matches a term it equals or, for terms of 4+ letters, extends by a suffix
 * of at most 3 letters.
 */
export function termMatcher(terms: readonly string[]): (word: string) => boolean {
  const folded = [...new Set(terms.map(fold).filter((t) => t.length > 0))];
  const exact = new Set(folded);
  const stems = folded.filter((t) => t.length >= 4);
  return (word) => {
    const w = fold(word);
    return exact.has(w) || stems.some((t) => w.length - t.length <= 3 && w.startsWith(t));
  };
}

const WORD = /[\p{L}\p{N}]+/gu;

/** Append `text` to `parent` as text nodes, the words matching `isTerm` wrapped in <mark class="term">. */
export function appendWithTerms(doc: Document, parent: Node, text: string, isTerm?: (word: string) => boolean): void {
  if (!isTerm || text.length === 0) {
    if (text.length > 0) parent.appendChild(doc.createTextNode(text));
    return;
  }
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    if (!isTerm(m[0])) continue;
    const at = m.index ?? 0;
    if (at > last) parent.appendChild(doc.createTextNode(text.slice(last, at)));
    parent.appendChild(el(doc, 'mark', 'term', m[0]));
    last = at + m[0].length;
  }
  if (last < text.length) parent.appendChild(doc.createTextNode(text.slice(last)));
}

/** Abstract as text nodes: the best-matching sentence wrapped in <mark class="best">, shared terms in <mark class="term">. */
export function renderAbstract(doc: Document, abstract: string, highlight?: { start: number; end: number }, terms: readonly string[] = []): HTMLElement {
  const p = el(doc, 'p', 'abstract-text');
  if (abstract.length === 0) {
    p.textContent = 'No abstract in the bibliography.';
    p.classList.add('muted');
    return p;
  }
  const isTerm = terms.length > 0 ? termMatcher(terms) : undefined;
  if (!highlight || highlight.end <= highlight.start || highlight.end > abstract.length) {
    appendWithTerms(doc, p, abstract, isTerm);
    return p;
  }
  appendWithTerms(doc, p, abstract.slice(0, highlight.start), isTerm);
  const mark = el(doc, 'mark', 'best');
  mark.title = 'Best-matching sentence';
  appendWithTerms(doc, mark, abstract.slice(highlight.start, highlight.end), isTerm);
  p.append(mark);
  appendWithTerms(doc, p, abstract.slice(highlight.end), isTerm);
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

const WHY_TEXT: Record<string, string> = { meaning: 'meaning', words: 'words' };

/** "found by meaning and words" */
export function whyText(why: readonly string[]): string {
  const parts = why.map((w) => WHY_TEXT[w] ?? w);
  return parts.length === 0 ? '' : `found by ${parts.join(' and ')}`;
}

/** The band's tooltip: the numbers behind it ("Relevance 82% · cosine 0.712 · BM25 10.4 · found by meaning and words"). */
export function bandTooltip(paper: Pick<PaperView, 'relevance' | 'band' | 'evidence' | 'why'>): string {
  const parts = [`Relevance ${Math.round(paper.relevance * 100)}% (${paper.band})`];
  if (paper.evidence?.cosine !== undefined) parts.push(`cosine ${paper.evidence.cosine.toFixed(3)}`);
  if (paper.evidence?.bm25 !== undefined) parts.push(`BM25 ${paper.evidence.bm25.toFixed(1)}`);
  const why = whyText(paper.why);
  if (why) parts.push(why);
  return parts.join(' · ');
}

/** The row's accessible name: title, band and year first (what a listener needs to pick), then the rest. */
export function paperLabel(paper: PaperView): string {
  const parts = [paper.title || paper.key, `${paper.band} match`];
  if (paper.year !== undefined) parts.push(String(paper.year));
  const authors = shortAuthors(paper.authors);
  if (authors) parts.push(authors);
  if (paper.venue) parts.push(paper.venue);
  if (paper.cited) parts.push('cited');
  if (paper.syntheticKey) parts.push('no citation key');
  return parts.join(', ');
}

export const ACTION_INFO: Record<PaperAction, { label: string; icon: string }> = {
  insert: { label: 'Insert citation', icon: 'codicon-insert' },
  copy: { label: 'Copy key', icon: 'codicon-copy' },
  open: { label: 'Open entry', icon: 'codicon-go-to-file' },
  link: { label: 'Open DOI/URL', icon: 'codicon-link-external' },
  add: { label: 'Add to bibliography', icon: 'codicon-add' },
  dismiss: { label: 'Dismiss (a negative example next time)', icon: 'codicon-close' },
};

function actionButton(doc: Document, action: PaperAction, paper: PaperView): HTMLButtonElement {
  const info = ACTION_INFO[action];
  const b = el(doc, 'button', `action codicon ${info.icon}`);
  b.type = 'button';
  b.tabIndex = -1; // roving: only the focused row's actions are in the tab order (panel.ts)
  b.setAttribute('data-action', action);
  const where = action === 'open' ? ` (${paper.source})` : '';
  b.title = `${info.label}${where}`;
  b.setAttribute('aria-label', `${info.label} ${paper.key}${where}`);
  return b;
}

/**
 * One paper as one compact row, like a VS Code tree item: twistie + title (clamped to two lines), one meta line
 * (authors · year · venue, the band at its end), actions as codicon buttons shown on hover and focus, and the
 * abstract below when expanded. The row (`li[role=treeitem]`) is the focus target.
 */
export function renderPaper(doc: Document, section: Section, paper: PaperView, index: number, expanded: boolean): HTMLLIElement {
  const li = el(doc, 'li', 'paper');
  li.setAttribute('role', 'treeitem');
  li.setAttribute('aria-level', '1');
  li.tabIndex = -1;
  li.setAttribute('data-key', paper.key);
  li.setAttribute('data-band', paper.band);
  li.setAttribute('data-file', paper.file);
  if (paper.origin) li.setAttribute('data-origin', paper.origin);
  if (paper.cited) li.classList.add('cited');
  if (paper.syntheticKey) li.classList.add('synthetic');
  const bodyId = idFor(section, index);
  li.setAttribute('aria-expanded', String(expanded));
  li.setAttribute('aria-controls', bodyId);
  li.setAttribute('aria-label', paperLabel(paper));
  // VS Code's own context menu (package.json menus["webview/context"]); JSON through setAttribute stays text
  const menu: PaperMenuContext = {
    webviewSection: 'paper',
    paperKey: paper.key,
    paperCitable: paper.syntheticKey !== true && paper.origin !== 'outside',
    paperHasLink: paper.hasLink,
    preventDefaultContextMenuItems: true,
  };
  li.setAttribute('data-vscode-context', JSON.stringify(menu));
  if (expanded) li.classList.add('expanded');

  const isTerm = paper.terms.length > 0 ? termMatcher(paper.terms) : undefined;
  const head = el(doc, 'div', 'paper-head');
  head.setAttribute('data-action', 'toggle');
  const twistie = el(doc, 'span', `twistie codicon ${expanded ? 'codicon-chevron-down' : 'codicon-chevron-right'}`);
  twistie.setAttribute('aria-hidden', 'true');
  const title = el(doc, 'span', 'title');
  appendWithTerms(doc, title, paper.title.length > 0 ? paper.title : paper.key, isTerm);
  const metaParts = [shortAuthors(paper.authors), paper.year !== undefined ? String(paper.year) : '', paper.venue ?? ''].filter((x) => x.length > 0);
  const meta = el(doc, 'span', 'meta');
  meta.append(el(doc, 'span', 'meta-text', metaParts.join(' · ')));
  if (paper.cited) {
    const badge = el(doc, 'span', 'cited-badge', 'cited');
    badge.title = 'Already cited elsewhere in this document';
    meta.append(badge);
  }
  const outside = paper.origin === 'outside';
  if (outside) {
    // Not ranked against the library: no relevance to show, only where it comes from.
    const from = el(doc, 'span', 'origin-badge', 'Semantic Scholar');
    from.title = 'Recommended by Semantic Scholar from the papers this document cites';
    meta.append(from);
  } else {
    const band = el(doc, 'span', `band band-${paper.band}`);
    band.title = bandTooltip(paper);
    for (let i = 0; i < 3; i++) band.append(el(doc, 'i', 'bar'));
    band.append(el(doc, 'span', 'band-text', paper.band));
    meta.append(band);
  }
  head.append(twistie, title, meta);

  const actions = el(doc, 'div', 'actions');
  actions.setAttribute('role', 'toolbar');
  actions.setAttribute('aria-label', `Actions for ${paper.key}`);
  // An entry whose key was generated has none in any bibliography, so a citation to it would not resolve: no
  // Insert button (the host refuses too); Copy/Open still help to add it to a .bib.
  const link = actionButton(doc, 'link', paper);
  if (!paper.hasLink) {
    link.disabled = true;
    link.title = 'No DOI or http(s) URL in the entry';
  }
  if (outside) {
    // A paper outside the library: add it to a .bib first (then it can be cited), or dismiss it.
    actions.append(actionButton(doc, 'add', paper), link, actionButton(doc, 'dismiss', paper));
  } else {
    if (!paper.syntheticKey) actions.append(actionButton(doc, 'insert', paper));
    actions.append(actionButton(doc, 'copy', paper), actionButton(doc, 'open', paper), link);
  }

  const body = el(doc, 'div', 'paper-body');
  body.id = bodyId;
  body.setAttribute('role', 'group');
  body.hidden = !expanded;
  body.append(renderAbstract(doc, paper.abstract, paper.highlight, paper.terms));
  const details = el(doc, 'p', 'details');
  const keyEl = el(doc, 'span', 'key', paper.key);
  keyEl.title = paper.source;
  details.append(keyEl, doc.createTextNode(` · ${paper.source}`));
  const why = whyText(paper.why);
  if (why) details.append(doc.createTextNode(` · ${why}`));
  body.append(details);
  if (paper.syntheticKey) {
    const hint = el(doc, 'p', 'synthetic-hint', syntheticKeyHint(paper.source));
    hint.title = `"${paper.key}" is a generated key for this entry; add the paper to a .bib file with a key to cite it`;
    body.append(hint);
  }

  li.append(head, actions, body);
  return li;
}

/** Replace the list of a section. `expanded` holds the keys whose abstract is open. */
export function renderHits(list: HTMLElement, section: Section, hits: PaperView[], expanded: ReadonlySet<string>): void {
  const doc = list.ownerDocument;
  list.replaceChildren(...hits.map((h, i) => renderPaper(doc, section, h, i, expanded.has(h.key))));
}

/** "For: “…”" line above a section's list. */
export function queryLine(query: QueryView | undefined, section: Section): string {
  if (!query) return SECTIONS.find((s) => s.id === section)?.idle ?? '';
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

/** The file filter button's label: "All files", "refs.bib", "2 files". */
export function filesLabel(selected: readonly string[]): string {
  if (selected.length === 0) return 'All files';
  if (selected.length === 1) return selected[0]!;
  return `${selected.length} files`;
}

/** The file filter's menu: one checkbox per indexed file (native inputs; labels as text). */
export function renderFileOptions(menu: HTMLElement, files: readonly FileOption[], selected: ReadonlySet<string>): void {
  const doc = menu.ownerDocument;
  const rows: Node[] = [];
  if (files.length === 0) rows.push(el(doc, 'p', 'files-none', 'No bibliography indexed yet.'));
  for (const f of files) {
    const label = el(doc, 'label', 'file-option');
    const box = el(doc, 'input');
    box.type = 'checkbox';
    box.checked = selected.has(f.id);
    box.setAttribute('data-file', f.id);
    label.append(box, el(doc, 'span', 'file-name', f.id), el(doc, 'span', 'file-count', formatCount(f.entries)));
    label.title = `${f.id}: ${formatCount(f.entries)} ${f.entries === 1 ? 'entry' : 'entries'}`;
    rows.push(label);
  }
  const all = el(doc, 'button', 'files-all', 'Show all files');
  all.type = 'button';
  all.id = 'files-all';
  rows.push(all);
  menu.replaceChildren(...rows);
}

export interface BannerContent {
  text: string;
  buttons: { label: string; command: string; secondary?: boolean }[];
  progress?: boolean;
  /** Colour of the banner's edge (body[data-state] sets the others). */
  tone?: 'warning';
}

export const TEST_MODEL_TEXT = 'test model: rankings are not meaningful';

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
      if (status?.testModel) return { text: TEST_MODEL_TEXT, buttons: [], tone: 'warning' };
      return undefined;
  }
}

export function renderBanner(banner: HTMLElement, content: BannerContent | undefined): void {
  const doc = banner.ownerDocument;
  banner.hidden = content === undefined;
  if (content?.tone) banner.setAttribute('data-tone', content.tone);
  else banner.removeAttribute('data-tone');
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
