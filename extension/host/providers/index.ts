/**
 * Citing in the line: completion, hover, go to definition, references, citation diagnostics + quick fixes, and
 * the two commands the hover links to. Registered by activate.ts with one call.
 */
import * as vscode from 'vscode';
import { CitationCompletionProvider, CITE_TRIGGERS } from './completion';
import { CatalogView, CITE_COMMANDS, CITING_SELECTOR, type CiteHost } from './context';
import { CitationDiagnostics } from './diagnostics';
import { CitationDefinitionProvider, CitationHoverProvider, CitationReferenceProvider } from './navigation';

export { CITE_COMMANDS };

export function registerCitationProviders(context: vscode.ExtensionContext, host: CiteHost): void {
  const view = new CatalogView(host);
  const diagnostics = new CitationDiagnostics(host, view);
  let entries = -1;
  let indexing = false;
  context.subscriptions.push(
    diagnostics,
    vscode.languages.registerCompletionItemProvider(CITING_SELECTOR, new CitationCompletionProvider(host, view), ...CITE_TRIGGERS),
    vscode.languages.registerHoverProvider(CITING_SELECTOR, new CitationHoverProvider(host)),
    vscode.languages.registerDefinitionProvider(CITING_SELECTOR, new CitationDefinitionProvider(host)),
    vscode.languages.registerReferenceProvider([...(CITING_SELECTOR as vscode.DocumentFilter[]), { scheme: 'file', pattern: '**/*.bib' }], new CitationReferenceProvider()),
    // the index changed (an indexing run ended, entries came or went): diagnostics again
    host.services().onDidChangeStatus((s) => {
      const ended = indexing && s.indexing === undefined;
      indexing = s.indexing !== undefined;
      if (ended || s.entries !== entries) {
        entries = s.entries;
        diagnostics.refreshAll();
      }
    }),
    vscode.commands.registerCommand(CITE_COMMANDS.similarPapers, async (key: unknown) => {
      if (typeof key === 'string') await host.similar(key);
    }),
    vscode.commands.registerCommand(CITE_COMMANDS.openEntry, async (key: unknown, file: unknown, line: unknown) => {
      if (typeof file !== 'string' || typeof key !== 'string') return;
      // only a file the index knows for this key is opened (the arguments come from a hover link)
      const known = ((await host.services().entriesOf?.(key)) ?? []).find((e) => e.file === file);
      if (!known) return;
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(known.file));
      const pos = new vscode.Position(Math.max(0, Math.min(doc.lineCount - 1, (typeof line === 'number' ? line : known.line) - 1)), 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
    }),
  );
}
