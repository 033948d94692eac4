/**
 * The compact list's host side in a real extension host: the paper rows' context-menu commands (what VS Code runs
 * for `menus["webview/context"]`, with the row's `data-vscode-context` as argument), and the file filter's data
 * (indexed files, a query restricted to one file) over the real LanceDB index of the example workspace.
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { contributes, extension, lineOf, within, workspaceFile } from './util';

interface Api {
  services(): {
    indexedFiles?(): { file: string; entries: number }[];
    suggest(text: string, opts: { k: number; files?: readonly string[] }): Promise<{ key: string; file: string }[]>;
  };
}

const KEY = 'vaswani2017attention';
const rowContext = (key: string) => ({
  webview: 'relatedPapers.panel', webviewSection: 'paper', paperKey: key, paperCitable: true, paperHasLink: true, preventDefaultContextMenuItems: true,
});

suite('compact list: context menu and filters', () => {
  let api: Api;

  suiteSetup(async function () {
    this.timeout(200_000);
    api = (await extension().activate()) as Api;
    const panel = contributes().views['relatedPapers']?.find((v) => v.type === 'webview');
    assert.ok(panel);
    await vscode.commands.executeCommand(`${panel.id}.focus`);
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 170_000, 'relatedPapers.reindex');
  });

  test('the row context menu is contributed for the panel only, and "Open entry" opens the .bib at the entry', async function () {
    this.timeout(30_000);
    const menus = (extension().packageJSON as { contributes: { menus: Record<string, { command: string; when: string }[]> } }).contributes.menus;
    const items = menus['webview/context'] ?? [];
    assert.deepEqual(items.map((m) => m.command), ['relatedPapers.paper.insert', 'relatedPapers.paper.copyKey', 'relatedPapers.paper.openEntry', 'relatedPapers.paper.openLink']);
    assert.ok(items.every((m) => m.when.includes("webviewId == 'relatedPapers.panel'")));
    const registered = new Set(await vscode.commands.getCommands(true));
    for (const m of items) assert.ok(registered.has(m.command), `${m.command} registered`);

    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('relatedPapers.paper.openEntry', rowContext(KEY));
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'an editor opened');
    const bib = workspaceFile('library.bib');
    assert.equal(editor.document.uri.fsPath, bib);
    assert.equal(editor.selection.active.line + 1, lineOf(bib, new RegExp(`^@\\w+\\{${KEY},`)), 'at the entry');
  });

  test('a context the panel did not write (wrong section, control characters) is ignored', async function () {
    this.timeout(20_000);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.commands.executeCommand('relatedPapers.paper.openEntry', { ...rowContext(KEY), webviewSection: 'elsewhere' });
    await vscode.commands.executeCommand('relatedPapers.paper.openEntry', rowContext(`${KEY}\n`));
    await vscode.commands.executeCommand('relatedPapers.paper.openEntry', undefined);
    assert.equal(vscode.window.activeTextEditor, undefined, 'nothing was opened');
  });

  test('the file filter: the indexed files with counts, and a query restricted to one of them', async function () {
    this.timeout(60_000);
    const services = api.services();
    assert.ok(services.indexedFiles, 'the services list the indexed files');
    const files = services.indexedFiles();
    const names = files.map((f) => path.basename(f.file));
    assert.ok(names.includes('library.bib') && names.includes('reading-list.md'), `indexed: ${names.join(', ')}`);
    assert.ok(files.every((f) => f.entries > 0 && path.isAbsolute(f.file)));
    const reading = files.find((f) => path.basename(f.file) === 'reading-list.md')!.file;
    const text = 'local citation recommendation from the paragraph around the cursor';
    const all = await services.suggest(text, { k: 30 });
    const only = await services.suggest(text, { k: 30, files: [reading] });
    assert.ok(new Set(all.map((h) => h.file)).size > 1, 'unrestricted results come from several files');
    assert.ok(only.length > 0 && only.every((h) => h.file === reading), only.map((h) => `${h.key}@${path.basename(h.file)}`).join(', '));
  });
});
