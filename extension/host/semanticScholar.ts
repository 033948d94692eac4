/**
 * The opt-in `relatedPapers.semanticScholar.vectors`: the index takes SPECTER2 vectors from Semantic
 * Scholar for entries with a DOI / arXiv id (identifiers only are sent), in a table of S2's own
 * vector space. The API key lives in VS Code's SecretStorage (command *Set Semantic Scholar API
 * key*), never in settings. The client, cache and validation are core (core/remote/).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { createS2VectorSource, type S2VectorSource } from '../core/remote/s2VectorSource';
import { S2_DEFAULT_BASE, S2_SPACE } from '../core/remote/semanticScholar';
import type { VectorSpace } from '../core/index/schema';
import { SECTION } from './settings';

export const S2_API_KEY_SECRET = 'relatedPapers.semanticScholar.apiKey';
export const SET_S2_KEY_COMMAND = 'relatedPapers.setSemanticScholarApiKey';

export class SemanticScholarHost implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private cached?: { id: string; source: S2VectorSource };

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

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
