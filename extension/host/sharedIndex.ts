/**
 * `relatedPapers.sharedIndex`: a lab-shared index (s3://bucket/prefix or a shared folder, built with
 * `related-papers index … --db URI`) added read-only to every search. The fusion itself is core
 * (core/index/federated.ts, core/remote/sharedIndex.ts); this module only reads the setting, shows
 * the one message when the shared index is unavailable, and writes a shared-only paper's BibTeX to
 * a chosen local .bib before it is cited.
 */
import * as vscode from 'vscode';
import { federatedSearch, identityIndex, type FederatedHit, type SearchFn } from '../core/index/federated';
import { SharedIndex } from '../core/remote/sharedIndex';
import { entryToBibtex, safeBibKey, uniqueBibKey } from '../core/bib/serialise';
import { entryToPaper, hitToPaper, type PaperHit } from '../core/index/paper';
import type { IndexStore, StoredEntry } from '../core/index/store';
import type { Hit } from '../core/index/search';
import type { VectorSpace } from '../core/index/schema';
import { SECTION } from './settings';

export type OriginPaperHit = PaperHit & { origin: 'personal' | 'shared' };
/** A row of the personal library as the host keeps it (the compact catalogue: no abstract). */
export type LibraryEntry = Omit<StoredEntry, 'type' | 'abstract'> & Partial<Pick<StoredEntry, 'type' | 'abstract'>>;

export class SharedIndexHost implements vscode.Disposable {
  private shared?: SharedIndex;
  private sharedFor = '';
  private lastMessage?: string;

  constructor(private readonly log: { warn(m: string): void; info(m: string): void }) {
    // LanceDB's native retry warnings would flood the log for an unreachable store; we report once.
    process.env.LANCEDB_LOG ??= 'error';
  }

  /** Whether relatedPapers.sharedIndex is set (cheap; no I/O). */
  configured(): boolean {
    return vscode.workspace.getConfiguration(SECTION).get<string>('sharedIndex', '').trim() !== '';
  }

  private current(space: VectorSpace | null): SharedIndex | undefined {
    const uri = vscode.workspace.getConfiguration(SECTION).get<string>('sharedIndex', '').trim();
    const id = `${uri}\u0000${space ? `${space.embedderId}/${space.dim}` : ''}`;
    if (id !== this.sharedFor) {
      this.shared?.close();
      this.shared = uri ? new SharedIndex({ uri, space }) : undefined;
      this.sharedFor = id;
      this.lastMessage = undefined;
    }
    return this.shared;
  }

  /** Personal search fused with the shared index (when configured); personal only when it is unavailable. */
  async search(
    q: Parameters<SearchFn>[0],
    personal: SearchFn,
    space: VectorSpace | null,
    library: Iterable<LibraryEntry>,
    exclude: readonly Pick<StoredEntry, 'doi' | 'arxiv_id' | 'title'>[] = [],
  ): Promise<OriginPaperHit[]> {
    const shared = this.current(space);
    const local = shared ? identityIndex(library) : undefined;
    // Compact catalogue rows carry no abstract/type: enough to show and cite the user's own entry.
    const resolveLocal = local && ((ids: readonly string[]) => { const e = local(ids); return e && { type: '', abstract: '', ...e }; });
    const r = await federatedSearch(q, personal, shared?.search, { resolveLocal, exclude });
    if (r.sharedError) this.report(r.sharedError);
    else if (shared) this.lastMessage = undefined;
    return r.hits.map(toPaper);
  }

  /** Similar papers: the entry's own vector (or its text) is the query on both sides. */
  async similar(store: IndexStore, key: string, personal: () => Promise<Hit[]>, library: Iterable<LibraryEntry>, k: number): Promise<OriginPaperHit[] | undefined> {
    if (!this.current(store.space)) return undefined;
    const entries = await store.entriesByKey(key);
    const e = entries[0];
    if (!e) return undefined;
    let queryVector: Float32Array | undefined;
    for (const x of entries) if ((queryVector = await store.vectorOf(x.uid))) break;
    const text = queryVector ? undefined : `${e.title}\n${e.abstract}`;
    return this.search({ text, queryVector, k, excludeKeys: [key] }, () => personal(), store.space, library, [e]);
  }

  /** A shared-only paper from recent results, for Open DOI / Open entry. */
  lookup(key: string): PaperHit | undefined {
    const e = this.shared?.entry(key);
    return e ? entryToPaper(e, 0) : undefined;
  }

  /**
   * Before Insert: a key the personal library lacks but the shared index has is first written as a
   * BibTeX entry into a .bib the user picks (the file watcher then indexes it). Returns the key to
   * cite (renamed when the file already has it), or undefined when the user cancelled.
   */
  async ensureInLibrary(key: string, personalHas: (key: string) => boolean, personalKeys: () => Iterable<string>): Promise<string | undefined> {
    if (personalHas(key)) return key;
    const e = this.shared?.entry(key);
    if (!e) return key;
    const target = await pickBibFile(`Add "${key}" from the shared index to which bibliography?`);
    if (!target) return undefined;
    const newKey = await appendToBib(target, (inFile) => {
      const k = uniqueBibKey(safeBibKey(key), [...personalKeys(), ...inFile]);
      return { key: k, bibtex: entryToBibtex(e, { key: k }) };
    });
    this.log.info(`shared index: added ${newKey} to ${target.fsPath}`);
    return newKey;
  }

  private report(message: string): void {
    if (message === this.lastMessage) return;
    this.lastMessage = message;
    this.log.warn(`shared index: ${message}`);
    void vscode.window.showWarningMessage(`Related Papers: the shared index is unavailable (${message}); showing your own library only.`);
  }

  dispose(): void {
    this.shared?.close();
  }
}

function toPaper(h: FederatedHit): OriginPaperHit {
  return { ...hitToPaper(h), origin: h.origin };
}

/**
 * Appends one entry to a .bib as a workspace edit (one Undo removes it) and saves it; the file watcher
 * then indexes it. `make` gets the keys already in the file, to pick a key that does not clash.
 */
export async function appendToBib(target: vscode.Uri, make: (keysInFile: string[]) => { key: string; bibtex: string }): Promise<string> {
  try {
    await vscode.workspace.fs.stat(target);
  } catch {
    await vscode.workspace.fs.writeFile(target, new Uint8Array()); // a new file from the save dialog
  }
  const doc = await vscode.workspace.openTextDocument(target);
  const text = doc.getText();
  const inFile = [...text.matchAll(/@\w+\s*[{(]\s*([^,\s]+)\s*,/g)].map((m) => m[1]);
  const { key, bibtex } = make(inFile);
  const edit = new vscode.WorkspaceEdit();
  const sep = text.length === 0 || text.endsWith('\n\n') ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  edit.insert(target, doc.positionAt(text.length), sep + bibtex);
  if (!(await vscode.workspace.applyEdit(edit))) throw new Error(`could not add ${key} to ${vscode.workspace.asRelativePath(target)}`);
  await doc.save();
  return key;
}

export async function pickBibFile(title: string): Promise<vscode.Uri | undefined> {
  const bibs = await vscode.workspace.findFiles('**/*.{bib,bibtex}', '**/node_modules/**', 200);
  const other = { label: '$(file-add) Another file…', uri: undefined as vscode.Uri | undefined };
  const items = [...bibs.map((uri) => ({ label: vscode.workspace.asRelativePath(uri), uri })), other];
  const picked = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!picked) return undefined;
  if (picked.uri) return picked.uri;
  return vscode.window.showSaveDialog({ filters: { BibTeX: ['bib'] }, title: 'Bibliography to add the entry to' });
}
