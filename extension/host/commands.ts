/** The palette commands and the actions the panel asks for. */
import * as vscode from 'vscode';
import { tidy } from '../core/editor/context';
import { stripMarkup } from '../core/editor/markup';
import type { WebviewMessage } from '../protocol/webview';
import { insertCitation, UserError } from './citationInserter';
import { formatBytes } from '../core/app/storage';
import { CursorFollower } from './cursorFollower';
import { COMMANDS, FOCUS_VIEW_COMMAND } from './ids';
import { entryLink } from './links';
import type { ResultsController } from './resultsController';
import type { Services } from './serviceApi';
import { SECTION } from './settings';
import type { RelatedPapersViewProvider } from './viewProvider';

export interface CommandDeps {
  services: () => Services;
  controller: ResultsController;
  follower: CursorFollower;
  view: RelatedPapersViewProvider;
  log: vscode.LogOutputChannel;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Show an error to the user with a way to the log; never a raw stack trace. */
async function reportError(log: vscode.LogOutputChannel, what: string, e: unknown): Promise<void> {
  const message = errorText(e);
  if (!(e instanceof UserError)) log.error(`${what}: ${e instanceof Error && e.stack ? e.stack : message}`);
  const choice = await vscode.window.showErrorMessage(`Related Papers: ${what}: ${message}`, 'Show log');
  if (choice === 'Show log') log.show();
}

export function registerCommands(context: vscode.ExtensionContext, d: CommandDeps): void {
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    context.subscriptions.push(vscode.commands.registerCommand(id, fn));

  reg(COMMANDS.findRelated, async () => {
    const editor = vscode.window.activeTextEditor;
    await vscode.commands.executeCommand(FOCUS_VIEW_COMMAND);
    const lang = editor && CursorFollower.languageOf(editor.document);
    if (!editor || !lang) {
      void vscode.window.showInformationMessage('Related Papers: put the cursor in a sentence (LaTeX, Markdown, Typst, text) or a .bib entry, or use the search box.');
      return;
    }
    try {
      if (lang === 'bibtex') {
        const key = await d.follower.bibKeyAt(editor);
        if (!key) throw new UserError('The cursor is not inside a BibTeX entry.');
        await d.controller.similarToEntry(key);
        return;
      }
      const ctx = d.follower.contextFor(editor, lang);
      if (!editor.selection.isEmpty) {
        const text = tidy(stripMarkup(editor.document.getText(editor.selection), lang).text);
        if (text.length > 0) {
          await d.controller.findForSelection(text.slice(0, 20_000), ctx);
          return;
        }
      }
      if (ctx.text.length === 0) throw new UserError('No sentence at the cursor: select some text or move into a paragraph.');
      await d.controller.findForContext(ctx);
    } catch (e) {
      await reportError(d.log, 'Find related papers failed', e);
    }
  });

  reg(COMMANDS.reindex, () =>
    vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'Related Papers: indexing bibliographies', cancellable: true },
      async (progress, token) => {
        const ctl = new AbortController();
        const sub = token.onCancellationRequested(() => ctl.abort());
        let last = 0;
        try {
          await d.services().reindex((done, total, message) => {
            const pct = total > 0 ? (100 * done) / total : 0;
            progress.report({ message: `Indexed ${done} of ${total}${message ? ` — ${message}` : ''}`, increment: Math.max(0, pct - last) });
            last = pct;
          }, ctl.signal);
        } catch (e) {
          if (ctl.signal.aborted) {
            void vscode.window.showInformationMessage('Related Papers: indexing cancelled; the index keeps what was done.');
            return;
          }
          await reportError(d.log, 'Indexing failed', e);
        } finally {
          sub.dispose();
        }
      },
    ),
  );

  reg(COMMANDS.downloadModel, async () => {
    try {
      await d.services().downloadModel();
    } catch (e) {
      await reportError(d.log, 'Model download failed', e);
    }
  });

  reg(COMMANDS.useLocalModelFolder, async () => {
    const picked = await vscode.window.showOpenDialog({
      canSelectFiles: false,
      canSelectFolders: true,
      canSelectMany: false,
      openLabel: 'Use this SPECTER2 folder',
      title: 'Folder with the SPECTER2 base model and adapters',
    });
    const folder = picked?.[0];
    if (!folder) return;
    await vscode.workspace.getConfiguration(SECTION).update('modelFolder', folder.fsPath, vscode.ConfigurationTarget.Global);
    void vscode.window.showInformationMessage(`Related Papers: using the model in ${folder.fsPath}`);
  });

  reg(COMMANDS.manageStorage, async (arg?: unknown) => {
    // `arg` = 'unused' deletes the unused tables without asking (extension-host tests drive it so).
    try {
      const s = d.services();
      if (!s.storage) return;
      const items = await s.storage.list();
      const unused = items.filter((i) => !i.inUse);
      if (arg === 'unused') {
        const freed = await s.storage.delete(unused);
        d.log.info(`storage: deleted ${unused.length} tables of models not in use (${formatBytes(freed)})`);
        return { deleted: unused.map((i) => i.name), freed };
      }
      if (unused.length === 0) {
        void vscode.window.showInformationMessage(`Related Papers: all ${items.length} stored tables (${formatBytes(items.reduce((n, i) => n + i.bytes, 0))}) belong to the model in use.`);
        return;
      }
      const picks = await vscode.window.showQuickPick(
        unused.map((i) => ({
          label: `$(database) ${i.kind === 'index' ? 'Index' : 'Vector cache'} — ${formatBytes(i.bytes)}`,
          description: i.model ?? 'lexical only (no model)',
          detail: `${i.rows.toLocaleString('en-US')} rows${i.workspace ? ` · ${i.workspace}` : ''}`,
          picked: true,
          item: i,
        })),
        { canPickMany: true, title: 'Related Papers: delete tables of models no longer in use', placeHolder: 'The selected tables are deleted; the model in use is not affected' },
      );
      if (!picks?.length) return;
      const freed = await s.storage.delete(picks.map((p) => p.item));
      void vscode.window.showInformationMessage(`Related Papers: deleted ${picks.length} tables, freed ${formatBytes(freed)}.`);
      return { deleted: picks.map((p) => p.item.name), freed };
    } catch (e) {
      await reportError(d.log, 'Managing index storage failed', e);
    }
  });

  reg(COMMANDS.insertCitation, async (arg?: unknown) => {
    try {
      let key = typeof arg === 'string' ? arg : undefined;
      key ??= await vscode.window.showInputBox({ prompt: 'Citation key to insert', ignoreFocusOut: true });
      if (!key) return;
      const outcome = await insertCitation(d.follower.targetEditor(), key, (k) => d.services().lookup(k));
      if (outcome === 'already-cited') void vscode.window.setStatusBarMessage(`Related Papers: ${key} is already in this citation`, 3000);
    } catch (e) {
      await reportError(d.log, 'Insert citation failed', e);
    }
  });

  reg(COMMANDS.showLog, () => d.log.show());
}

/** Requests from the panel (already validated by the view provider). Throwing → the panel shows the error. */
export async function handlePanelRequest(msg: Exclude<WebviewMessage, { type: 'ready' | 'log' }>, d: CommandDeps): Promise<void> {
  switch (msg.type) {
    case 'search':
      await d.controller.search(msg.text);
      return;
    case 'filter':
      await d.controller.setFilter(msg.files, msg.uncitedOnly);
      return;
    case 'insert': {
      const key = d.services().ensureInLibrary ? await d.services().ensureInLibrary!(msg.key) : msg.key; // shared-only paper → local .bib first
      if (key === undefined) return;
      const outcome = await insertCitation(d.follower.targetEditor(), key, (k) => d.services().lookup(k));
      if (outcome === 'already-cited') void vscode.window.setStatusBarMessage(`Related Papers: ${key} is already in this citation`, 3000);
      return;
    }
    case 'copy':
      await vscode.env.clipboard.writeText(msg.key);
      void vscode.window.setStatusBarMessage(`Related Papers: copied ${msg.key}`, 3000);
      return;
    case 'open': {
      const hit = d.services().lookup(msg.key);
      if (!hit) throw new UserError(`No entry "${msg.key}" in the index (it may have been removed; try Reindex).`);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(hit.file));
      const line = Math.max(0, Math.min(doc.lineCount - 1, hit.line - 1));
      const pos = new vscode.Position(line, 0);
      await vscode.window.showTextDocument(doc, { selection: new vscode.Range(pos, pos), preview: false });
      return;
    }
    case 'add': {
      const key = await d.services().outside?.add(msg.key);
      if (key === undefined) return;
      void vscode.window.showInformationMessage(`Related Papers: added ${key}; it is indexed like any other entry and can be cited now.`);
      await d.controller.refreshOutside();
      return;
    }
    case 'dismiss':
      await d.services().outside?.dismiss(msg.key);
      await d.controller.refreshOutside();
      return;
    case 'link': {
      const outside = d.services().outside?.paper(msg.key);
      const hit = outside ? { doi: outside.doi ?? undefined, url: outside.url ?? undefined } : d.services().lookup(msg.key);
      const link = hit && entryLink(hit);
      if (!link) throw new UserError(`Entry "${msg.key}" has no DOI or http(s) URL.`);
      const ok = await vscode.env.openExternal(vscode.Uri.parse(link, true));
      if (!ok) d.log.info(`opening ${link} was declined`);
      return;
    }
    case 'command': {
      const map = {
        downloadModel: COMMANDS.downloadModel,
        useLocalModelFolder: COMMANDS.useLocalModelFolder,
        reindex: COMMANDS.reindex,
        showLog: COMMANDS.showLog,
        openSettings: 'workbench.action.openSettings',
      } as const;
      if (msg.command === 'openSettings') await vscode.commands.executeCommand(map.openSettings, `@ext:${EXTENSION_ID}`);
      else await vscode.commands.executeCommand(map[msg.command]);
      return;
    }
  }
}

/** publisher.name from package.json. */
export const EXTENSION_ID = 'related-papers.related-papers';
