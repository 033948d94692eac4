/**
 * "Download SPECTER2" inside a real extension host, against a local stand-in for the Hugging Face hub on
 * 127.0.0.1 (HF_ENDPOINT), serving the tiny fixture model under the hub's URL layout: the command downloads
 * and verifies the files into the extension's storage, and the model becomes ready from that copy.
 * Named zz- so it runs last: it switches the model folder setting away from the fixture and back.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { extension } from './util';
import type { RelatedPapersApi } from '../../../extension/host/activate';
import { HubServer, fixtureHubFiles, manifestFor } from '../../helpers/hubServer';

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

suite('Download SPECTER2 from a (local) hub', () => {
  let api: RelatedPapersApi;
  let hub: HubServer;
  let tmp: string;
  let fixture: string;
  const config = () => vscode.workspace.getConfiguration('relatedPapers');

  suiteSetup(async function () {
    this.timeout(60_000);
    api = (await extension().activate()) as RelatedPapersApi;
    // The runner configures the tiny model in user settings and says so in RELATED_PAPERS_TEST_MODEL (an
    // earlier suite's Global settings writes can leave the machine-scoped value unreadable in code-server).
    fixture = config().get<string>('modelFolder', '') || (process.env.RELATED_PAPERS_TEST_MODEL ?? '');
    assert.ok(fixture && fs.existsSync(path.join(fixture, 'base', 'vocab.txt')), `the runner configures the tiny model (got "${fixture}")`);
    const files = fixtureHubFiles(fixture);
    hub = await HubServer.start(files);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-dl-'));
    const manifestFile = path.join(tmp, 'manifest.json');
    fs.writeFileSync(manifestFile, JSON.stringify(manifestFor(files)));
    process.env.HF_ENDPOINT = hub.endpoint; // read by the downloader at call time, as huggingface_hub does
    await config().update('downloadManifest', manifestFile, vscode.ConfigurationTarget.Global);
    await config().update('modelFolder', '', vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async function () {
    this.timeout(60_000);
    delete process.env.HF_ENDPOINT;
    await config().update('downloadManifest', undefined, vscode.ConfigurationTarget.Global);
    await config().update('modelFolder', fixture, vscode.ConfigurationTarget.Global);
    await hub?.close();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the command downloads, verifies and loads the model; its id names the hub revision', async function () {
    this.timeout(120_000);
    await vscode.commands.executeCommand('relatedPapers.downloadModel');
    const ready = () => {
      const m = api.services().status().model;
      return m.kind === 'ready' && m.modelId.startsWith('allenai/specter2_base@') && !m.modelId.includes('local:');
    };
    await until('the downloaded model to be ready', ready, 90_000);
    const served = hub.log.filter((l) => l.method === 'GET' && l.status >= 200 && l.status < 300).map((l) => l.file);
    assert.ok(served.some((f) => f?.endsWith('pytorch_model.bin')), `the base weights came from the local hub: ${served.join(', ')}`);
    assert.ok(served.some((f) => f?.includes('specter2_adhoc_query')), 'the query adapter too');
  });
});
