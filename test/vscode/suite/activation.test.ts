/** Activation, contributions and settings, checked in a real extension host against package.json. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { contributes, extension } from './util';

suite('activation and contributions', () => {
  suiteSetup(async function () {
    this.timeout(60_000);
    await extension().activate();
  });

  test('the extension activates in the extension host', () => {
    const ext = extension();
    assert.equal(ext.isActive, true);
    assert.equal(ext.extensionKind, vscode.ExtensionKind.Workspace, 'runs where the files and native modules are');
  });

  test('every contributed command is registered, including "Find related papers"', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const declared = contributes().commands;
    assert.ok(declared.length >= 4, `package.json declares commands (${declared.length})`);
    const missing = declared.map((c) => c.command).filter((id) => !registered.has(id));
    assert.deepEqual(missing, [], 'contributed but not registered on activation');
    const find = declared.find((c) => c.title === 'Find related papers');
    assert.ok(find, 'a command titled "Find related papers"');
    assert.ok(registered.has(find.command));
  });

  test('configuration defaults are the ones package.json declares', () => {
    const props = contributes().configuration.properties;
    const keys = Object.keys(props);
    assert.ok(keys.length >= 3 && keys.every((k) => k.startsWith('relatedPapers.')), `settings: ${keys.join(', ')}`);
    const config = vscode.workspace.getConfiguration();
    for (const key of keys) {
      const inspected = config.inspect(key);
      assert.ok(inspected, `VS Code knows the setting ${key}`);
      assert.deepEqual(inspected.defaultValue, props[key]!.default, `default of ${key}`);
    }
    assert.equal(props['relatedPapers.modelFolder']?.scope, 'machine', 'a model path is per machine, never per workspace');
  });

  test('the model folder set in user settings reaches the extension host', function () {
    const model = process.env.RELATED_PAPERS_TEST_MODEL;
    if (!model) this.skip(); // runTests.ts found no ../shared/fixtures/specter2-tiny
    const inspected = vscode.workspace.getConfiguration('relatedPapers').inspect<string>('modelFolder');
    assert.equal(inspected?.globalValue, model);
  });

  test('the Related Papers view is contributed to its own activity-bar container', async () => {
    const c = contributes();
    const container = c.viewsContainers.activitybar.find((v) => v.title === 'Related Papers');
    assert.ok(container, 'an activity-bar container titled "Related Papers"');
    const views = c.views[container.id] ?? [];
    const panel = views.find((v) => v.type === 'webview');
    assert.ok(panel, 'a webview view in that container');
    // VS Code generates "<viewId>.focus"; running it opens the container and resolves the webview view.
    await vscode.commands.executeCommand(`${panel.id}.focus`);
  });
});
