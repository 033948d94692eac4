/**
 * Indexing the example workspace in a real extension host: opening the panel starts it, the malformed entry of
 * examples/library.bib lands in the Problems panel at its line, and "Reindex bibliographies" runs to the end.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributes, diagnosticsFor, extension, lineOf, services as servicesApi, within, workspaceFile } from './util';


const MALFORMED_KEY = 'hoffmann2024mixedprecision';

suite('indexing the example workspace', () => {
  let bib: vscode.Uri;
  let entryLine: number;

  suiteSetup(async function () {
    this.timeout(60_000);
    await extension().activate();
    const file = workspaceFile('library.bib');
    bib = vscode.Uri.file(file);
    entryLine = lineOf(file, new RegExp(`^@\\w+\\{${MALFORMED_KEY},`));
  });

  test('opening the panel and "Reindex bibliographies" index the workspace to completion', async function () {
    this.timeout(180_000);
    const panel = contributes().views['relatedPapers']?.find((v) => v.type === 'webview');
    assert.ok(panel);
    await vscode.commands.executeCommand(`${panel.id}.focus`); // a visible panel starts the services
    // The command awaits the whole reindex (behind a progress notification); an error would open a dialog and
    // hang, which `within` turns into a failure.
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 170_000, 'relatedPapers.reindex');
    const services = await servicesApi();
    const status = services.status();
    if (process.env.RELATED_PAPERS_TEST_MODEL) {
      // runTests.ts made the first worker crash after its 2nd embed batch: the run healed and finished.
      assert.equal(services.workerHealth?.().restarts, 1, 'one crash, one fresh worker with the model reloaded');
      assert.ok(status.embedding && status.embedding.embeddable > 50, JSON.stringify(status.embedding));
      assert.equal(status.embedding.embedded, status.embedding.embeddable, 'every entry embedded despite the crash');
      // Queries work on the healed worker (the model was reloaded): a text query (its embedding runs in the
      // worker; the random test model's vector half may be muted in the order) and similar papers by vector.
      const hits = await services.suggest('mixed precision training of neural networks', { k: 3 });
      assert.equal(hits.length, 3);
      const similar = await services.similar(hits[0].key, { k: 3 });
      assert.ok(similar.length > 0 && similar.every((h) => h.cosine !== undefined), 'similar papers come from the stored vectors');
    }
  });

  test('"Manage index storage" lists the tables with their size and deletes only those of other models', async function () {
    this.timeout(60_000);
    const services = await servicesApi();
    const items = await services.storage!.list();
    assert.ok(items.some((i) => i.kind === 'index' && i.inUse && i.bytes > 0), JSON.stringify(items));
    const result = (await vscode.commands.executeCommand('relatedPapers.manageStorage', 'unused')) as { deleted: string[] } | undefined;
    assert.ok(result, 'the command returned what it deleted');
    const after = await services.storage!.list();
    assert.ok(after.every((i) => i.inUse), 'only tables of the model in use remain');
    assert.ok(after.some((i) => i.kind === 'index' && i.inUse), 'the table in use is kept');
  });

  test('the malformed entry of library.bib is in the Problems panel at its line, and only it', async function () {
    this.timeout(30_000);
    const isIt = (x: vscode.Diagnostic) => String(x.code ?? '').includes(MALFORMED_KEY) || x.message.includes(MALFORMED_KEY);
    const diags = await diagnosticsFor(bib, (d) => d.some(isIt), 20_000);
    const d = diags.find(isIt)!;
    // The parser notices the missing comma where the next field starts: within the entry, after its first line.
    const line = d.range.start.line + 1;
    assert.ok(line >= entryLine && line <= entryLine + 4, `diagnostic on line ${line}, entry starts on line ${entryLine}`);
    assert.ok(d.severity === vscode.DiagnosticSeverity.Error || d.severity === vscode.DiagnosticSeverity.Warning);
    assert.ok(d.message.length > 10, `a message a user can act on: "${d.message}"`);
    assert.equal(diags.filter(isIt).length, 1, 'reported once');
    // The other 53 entries of the file parse.
    const others = diags.filter((x) => !isIt(x) && x.severity === vscode.DiagnosticSeverity.Error);
    assert.deepEqual(others.map((x) => `${x.range.start.line + 1}: ${x.message}`), []);
  });

  test('fixing the entry on disk clears its diagnostic after reindexing', async function () {
    this.timeout(180_000);
    const has = (d: readonly vscode.Diagnostic[]) => d.some((x) => String(x.code ?? '').includes(MALFORMED_KEY) || x.message.includes(MALFORMED_KEY));
    assert.ok(has(vscode.languages.getDiagnostics(bib)), 'precondition: the malformed entry is reported before the fix');
    const doc = await vscode.workspace.openTextDocument(bib);
    const titleLine = doc.lineAt(entryLine); // 0-based entryLine = the line after "@inproceedings{…," (the title)
    assert.match(titleLine.text, /title\s*=.*\}\s*$/, 'the title line without its trailing comma');
    const edit = new vscode.WorkspaceEdit();
    edit.insert(bib, titleLine.range.end, ',');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await doc.save());
    await within(vscode.commands.executeCommand('relatedPapers.reindex'), 170_000, 'relatedPapers.reindex');
    await diagnosticsFor(bib, (d) => !has(d), 60_000);
  });
});
