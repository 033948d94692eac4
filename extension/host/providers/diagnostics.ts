/**
 * Citation diagnostics in the Problems panel and their quick fixes (thin: core/citations/diagnostics.ts and
 * check.ts decide). Undefined keys are re-checked as the document changes (debounced) and when the index
 * changes; the opt-in citation check (relatedPapers.citationCheck.enabled) runs on save.
 */
import * as vscode from 'vscode';
import { citationCheck } from '../../core/citations/check';
import { duplicateKeyDiagnostics, fixEdit, undefinedKeyDiagnostics, type CitationDiagnostic, type CitationFix } from '../../core/citations/diagnostics';
import { CatalogView, CITING_SELECTOR, citingLanguage, docText, type CiteHost } from './context';

export const DIAGNOSTIC_SOURCE = 'Related Papers';
const DEBOUNCE_MS = 500;

function toVscode(doc: vscode.TextDocument | undefined, d: CitationDiagnostic): vscode.Diagnostic {
  const range = doc
    ? new vscode.Range(doc.positionAt(d.start), doc.positionAt(d.end))
    : new vscode.Range(d.line - 1, 0, d.line - 1, 0);
  const sev = d.severity === 'warning' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information;
  const out = new vscode.Diagnostic(range, d.message, sev);
  out.source = DIAGNOSTIC_SOURCE;
  out.code = d.code;
  return out;
}

export class CitationDiagnostics implements vscode.Disposable, vscode.CodeActionProvider {
  static readonly metadata: vscode.CodeActionProviderMetadata = { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] };
  private readonly collection = vscode.languages.createDiagnosticCollection('relatedPapers.citations');
  private readonly disposables: vscode.Disposable[] = [this.collection];
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Fixes per published diagnostic: `uri#start:code:key`. */
  private readonly fixes = new Map<string, { diag: CitationDiagnostic; fixes: CitationFix[] }>();
  /** The check's results per document (kept until the next save). */
  private readonly checked = new Map<string, CitationDiagnostic[]>();
  private duplicateUris: vscode.Uri[] = [];

  constructor(private readonly host: CiteHost, private readonly view: CatalogView) {
    this.disposables.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.schedule(d, 0)),
      vscode.workspace.onDidChangeTextDocument((e) => this.schedule(e.document, DEBOUNCE_MS, true)),
      vscode.workspace.onDidSaveTextDocument((d) => void this.runCheck(d)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.collection.delete(d.uri);
        this.checked.delete(d.uri.toString());
      }),
      vscode.languages.registerCodeActionsProvider(CITING_SELECTOR, this, CitationDiagnostics.metadata),
    );
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
  }

  /** The index changed: every open document again, and the duplicate-key warnings of the bibliographies. */
  refreshAll(): void {
    for (const d of vscode.workspace.textDocuments) this.schedule(d, 0);
    const dups = duplicateKeyDiagnostics(this.view.catalog());
    for (const u of this.duplicateUris) this.collection.delete(u);
    const byFile = new Map<string, CitationDiagnostic[]>();
    for (const d of dups) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
    this.duplicateUris = [...byFile.keys()].map((f) => vscode.Uri.file(f));
    for (const [f, list] of byFile) this.collection.set(vscode.Uri.file(f), list.map((d) => toVscode(undefined, d)));
  }

  /** `typing`: an edit, not an open/save/index change — see update(). */
  private schedule(doc: vscode.TextDocument, ms: number, typing = false): void {
    if (!citingLanguage(doc)) return;
    const id = doc.uri.toString();
    clearTimeout(this.timers.get(id));
    this.timers.set(id, setTimeout(() => {
      this.timers.delete(id);
      void this.update(doc, typing).catch((e) => this.host.log.warn(`citation diagnostics for ${doc.fileName}: ${(e as Error).message}`));
    }, ms));
  }

  private enabled(doc: vscode.TextDocument): boolean {
    return vscode.workspace.getConfiguration('relatedPapers', doc.uri).get<boolean>('citationDiagnostics.enabled', true);
  }

  /**
   * Undefined keys of one document (nothing while the index is empty: every key would look undefined). While
   * typing, the key at the cursor is not reported (it is being written) and fixes come from edit distance only
   * (no title search, which would embed a query per keystroke); open, save and index changes do both.
   */
  async update(doc: vscode.TextDocument, typing = false): Promise<void> {
    const lang = citingLanguage(doc);
    if (!lang || doc.isClosed) return;
    const catalog = this.view.catalog();
    if (!this.enabled(doc) || catalog.length === 0) {
      this.collection.delete(doc.uri);
      return;
    }
    const version = doc.version;
    let diags = await undefinedKeyDiagnostics(docText(doc, lang), catalog, typing ? {} : { search: this.view.search() });
    if (doc.isClosed || doc.version !== version) return; // a newer run follows
    const editor = vscode.window.activeTextEditor;
    if (typing && editor?.document === doc) {
      const at = doc.offsetAt(editor.selection.active);
      diags = diags.filter((d) => at < d.start || at > d.end);
    }
    this.publish(doc, [...diags, ...(this.checked.get(doc.uri.toString()) ?? [])]);
  }

  private async runCheck(doc: vscode.TextDocument): Promise<void> {
    const lang = citingLanguage(doc);
    if (!lang || !vscode.workspace.getConfiguration('relatedPapers', doc.uri).get<boolean>('citationCheck.enabled', false)) return;
    try {
      const checked = await citationCheck(docText(doc, lang), this.view.catalog(), this.view.search());
      this.checked.set(doc.uri.toString(), checked);
      await this.update(doc);
    } catch (e) {
      this.host.log.warn(`citation check of ${doc.fileName}: ${(e as Error).message}`);
    }
  }

  private publish(doc: vscode.TextDocument, diags: CitationDiagnostic[]): void {
    const uri = doc.uri.toString();
    for (const k of [...this.fixes.keys()]) if (k.startsWith(`${uri}#`)) this.fixes.delete(k);
    for (const d of diags) this.fixes.set(`${uri}#${d.start}:${d.code}:${d.key}`, { diag: d, fixes: d.fixes });
    this.collection.set(doc.uri, diags.map((d) => toVscode(doc, d)));
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, ctx: vscode.CodeActionContext): vscode.CodeAction[] {
    const lang = citingLanguage(doc);
    if (!lang) return [];
    const out: vscode.CodeAction[] = [];
    for (const d of ctx.diagnostics) {
      if (d.source !== DIAGNOSTIC_SOURCE) continue;
      const start = doc.offsetAt(d.range.start);
      const key = doc.getText(d.range);
      const found = this.fixes.get(`${doc.uri.toString()}#${start}:${String(d.code)}:${key}`);
      if (!found) continue;
      found.fixes.forEach((f, i) => {
        const edit = fixEdit(docText(doc, lang), { start, end: doc.offsetAt(d.range.end) }, f);
        const action = new vscode.CodeAction(f.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        action.isPreferred = i === 0 && d.code === 'undefined-key';
        action.edit = new vscode.WorkspaceEdit();
        action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(edit.offset), doc.positionAt(edit.offset + edit.deleteLength)), edit.insertText);
        out.push(action);
      });
    }
    return out;
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    for (const d of this.disposables) d.dispose();
  }
}
