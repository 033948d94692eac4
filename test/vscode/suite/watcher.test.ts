/**
 * The index follows the file system: a .bib written the way Better BibTeX auto-export writes it (a temp file
 * renamed over the target) is indexed, an edit is picked up, and a deleted file's entries leave the index —
 * without any "Reindex" command, through the debounced file watcher.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import * as path from 'node:path';
import { extension, workspaceFolder } from './util';
import type { RelatedPapersApi } from '../../../extension/host/activate';

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const entry = (key: string, title: string) => `@article{${key},\n  title = {${title}},\n  year = {2025},\n  abstract = {An abstract about ${title.toLowerCase()}.}\n}\n`;

suite('the index follows file changes', () => {
  let api: RelatedPapersApi;
  const target = () => path.join(workspaceFolder(), 'auto-export.bib');

  suiteSetup(async function () {
    this.timeout(180_000);
    api = (await extension().activate()) as RelatedPapersApi;
    await vscode.commands.executeCommand('relatedPapers.panel.focus');
    await vscode.commands.executeCommand('relatedPapers.reindex');
  });

  suiteTeardown(() => fs.rmSync(target(), { force: true }));

  test('a file written as temp + rename (Better BibTeX auto-export) is indexed', async function () {
    this.timeout(60_000);
    const tmp = `${target()}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, entry('watch2025alpha', 'Watching Bibliographies Alpha') + entry('watch2025beta', 'Watching Bibliographies Beta'));
    fs.renameSync(tmp, target());
    await until('watch2025alpha in the index', () => api.services().lookup('watch2025alpha') !== undefined, 45_000);
    assert.equal(api.services().lookup('watch2025beta')?.title, 'Watching Bibliographies Beta');
  });

  test('an edit replaces the entry and a removed entry leaves the index', async function () {
    this.timeout(60_000);
    const tmp = `${target()}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, entry('watch2025alpha', 'Watching Bibliographies Renamed'));
    fs.renameSync(tmp, target());
    await until('the new title', () => api.services().lookup('watch2025alpha')?.title === 'Watching Bibliographies Renamed', 45_000);
    await until('watch2025beta removed', () => api.services().lookup('watch2025beta') === undefined, 15_000);
  });

  test('deleting the file removes its entries', async function () {
    this.timeout(60_000);
    fs.rmSync(target());
    await until('watch2025alpha removed', () => api.services().lookup('watch2025alpha') === undefined, 45_000);
  });

  test('files.exclude is honoured by the scan and the watcher; a package.json is never read', async function () {
    this.timeout(120_000);
    const dir = path.join(workspaceFolder(), 'excluded-by-files-exclude');
    fs.mkdirSync(dir, { recursive: true });
    const files = vscode.workspace.getConfiguration('files');
    const before = files.get<Record<string, boolean>>('exclude') ?? {};
    await files.update('exclude', { ...before, '**/excluded-by-files-exclude': true }, vscode.ConfigurationTarget.Workspace);
    try {
      fs.writeFileSync(path.join(dir, 'hidden.bib'), entry('hidden2025excluded', 'Hidden By Files Exclude'));
      fs.writeFileSync(target(), entry('visible2025control', 'Visible Control Entry'));
      fs.writeFileSync(path.join(workspaceFolder(), 'package.json'), JSON.stringify({ name: 'x', title: 'Not A Paper', id: 'pkg' }));
      await until('the control entry (watcher)', () => api.services().lookup('visible2025control') !== undefined, 45_000);
      await vscode.commands.executeCommand('relatedPapers.reindex');
      assert.equal(api.services().lookup('hidden2025excluded'), undefined, 'a file under files.exclude is not indexed');
      assert.ok(api.services().lookup('visible2025control'));
      assert.equal(api.services().lookup('pkg'), undefined, 'package.json is not a bibliography');
    } finally {
      await files.update('exclude', before, vscode.ConfigurationTarget.Workspace);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.rmSync(path.join(workspaceFolder(), 'package.json'), { force: true });
      fs.rmSync(target(), { force: true });
    }
  });
});
