/**
 * `related-papers model download` (modelDownloadCommand) against the local hub stand-in.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { modelDownloadCommand } from '../../../models/acquire/cli';
import { HubServer, fixtureHubFiles, manifestFor, type HubFile } from '../../helpers/hubServer';
import { TINY_MODEL, skipUnlessShared } from '../../helpers/shared';
import { BASE_REPO } from '../../../models/acquire/manifest';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'base', 'pytorch_model.bin');
let hub: HubServer;
let files: HubFile[];
let work: string;
let manifestFile: string;

before(async () => {
  if (skip) return;
  files = fixtureHubFiles(TINY_MODEL);
  hub = await HubServer.start(files);
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-cli-dl-'));
  manifestFile = path.join(work, 'manifest.json');
  fs.writeFileSync(manifestFile, JSON.stringify({ files: manifestFor(files) }, null, 2));
});
after(async () => {
  await hub?.close();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out, err,
    io: { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) }, env: {} as NodeJS.ProcessEnv, retry: { retries: 1, baseDelayMs: 5 } },
  };
}

test('downloads into --to with progress on stderr and the model id on stdout', { skip }, async () => {
  const to = path.join(work, 'ok');
  const t = io();
  const code = await modelDownloadCommand(['--to', to, '--manifest', manifestFile, '--adapters', 'proximity,adhoc_query', '--endpoint', hub.endpoint], t.io);
  assert.equal(code, 0, t.err.join(''));
  assert.match(t.out.join(''), new RegExp(`model ready: .*ok \\(${BASE_REPO}@[0-9a-f]{40}\\)`));
  const err = t.err.join('');
  assert.match(err, /downloading base\/pytorch_model\.bin \(8\.4 MB\)/);
  assert.match(err, /overall 100%/);
  for (const rel of ['base/pytorch_model.bin', 'adapters/adhoc_query/pytorch_adapter.bin']) {
    assert.ok(fs.readFileSync(path.join(to, rel)).equals(fs.readFileSync(path.join(TINY_MODEL, rel))), rel);
  }
  assert.equal(fs.existsSync(path.join(to, 'adapters', 'classification')), false, 'only the requested adapters');
});

test('HF_ENDPOINT from the environment is used when --endpoint is absent', { skip }, async () => {
  const t = io();
  t.io.env = { HF_ENDPOINT: hub.endpoint };
  const code = await modelDownloadCommand(['--to', path.join(work, 'env'), '--manifest', manifestFile, '--adapters', 'regression'], t.io);
  assert.equal(code, 0, t.err.join(''));
  assert.match(t.err.join(''), new RegExp(`from ${hub.endpoint.replace(/[.]/g, '\\.')} into`));
});

test('usage errors exit 2 with one line naming the flag', { skip }, async () => {
  const cases: [string[], RegExp][] = [
    [[], /--to DIR is required/],
    [['--to', work, '--adapters', 'proximity,bogus'], /--adapters: unknown adapter "bogus"/],
    [['--to', work, '--manifest', path.join(work, 'missing.json')], /--manifest: cannot read manifest/],
    [['--to', work, '--endpoint', 'ftp://x'], /--endpoint: .*only http/],
    [['--to', work, '--frobnicate'], /model download: .*frobnicate/],
  ];
  for (const [argv, re] of cases) {
    const t = io();
    assert.equal(await modelDownloadCommand(argv, t.io), 2, argv.join(' '));
    assert.equal(t.err.length, 1, `one line for ${argv.join(' ')}`);
    assert.match(t.err[0], re);
    assert.match(t.err[0], /^related-papers: .*\n$/);
  }
  const bad = path.join(work, 'bad.json');
  fs.writeFileSync(bad, JSON.stringify([{ repo: 'a/b', revision: 'main', path: 'x', role: 'weird' }]));
  const t = io();
  assert.equal(await modelDownloadCommand(['--to', work, '--manifest', bad], t.io), 2);
  assert.match(t.err[0], /bad\.json: entry 0: "role"/);
});

test('a failed download exits 1 with a one-line reason and leaves nothing at final paths', { skip }, async () => {
  const to = path.join(work, 'fail');
  const m = manifestFor(files).map((e) => (e.path === 'vocab.txt' ? { ...e, path: 'vocab-missing.txt' } : e));
  const mf = path.join(work, 'm404.json');
  fs.writeFileSync(mf, JSON.stringify(m));
  const t = io();
  const code = await modelDownloadCommand(['--to', to, '--manifest', mf, '--adapters', '', '--endpoint', hub.endpoint], t.io);
  assert.equal(code, 1);
  const last = t.err.at(-1)!;
  assert.match(last, /^related-papers: model download: file vocab-missing\.txt not found at http:\/\/127\.0\.0\.1:\d+\/allenai\/specter2_base\/resolve\/[0-9a-f]{40}\/vocab-missing\.txt \(revision [0-9a-f]{40}\)/);
  assert.equal(last.split('\n').length, 2, 'exactly one line');
  assert.equal(fs.existsSync(path.join(to, 'base', 'config.json')), false, 'metadata is checked for all files before any download');
});
