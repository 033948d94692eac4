/**
 * The opt-in `relatedPapers.semanticScholar.vectors`: the index takes SPECTER2 vectors from Semantic
 * Scholar for entries with a DOI / arXiv id (identifiers only are sent), in a table of S2's own
 * vector space. The API key lives in VS Code's SecretStorage (command *Set Semantic Scholar API
 * key*), never in settings. The client, cache and validation are core (core/remote/).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createS2VectorSource, type S2VectorSource } from '../core/remote/s2VectorSource';
import { S2Client, S2_DEFAULT_BASE, S2_SPACE } from '../core/remote/semanticScholar';
import { NoSeedsError, notInLibrary, recommendedToBibtex, seedIds } from '../core/remote/outside';
import type { S2Paper } from '../core/remote/semanticScholar';
import { identityIndex } from '../core/index/federated';
import { extractContext } from '../core/editor/context';
import type { StoredEntry } from '../core/index/store';
import { CursorFollower } from './cursorFollower';
import { appendToBib, pickBibFile } from './sharedIndex';
import type { VectorSpace } from '../core/index/schema';
import { SECTION } from './settings';

export const S2_API_KEY_SECRET = 'relatedPapers.semanticScholar.apiKey';
export const SET_S2_KEY_COMMAND = 'relatedPapers.setSemanticScholarApiKey';
export const NOT_IN_LIBRARY_COMMAND = 'relatedPapers.notInLibrary';
const DISMISSED_STATE = 'relatedPapers.semanticScholar.dismissed';

export class SemanticScholarHost implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private cached?: { id: string; source: S2VectorSource };
  /** The personal library by key (set by the services): seeds and "already in your library". */
  library: () => ReadonlyMap<string, Pick<StoredEntry, 'key' | 'doi' | 'arxiv_id' | 'title'>> = () => new Map();

  constructor(private readonly context: vscode.ExtensionContext, private readonly log: { info(m: string): void; warn(m: string): void }) {
    this.disposables.push(
      vscode.commands.registerCommand(SET_S2_KEY_COMMAND, async () => {
        const key = await vscode.window.showInputBox({
          title: 'Semantic Scholar API key',
          prompt: 'Stored in VS Code\'s secret storage; sent as x-api-key to the Semantic Scholar endpoint only. Empty = remove.',
          password: true,
          ignoreFocusOut: true,
        });
        if (key === undefined) return;
        if (key.trim()) await context.secrets.store(S2_API_KEY_SECRET, key.trim());
        else await context.secrets.delete(S2_API_KEY_SECRET);
        this.cached = undefined;
        void vscode.window.showInformationMessage(key.trim() ? 'Related Papers: Semantic Scholar API key saved.' : 'Related Papers: Semantic Scholar API key removed.');
      }),
      context.secrets.onDidChange((e) => { if (e.key === S2_API_KEY_SECRET) this.cached = undefined; }),
      vscode.commands.registerCommand(NOT_IN_LIBRARY_COMMAND, () => this.showNotInLibrary().catch((e) => {
        this.log.warn(`not in your library: ${(e as Error).message}`);
        void vscode.window.showWarningMessage(`Related Papers: ${(e as Error).message.split('\n')[0]}`);
      })),
    );
  }

  enabled(): boolean {
    return vscode.workspace.getConfiguration(SECTION).get<boolean>('semanticScholar.vectors', false) === true;
  }

  /** The vector space of the index table: S2's when the opt-in is on, else the local model's. */
  space(local: VectorSpace | null): VectorSpace | null {
    return this.enabled() ? S2_SPACE : local;
  }

  /** The indexer's vector source, or undefined when the opt-in is off. */
  async source(): Promise<S2VectorSource | undefined> {
    if (!this.enabled()) return undefined;
    const endpoint = vscode.workspace.getConfiguration(SECTION).get<string>('semanticScholar.endpoint', S2_DEFAULT_BASE).trim() || S2_DEFAULT_BASE;
    const apiKey = (await this.context.secrets.get(S2_API_KEY_SECRET)) ?? undefined;
    const id = `${endpoint}\u0000${apiKey ? 'key' : ''}`;
    if (this.cached?.id !== id) {
      const source = createS2VectorSource({ endpoint, apiKey, cacheDir: path.join(this.context.globalStorageUri.fsPath, 'vector-cache'), onUnavailable: 'degrade' });
      this.cached = { id, source };
      this.log.info(`semantic scholar: vectors from ${endpoint} (${apiKey ? 'with' : 'without'} API key); only DOIs/arXiv ids are sent`);
    }
    this.cached.source.resetRun();
    return this.cached.source;
  }

  /** After an index run: one message when Semantic Scholar could not be reached (everything local still works). */
  reportRun(source: S2VectorSource | undefined): void {
    if (!source?.unavailable) return;
    this.log.warn(`semantic scholar: ${source.unavailable}`);
    void vscode.window.showWarningMessage(`Related Papers: Semantic Scholar vectors are unavailable (${source.unavailable}). Entries were indexed for full-text search and get vectors on the next reindex.`);
  }

  private endpoint(): string {
    return vscode.workspace.getConfiguration(SECTION).get<string>('semanticScholar.endpoint', S2_DEFAULT_BASE).trim() || S2_DEFAULT_BASE;
  }

  /**
   * Opt-in (off by default), asked once on first use with a plain statement of what is sent; a "yes"
   * sets relatedPapers.semanticScholar.recommendations.
   */
  private async consented(): Promise<boolean> {
    const cfg = vscode.workspace.getConfiguration(SECTION);
    if (cfg.get<boolean>('semanticScholar.recommendations', false)) return true;
    const allow = 'Allow';
    const answer = await vscode.window.showInformationMessage(
      '"Not in your library" sends the DOIs and arXiv ids of the papers this document cites, and the ids of suggestions you dismissed, ' +
        `to Semantic Scholar (${this.endpoint()}) and shows the papers it recommends. Nothing else is sent: no titles, abstracts, file names or text.`,
      { modal: true },
      allow,
    );
    if (answer !== allow) return false;
    await cfg.update('semanticScholar.recommendations', true, vscode.ConfigurationTarget.Global);
    return true;
  }

  /** Recommendations for the active document, in a quick pick; the chosen one is added to a .bib. */
  private async showNotInLibrary(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const lang = editor && CursorFollower.languageOf(editor.document);
    if (!editor || !lang || lang === 'bibtex') throw new Error('open the LaTeX, Markdown or Typst document whose citations should seed the recommendations');
    const library = this.library();
    const cited = extractContext(editor.document.getText(), 0, lang).citedKeys.map((k) => library.get(k)).filter((e) => e !== undefined);
    const dismissed = this.context.globalState.get<string[]>(DISMISSED_STATE, []);
    if (seedIds({ cited, dismissed }).positive.length === 0) throw new NoSeedsError();
    if (!(await this.consented())) return;
    const client = new S2Client({ baseUrl: this.endpoint(), apiKey: (await this.context.secrets.get(S2_API_KEY_SECRET)) ?? undefined, minIntervalMs: 0 });
    const papers = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Related Papers: asking Semantic Scholar…', cancellable: true }, (_p, token) => {
      const ctl = new AbortController();
      token.onCancellationRequested(() => ctl.abort());
      return notInLibrary(client, { cited, dismissed, inLibrary: identityIndex(library.values()), signal: ctl.signal });
    });
    if (papers.length === 0) {
      void vscode.window.showInformationMessage('Related Papers: Semantic Scholar recommends nothing that is not already in your library.');
      return;
    }
    const dismiss = { iconPath: new vscode.ThemeIcon('close'), tooltip: 'Dismiss (used as a negative example next time)' };
    const pick = vscode.window.createQuickPick<vscode.QuickPickItem & { paper: (typeof papers)[number] }>();
    pick.title = 'Not in your library — choose a paper to add to a bibliography';
    pick.matchOnDetail = true;
    // Quick pick items render plain text: API strings cannot inject markup here.
    pick.items = papers.map((p) => ({
      label: p.title,
      description: [p.authors.slice(0, 3).join(', ') + (p.authors.length > 3 ? ' et al.' : ''), p.year, p.venue].filter(Boolean).join(' · '),
      detail: (p.abstract ?? '').slice(0, 300),
      buttons: [dismiss],
      paper: p,
    }));
    const chosen = await new Promise<(typeof papers)[number] | undefined>((resolve) => {
      pick.onDidTriggerItemButton(async (e) => {
        await this.context.globalState.update(DISMISSED_STATE, [...new Set([...this.context.globalState.get<string[]>(DISMISSED_STATE, []), e.item.paper.paperId])].slice(-200));
        pick.items = pick.items.filter((i) => i !== e.item);
      });
      pick.onDidAccept(() => { resolve(pick.selectedItems[0]?.paper); pick.hide(); });
      pick.onDidHide(() => resolve(undefined));
      pick.show();
    });
    pick.dispose();
    if (!chosen) return;
    const target = await pickBibFile(`Add "${chosen.title.slice(0, 80)}" to which bibliography?`);
    if (!target) return;
    const key = await appendToBib(target, (inFile) => recommendedToBibtex(chosen, [...library.keys(), ...inFile]));
    this.log.info(`not in your library: added ${key} to ${target.fsPath}`);
    void vscode.window.showInformationMessage(`Related Papers: added ${key} to ${vscode.workspace.asRelativePath(target)}.`);
  }

  // ---- the panel's "Not in your library" section (only once the user said yes; never asked in the background)
  private shown = new Map<string, S2Paper>();
  private lastFeed?: { seeds: string; papers: S2Paper[]; at: number };

  /**
   * Recommendations for a document whose citations are `citedKeys`; undefined while the opt-in is off
   * or no cited paper has a DOI/arXiv id. The answer is kept for 10 minutes per set of seeds.
   */
  async feed(citedKeys: readonly string[], signal?: AbortSignal): Promise<S2Paper[] | undefined> {
    if (!vscode.workspace.getConfiguration(SECTION).get<boolean>('semanticScholar.recommendations', false)) return undefined;
    const library = this.library();
    const cited = citedKeys.map((k) => library.get(k)).filter((e) => e !== undefined);
    const dismissed = this.context.globalState.get<string[]>(DISMISSED_STATE, []);
    const seeds = seedIds({ cited, dismissed });
    if (seeds.positive.length === 0) return undefined;
    const id = JSON.stringify(seeds);
    if (this.lastFeed?.seeds === id && Date.now() - this.lastFeed.at < 600_000) return this.lastFeed.papers;
    const client = new S2Client({ baseUrl: this.endpoint(), apiKey: (await this.context.secrets.get(S2_API_KEY_SECRET)) ?? undefined, minIntervalMs: 0 });
    const papers = await notInLibrary(client, { cited, dismissed, inLibrary: identityIndex(library.values()), signal });
    this.lastFeed = { seeds: id, papers, at: Date.now() };
    for (const p of papers) this.shown.set(p.paperId, p);
    return papers;
  }

  /** A recommended paper shown in the panel, by its S2 id. */
  paper(paperId: string): S2Paper | undefined {
    return this.shown.get(paperId);
  }

  /** "Add to bibliography" from the panel: its BibTeX (re-escaped) into a chosen .bib; returns the key written. */
  async add(paperId: string): Promise<string | undefined> {
    const chosen = this.shown.get(paperId);
    if (!chosen) throw new Error('that recommendation is no longer shown; move the cursor to refresh the panel');
    const target = await pickBibFile(`Add "${chosen.title.slice(0, 80)}" to which bibliography?`);
    if (!target) return undefined;
    const library = this.library();
    const key = await appendToBib(target, (inFile) => recommendedToBibtex(chosen, [...library.keys(), ...inFile]));
    this.log.info(`not in your library: added ${key} to ${target.fsPath}`);
    this.lastFeed = undefined; // it is in the library now (after the watcher indexes it)
    return key;
  }

  /** "Dismiss": a negative seed for the next recommendations. */
  async dismiss(paperId: string): Promise<void> {
    await this.context.globalState.update(DISMISSED_STATE, [...new Set([...this.context.globalState.get<string[]>(DISMISSED_STATE, []), paperId])].slice(-200));
    this.lastFeed = undefined;
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
