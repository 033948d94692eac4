/**
 * Runs queries against the services and sends results to the panel. One AbortController per section: a
 * new query cancels the stale one, so a slow embedding never delivers results for a sentence the user
 * has already left. No `vscode` import (the view is an interface) so it is testable with a fake.
 */
import type { HostMessage, QuerySource, QueryView, Section } from '../protocol/webview';
import { toPaperView } from './paperView';
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

const isAbort = (e: unknown) => e instanceof Error && (e.name === 'AbortError' || /abort/i.test(e.message));

export class ResultsController {
  private readonly running: Partial<Record<Section, AbortController>> = {};
  /** While the user's search box has text, the cursor does not overwrite the suggestions. */
  private searchActive = false;
  private lastContext: QueryContext = { text: '', paragraphKeys: [], citedKeys: [] };
  /** The last suggestions query and the last .bib entry, re-run when the index changes. */
  private lastSuggest: { query: QueryView; ctx: QueryContext } | undefined;
  private lastEntry: { key: string; citedKeys: readonly string[] } | undefined;

  constructor(
    private readonly services: () => Services,
    private readonly sink: ResultsSink,
    private readonly settings: () => QuerySettings,
    private readonly log: Logger,
  ) {}

  /** Cursor moved (debounced): suggestions for the context, then similar papers for the top one. */
  async followContext(ctx: QueryContext): Promise<void> {
    this.lastContext = ctx;
    if (this.searchActive || ctx.text.length === 0) return;
    await this.suggest({ source: 'cursor', text: ctx.text }, ctx);
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
    const entry = this.lastEntry;
    if (this.lastSuggest) await this.suggest(this.lastSuggest.query, this.lastSuggest.ctx, entry === undefined);
    if (entry) await this.similar({ source: 'entry', text: entry.key, key: entry.key }, entry.citedKeys);
  }

  cancelAll(): void {
    for (const s of ['suggestions', 'similar'] as const) this.running[s]?.abort();
  }

  private async suggest(query: QueryView, ctx: QueryContext, followTop = true): Promise<void> {
    this.lastSuggest = { query, ctx };
    if (followTop) this.lastEntry = undefined;
    const hits = await this.run('suggestions', query, ctx.citedKeys, (opts) =>
      this.services().suggest(query.text, { ...opts, excludeKeys: [...ctx.paragraphKeys] }),
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
    this.sink.send({ type: 'busy', section, busy: true });
    try {
      // services honour excludeKeys; filtering again here keeps the promise even if one does not
      const hits = (await fn({ k: maxResults, minScore, signal: ctl.signal })).filter((h) => !hide.has(h.key) && h.score >= minScore);
      if (ctl.signal.aborted) return undefined;
      const cited = new Set(citedKeys);
      const highlightQuery = query.source === 'top-suggestion' || query.source === 'entry' ? '' : query.text;
      this.sink.send({
        type: 'results',
        section,
        query: { ...query, text: query.text.slice(0, 20_000) },
        hits: hits.slice(0, maxResults).map((h) => toPaperView(h, highlightQuery, cited)),
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
