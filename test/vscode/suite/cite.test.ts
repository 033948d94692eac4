/**
 * Citing in the line, in a real extension host on the example workspace: completion (the first item for a
 * paragraph of draft.tex is the paragraph's best hit), hover over the key only, go to definition, references,
 * and an undefined-key diagnostic with its quick fix.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { queryAround } from '../../../extension/core/citations/completion';
import { completionSiteAt } from '../../../extension/core/citations/grammar';
import { diagnosticsFor, extension, lineOf, within, workspaceFile } from './util';

interface Api { services(): { citationCatalog?(): readonly unknown[]; suggest(text: string, o: { k: number; excludeKeys?: string[] }): Promise<{ key: string }[]> } }

const labelOf = (i: vscode.CompletionItem) => (typeof i.label === 'string' ? i.label : i.label.label);

suite('citing in the line (draft.tex)', () => {
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;
  let api: Api;

  suiteSetup(async function () {
    this.timeout(200_000);
    api = (await extension().activate()) as Api;
    await vscode.commands.executeCommand('relatedPapers.panel.focus');
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 170_000, 'relatedPapers.reindex');
    assert.ok((api.services().citationCatalog?.() ?? []).length > 40, 'the catalog holds the indexed entries');
    doc = await vscode.workspace.openTextDocument(workspaceFile('draft.tex'));
  });

  setup(async () => {
    editor = await vscode.window.showTextDocument(doc, { preview: false });
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('completion after \\cite{ in a paragraph: the first item is the best hit for that paragraph', async function () {
    this.timeout(60_000);
    const line = lineOf(doc.fileName, /^Most of this work assumes a large shared index/) - 1;
    const col = doc.lineAt(line).text.indexOf('. ') + 1;
    assert.ok(col > 0);
    await editor.edit((b) => b.insert(new vscode.Position(line, col), ' \\cite{'));
    const pos = new vscode.Position(line, col + ' \\cite{'.length);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos, '{');
    const ours = list.items.filter((i) => i.kind === vscode.CompletionItemKind.Reference).sort((a, b) => (a.sortText! < b.sortText! ? -1 : 1));
    assert.ok(ours.length > 40, `items offered: ${ours.length}`);
    // what the panel's search says for the same paragraph (same context extraction, paragraph keys excluded)
    const text = doc.getText();
    const site = completionSiteAt(text, doc.offsetAt(pos), 'latex')!;
    const ctx = queryAround(text, 'latex', site);
    const hits = await api.services().suggest(ctx.text, { k: 5, excludeKeys: ctx.paragraphKeys });
    assert.ok(hits.length > 0);
    assert.equal(labelOf(ours[0]!), hits[0]!.key, 'first item = best hit');
    assert.match(String(ours[0]!.detail), /\d{4}/, `detail "Author Year · Venue": ${ours[0]!.detail}`);
    // typing filters on family name + title word
    await editor.edit((b) => b.insert(pos, 'vaswani att'));
    const typed = await vscode.commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', doc.uri, pos.translate(0, 'vaswani att'.length));
    assert.deepEqual(typed.items.filter((i) => i.kind === vscode.CompletionItemKind.Reference).map(labelOf), ['vaswani2017attention']);
  });

  test('hover over a key shows the entry with our command links; not over the command', async function () {
    this.timeout(30_000);
    const line = lineOf(doc.fileName, /\\citep\{vaswani2017attention\}/) - 1;
    const t = doc.lineAt(line).text;
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, t.indexOf('vaswani2017attention') + 4));
    const md = hovers.flatMap((h) => h.contents).map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)).join('\n');
    assert.match(md, /Attention Is All You Need/);
    assert.match(md, /command:relatedPapers\.similarPapers/);
    assert.match(md, /command:relatedPapers\.openEntry/);
    assert.ok(hovers.some((h) => h.range && h.range.start.character === t.indexOf('vaswani2017attention') && h.range.end.character === t.indexOf('vaswani2017attention') + 'vaswani2017attention'.length), 'the hover range is the key');
    const onCommand = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', doc.uri, new vscode.Position(line, t.indexOf('\\citep') + 2));
    assert.ok(!onCommand.some((h) => h.contents.some((c) => String((c as vscode.MarkdownString).value ?? c).includes('Attention Is All'))), 'no hover over \\citep');
  });

  test('go to definition opens the entry; references list every citation of the key', async function () {
    this.timeout(30_000);
    const line = lineOf(doc.fileName, /\\citep\{vaswani2017attention\}/) - 1;
    const pos = new vscode.Position(line, doc.lineAt(line).text.indexOf('vaswani2017attention') + 2);
    const defs = await vscode.commands.executeCommand<(vscode.Location | vscode.LocationLink)[]>('vscode.executeDefinitionProvider', doc.uri, pos);
    const bib = workspaceFile('library.bib');
    const loc = defs.map((d) => ('targetUri' in d ? { uri: d.targetUri, range: d.targetRange } : d)).find((d) => d.uri.fsPath === bib);
    assert.ok(loc, `a definition in library.bib: ${JSON.stringify(defs)}`);
    assert.equal(loc.range.start.line + 1, lineOf(bib, /^@\w+\{vaswani2017attention,/));
    const refs = await vscode.commands.executeCommand<vscode.Location[]>('vscode.executeReferenceProvider', doc.uri, pos);
    const inDraft = refs.filter((r) => r.uri.fsPath === doc.fileName);
    const expected = (doc.getText().match(/vaswani2017attention/g) ?? []).length;
    assert.equal(inDraft.length, expected, 'every citation in draft.tex');
    for (const r of refs) {
      const d = await vscode.workspace.openTextDocument(r.uri);
      assert.equal(d.getText(r.range), 'vaswani2017attention');
    }
  });

  test('an undefined key is a warning on its line with a quick fix that replaces it by the closest key', async function () {
    this.timeout(60_000);
    const line = lineOf(doc.fileName, /^Most of this work assumes a large shared index/) - 1;
    await editor.edit((b) => b.insert(new vscode.Position(line, 0), 'Planted \\cite{devlin2019bertt}. '));
    const diags = await diagnosticsFor(doc.uri, (d) => d.some((x) => x.code === 'undefined-key'), 20_000);
    const d = diags.find((x) => x.code === 'undefined-key')!;
    assert.equal(d.range.start.line, line);
    assert.equal(doc.getText(d.range), 'devlin2019bertt');
    assert.equal(d.severity, vscode.DiagnosticSeverity.Warning);
    const actions = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range);
    const fix = actions.find((a) => a.title === 'Replace with devlin2019bert');
    assert.ok(fix?.edit, `quick fixes: ${actions.map((a) => a.title).join(', ')}`);
    assert.ok(await vscode.workspace.applyEdit(fix.edit));
    assert.match(doc.lineAt(line).text, /^Planted \\cite\{devlin2019bert\}\. /);
    await diagnosticsFor(doc.uri, (x) => !x.some((y) => y.code === 'undefined-key'), 20_000);
  });
});
