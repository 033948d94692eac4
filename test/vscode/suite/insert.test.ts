/** "Insert citation" edits a real .tex document in one undoable step. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { extension, lineOf, within, workspaceFile } from './util';

suite('insert citation into a .tex document', () => {
  let doc: vscode.TextDocument;
  let editor: vscode.TextEditor;

  suiteSetup(async function () {
    this.timeout(60_000);
    await extension().activate();
    doc = await vscode.workspace.openTextDocument(workspaceFile('draft.tex'));
  });

  setup(async () => {
    editor = await vscode.window.showTextDocument(doc, { preview: false });
  });

  teardown(async () => {
    // leave the file as it was on disk for the next test
    await vscode.commands.executeCommand('workbench.action.files.revert');
  });

  test('inserts \\cite{key} at the cursor and one Undo restores the text', async () => {
    const line = lineOf(doc.fileName, /^The query is built from the paragraph that contains the cursor/) - 1;
    const text = doc.lineAt(line).text;
    const col = text.indexOf(' rather than');
    assert.ok(col > 0);
    const pos = new vscode.Position(line, col);
    editor.selection = new vscode.Selection(pos, pos);
    const before = doc.getText();

    await vscode.commands.executeCommand('relatedPapers.insertCitation', 'tanaka2024editorcontext');
    const changed = doc.lineAt(line).text;
    assert.notEqual(doc.getText(), before, 'the document changed');
    assert.match(changed, /\\cite\{tanaka2024editorcontext\}/, `line after insert: ${changed}`);
    assert.equal(changed.replace(/~?\\cite\{tanaka2024editorcontext\}/, ''), text, 'only the citation was added');
    assert.equal(doc.isDirty, true);

    await vscode.commands.executeCommand('undo');
    assert.equal(doc.getText(), before, 'one Undo restores the document');
  });

  test('inserting a key already cited at the cursor leaves the document unchanged', async () => {
    const line = lineOf(doc.fileName, /\\citep\{vaswani2017attention\}/) - 1;
    const col = doc.lineAt(line).text.indexOf('vaswani2017attention') + 3;
    editor.selection = new vscode.Selection(line, col, line, col);
    const before = doc.getText();
    await vscode.commands.executeCommand('relatedPapers.insertCitation', 'vaswani2017attention');
    assert.equal(doc.getText(), before);
  });

  test('a second key inside an existing \\citep{…} is merged into it', async () => {
    const line = lineOf(doc.fileName, /\\citep\{vaswani2017attention\}/) - 1;
    const col = doc.lineAt(line).text.indexOf('vaswani2017attention') + 3;
    editor.selection = new vscode.Selection(line, col, line, col);
    await vscode.commands.executeCommand('relatedPapers.insertCitation', 'devlin2019bert');
    assert.match(doc.lineAt(line).text, /\\citep\{[^}]*vaswani2017attention[^}]*devlin2019bert|\\citep\{[^}]*devlin2019bert[^}]*vaswani2017attention/);
  });
});

suite('Find related papers from a .tex paragraph', () => {
  test('runs to the end without an error dialog', async function () {
    this.timeout(120_000);
    await extension().activate();
    const doc = await vscode.workspace.openTextDocument(workspaceFile('draft.tex'));
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    const line = lineOf(doc.fileName, /^The query is built from the paragraph that contains the cursor/);
    editor.selection = new vscode.Selection(line, 10, line, 10);
    // An error is reported through a modal-less error message the command awaits: it would hang here.
    await within(vscode.commands.executeCommand('relatedPapers.findRelated'), 110_000, 'relatedPapers.findRelated');
    assert.equal(vscode.window.activeTextEditor?.document.fileName, doc.fileName, 'the editor keeps focus on the draft');
  });
});
