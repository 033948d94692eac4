/**
 * Runs queries against the services and sends results to the panel. One AbortController per section: a
 * new query cancels the stale one, so a slow embedding never delivers results for a sentence the user
 * has already left. No `vscode` import (the view is an interface) so it is testable with a fake.
 */
import { SECTION_IDS, type FileOption, type FilterView, type HostMessage, type QueryView, type Section } from '../protocol/webview';
import { fileLabels, outsidePaperView, rankingOf, toPaperView } from './paperView';
import type { PaperHit, QueryOptions, Services } from './serviceApi';

export interface ResultsSink {
  send(message: HostMessage): void;
}

export interface Logger {
  warn(message: string): void;
  error(message: string): void;
}

export interface QueryContext {
  text: string;
  /** Keys cited in the cursor's paragraph: hidden from suggestions. */
  paragraphKeys: readonly string[];
  /** Keys cited anywhere in the document: marked "cited". */
  citedKeys: readonly string[];
}

export interface QuerySettings {
  maxResults: number;
  minScore: number;
}

/** Where the filters are remembered per workspace (a `vscode.Memento`: `context.workspaceState`). */
export interface FilterMemory {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void> | Promise<void>;
}

/** The filters as remembered: absolute paths (stable when labels change as files come and go). */
export interface StoredFilter {
  files: string[];
  uncitedOnly: boolean;
}

export const FILTER_MEMORY_KEY = 'relatedPapers.filter';

function restoreFilter(raw: unknown): StoredFilter {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const files = Array.isArray(o.files) ? o.files.filter((f): f is string => typeof f === 'string' && f.length > 0).slice(0, 1000) : [];
  return { files, uncitedOnly: o.uncitedOnly === true };
}

const isAbort = (e: unknown) => e instanceof Error && (e.name === 'AbortError' || /abort/i.test(e.message));

export class ResultsController {
  private readonly running: Partial<Record<Section, AbortController>> = {};
  /** While the user's search box has text, the cursor does not overwrite the suggestions. */
  private searchActive = false;
  private lastContext: QueryContext = { text: '', paragraphKeys: [], citedKeys: [] };
  /** The last suggestions query and the last .bib entry, re-run when the index changes. */
  private lastSuggest: { query: QueryView; ctx: QueryContext } | undefined;
  private lastEntry: { key: string; citedKeys: readonly string[] } | undefined;
  private filter: StoredFilter;
  /** Label ↔ path of the indexed files, as last sent to the panel. */
  private labels = new Map<string, string>();
  private lastFilters = '';

  constructor(
    private readonly services: () => Services,
    private readonly sink: ResultsSink,
    private readonly settings: () => QuerySettings,
    private readonly log: Logger,
    private readonly memory?: FilterMemory,
  ) {
    this.filter = restoreFilter(memory?.get(FILTER_MEMORY_KEY));
  }

  /** The filters in force (paths), e.g. for tests and the extension-host suite. */
  get currentFilter(): StoredFilter {
    return { files: [...this.filter.files], uncitedOnly: this.filter.uncitedOnly };
  }

  /**
   * The panel's filter changed: map its file labels back to paths (unknown labels are dropped: the panel may
   * be stale), remember it for the workspace, and answer the last questions again with it.
   */
  async setFilter(fileIds: readonly string[], uncitedOnly: boolean): Promise<void> {
    this.publishFilters();
    const byLabel = new Map([...this.labels].map(([file, label]) => [label, file]));
    const files = [...new Set(fileIds)].map((id) => byLabel.get(id)).filter((f): f is string => f !== undefined);
    this.filter = { files, uncitedOnly };
    try {
      await this.memory?.update(FILTER_MEMORY_KEY, this.filter);
    } catch (e) {
      this.log.warn(`could not remember the panel's filter: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.publishFilters(true);
    await this.rerun();
  }

  /** Send the indexed files and the filter to the panel when either changed (or when `force`). */
  publishFilters(force = false): void {
    let indexed: { file: string; entries: number }[] = [];
    try {
      indexed = this.services().indexedFiles?.() ?? [];
    } catch (e) {
      this.log.warn(`listing the indexed files failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.labels = fileLabels(indexed.map((f) => f.file));
    const files: FileOption[] = indexed.map((f) => ({ id: this.labels.get(f.file)!, entries: f.entries }));
    // a remembered file that is not indexed (yet, or any more) is not shown as selected; it is kept in memory
    // until the user changes the filter, so a file that is back after a reindex is filtered again
    const filter: FilterView = {
      files: this.filter.files.map((f) => this.labels.get(f)).filter((l): l is string => l !== undefined),
      uncitedOnly: this.filter.uncitedOnly,
    };
    const message: HostMessage = { type: 'filters', files, filter };
    const text = JSON.stringify(message);
    if (!force && text === this.lastFilters) return;
    this.lastFilters = text;
    this.sink.send(message);
  }

  /** The file restriction for a query: the remembered files that are indexed; undefined = all files. */
  private fileRestriction(): string[] | undefined {
    const indexed = this.labels.size > 0 ? this.filter.files.filter((f) => this.labels.has(f)) : this.filter.files;
    return indexed.length > 0 ? indexed : undefined;
  }

  /** Cursor moved (debounced): suggestions for the context, then similar papers for the top one. */
  async followContext(ctx: QueryContext): Promise<void> {
    this.lastContext = ctx;
    if (this.searchActive || ctx.text.length === 0) return;
    await this.suggest({ source: 'cursor', text: ctx.text }, ctx);
    await this.outside(ctx.citedKeys);
  }

  private lastOutside = '';

  /**
   * "Not in your library" for the document's citations (opt-in; the services answer nothing while it is
   * off). Asked again only when the document's set of cited keys changed, or when `force`.
   */
  async outside(citedKeys: readonly string[], force = false): Promise<void> {
    const feed = this.services().outside;
    if (!feed) return;
    const id = [...citedKeys].sort().join('\u0000');
    if (!force && id === this.lastOutside) return;
    this.lastOutside = id;
    this.running.outside?.abort();
    const ctl = new AbortController();
    this.running.outside = ctl;
    try {
      const papers = await feed.feed(citedKeys, ctl.signal);
      if (ctl.signal.aborted || papers === undefined) return;
      this.sink.send({
        type: 'results',
        section: 'outside',
        query: { source: 'cursor', text: `recommended from the ${citedKeys.length} papers this document cites` },
        hits: papers.slice(0, this.settings().maxResults).map(outsidePaperView),
        lexicalOnly: false,
      });
    } catch (e) {
      if (ctl.signal.aborted || isAbort(e)) return;
      this.lastOutside = '';
      const message = e instanceof Error ? e.message : String(e);
      this.log.warn(`not in your library: ${message}`);
      this.sink.send({ type: 'error', message: `Semantic Scholar is unavailable for "Not in your library": ${message.split('\n')[0]}` });
    } finally {
      if (this.running.outside === ctl) delete this.running.outside;
    }
  }

  /** After "Add" or "Dismiss": ask again for the last document. */
  refreshOutside(): Promise<void> {
    return this.outside(this.lastContext?.citedKeys ?? [], true);
  }

  /** "Find related papers" without a selection: back to the cursor, even if a search was active. */
  async findForContext(ctx: QueryContext): Promise<void> {
    this.lastContext = ctx;
    if (this.searchActive) this.sink.send({ type: 'setQuery', text: '' });
    this.searchActive = false;
    if (ctx.text.length > 0) await this.suggest({ source: 'cursor', text: ctx.text }, ctx);
  }

  /** "Find related papers" with a selection: like a search, shown in the search box. */
  async findForSelection(text: string, ctx: QueryContext): Promise<void> {
    this.lastContext = ctx;
    this.searchActive = true;
    this.sink.send({ type: 'setQuery', text });
    await this.suggest({ source: 'selection', text }, { ...ctx, paragraphKeys: [] });
  }

  /** Search box. An empty text returns to following the cursor. */
  async search(text: string): Promise<void> {
    const t = text.trim();
    if (t.length === 0) {
      this.searchActive = false;
      if (this.lastContext.text) await this.suggest({ source: 'cursor', text: this.lastContext.text }, this.lastContext);
      else this.sink.send({ type: 'clear', section: 'suggestions' });
      return;
    }
    this.searchActive = true;
    await this.suggest({ source: 'search', text: t }, { ...this.lastContext, paragraphKeys: [] });
  }

  /** The .bib entry under the cursor → similar papers. */
  async similarToEntry(key: string, citedKeys: readonly string[] = this.lastContext.citedKeys): Promise<void> {
    this.lastEntry = { key, citedKeys };
    await this.similar({ source: 'entry', text: key, key }, citedKeys);
  }

  /**
   * The index changed (first indexing finished, files re-indexed): answer the last questions again — a query
   * made while the index was still empty would otherwise keep showing "No matching papers".
   */
  async rerun(): Promise<void> {
    this.publishFilters();
    const entry = this.lastEntry;
    if (this.lastSuggest) await this.suggest(this.lastSuggest.query, this.lastSuggest.ctx, entry === undefined);
    if (entry) await this.similar({ source: 'entry', text: entry.key, key: entry.key }, entry.citedKeys);
  }

  cancelAll(): void {
    for (const s of SECTION_IDS) this.running[s]?.abort();
  }

  private async suggest(query: QueryView, ctx: QueryContext, followTop = true): Promise<void> {
    this.lastSuggest = { query, ctx };
    if (followTop) this.lastEntry = undefined;
    const hits = await this.run('suggestions', query, ctx.citedKeys, (opts) =>
      this.services().suggest(query.text, { ...opts, excludeKeys: [...new Set([...ctx.paragraphKeys, ...(opts.excludeKeys ?? [])])] }),
      new Set(ctx.paragraphKeys),
    );
    const top = hits?.[0];
    if (top && followTop) await this.similar({ source: 'top-suggestion', text: top.title || top.key, key: top.key }, ctx.citedKeys);
  }

  private async similar(query: QueryView & { key: string }, citedKeys: readonly string[]): Promise<void> {
    await this.run('similar', query, citedKeys, (opts) => this.services().similar(query.key, opts), new Set([query.key]));
  }

  /** Run one query for a section; returns the hits, or undefined when cancelled/failed. */
  private async run(
    section: Section,
    query: QueryView,
    citedKeys: readonly string[],
    fn: (opts: QueryOptions) => Promise<PaperHit[]>,
    hide: ReadonlySet<string>,
  ): Promise<PaperHit[] | undefined> {
    this.running[section]?.abort();
    const ctl = new AbortController();
    this.running[section] = ctl;
    const { maxResults, minScore } = this.settings();
    this.publishFilters();
    const files = this.fileRestriction();
    const uncited = this.filter.uncitedOnly ? citedKeys : [];
    const opts: QueryOptions = { k: maxResults, minScore, signal: ctl.signal };
    if (files) opts.files = files;
    if (uncited.length > 0) opts.excludeKeys = [...uncited];
    const hidden = new Set([...hide, ...uncited]);
    const inFiles = files ? new Set(files) : undefined;
    this.sink.send({ type: 'busy', section, busy: true });
    try {
      const highlightQuery = query.source === 'top-suggestion' || query.source === 'entry' ? '' : query.text;
      // services honour excludeKeys, files and minScore; filtering again here keeps the promise even if one does not
      const hits = (await fn(opts)).filter(
        (h) => !hidden.has(h.key) && (!inFiles || inFiles.has(h.file)) && rankingOf(h).relevance >= minScore,
      );
      if (ctl.signal.aborted) return undefined;
      const cited = new Set(citedKeys);
      this.sink.send({
        type: 'results',
        section,
        query: { ...query, text: query.text.slice(0, 20_000) },
        hits: hits.slice(0, maxResults).map((h) => toPaperView(h, highlightQuery, cited, this.labels.get(h.file))),
        lexicalOnly: this.services().status().lexicalOnly || (hits.length > 0 && hits.every((h) => h.cosine === undefined)),
      });
      return hits;
    } catch (e) {
      if (ctl.signal.aborted || isAbort(e)) return undefined;
      const message = e instanceof Error ? e.message : String(e);
      this.log.error(`${section} query failed: ${message}`);
      this.sink.send({ type: 'busy', section, busy: false });
      this.sink.send({ type: 'error', message: `Could not get ${section === 'similar' ? 'similar papers' : 'suggestions'}: ${message}` });
      return undefined;
    } finally {
      if (this.running[section] === ctl) delete this.running[section];
    }
  }
}
