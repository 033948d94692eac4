/**
 * downloadModel against a local hub stand-in serving the specter2-tiny fixture files under the
 * hub URL layout, with injected faults. Invariant checked throughout: no file with a partial or
 * wrong body ever sits at its final path.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { downloadModel, DownloadError, resolveUrl } from '../../../models/acquire/download';
import { resolveModelDir } from '../../../models/acquire/resolve';
import { BASE_REPO, ADAPTER_REPOS, DEFAULT_MANIFEST, validateManifest } from '../../../models/acquire/manifest';
import { RECORD_FILE } from '../../../models/acquire/layout';
import { HubServer, fixtureHubFiles, manifestFor, type HubFile } from '../../helpers/hubServer';
import { TINY_MODEL, skipUnlessShared } from '../../helpers/shared';
import { ADAPTERS } from '../../../models/types';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'base', 'pytorch_model.bin');
const FAST = { retries: 0, baseDelayMs: 5 };
const RETRYING = { retries: 4, baseDelayMs: 5 };
const BIN = 'pytorch_model.bin';

let hub: HubServer;
let files: HubFile[];
const tmpRoots: string[] = [];

before(async () => {
  if (skip) return;
  files = fixtureHubFiles(TINY_MODEL);
  hub = await HubServer.start(files);
});
after(async () => {
  await hub?.close();
  for (const d of tmpRoots) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-dl-'));
  tmpRoots.push(d);
  return path.join(d, 'model');
}

/** Every file under `root` that is not a .part/.json sidecar must equal its fixture counterpart. */
function assertNoBadFinalFiles(root: string): void {
  if (!fs.existsSync(root)) return;
  for (const rel of fs.readdirSync(root, { recursive: true }) as string[]) {
    const abs = path.join(root, rel);
    if (!fs.statSync(abs).isFile() || /\.part(\.json)?$/.test(rel) || rel === RECORD_FILE || rel === '.download.lock') continue;
    const fixture = path.join(TINY_MODEL, rel);
    assert.ok(fs.existsSync(fixture), `unexpected file ${rel}`);
    assert.ok(fs.readFileSync(abs).equals(fs.readFileSync(fixture)), `${rel} at its final path differs from the fixture`);
  }
}

function assertSameAsFixture(root: string, rels: string[]): void {
  for (const rel of rels) assert.ok(fs.readFileSync(path.join(root, rel)).equals(fs.readFileSync(path.join(TINY_MODEL, rel))), `${rel} bytes`);
}

const BASE_RELS = ['base/config.json', 'base/pytorch_model.bin', 'base/vocab.txt', 'base/tokenizer_config.json', 'base/special_tokens_map.json'];
const adapterRels = (a: string) => [`adapters/${a}/adapter_config.json`, `adapters/${a}/pytorch_adapter.bin`];

test('full download: all files byte-identical, LFS via redirect, folder resolves with the commit as model id', { skip }, async () => {
  const to = tmp();
  const since = hub.log.length;
  const events: { file: string; overallBytes: number; overallTotal: number }[] = [];
  const dir = await downloadModel({
    to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: [...ADAPTERS], retry: FAST,
    onProgress: (e) => events.push(e),
  });
  assertSameAsFixture(to, [...BASE_RELS, ...ADAPTERS.flatMap(adapterRels)]);
  const baseCommit = files.find((f) => f.repo === BASE_REPO)!.commit;
  assert.equal(dir.modelId, `${BASE_REPO}@${baseCommit}`);
  const r = await resolveModelDir({ localFolder: to, adapters: [...ADAPTERS], hfCacheDir: path.join(to, 'no-cache') });
  assert.ok(r.ok);
  assert.equal(r.ok && r.source, 'local');
  assert.equal(r.ok && r.dir.modelId, dir.modelId);
  // LFS files went hub → 302 → CDN; regular files were served by the hub directly.
  const log = hub.log.slice(since);
  assert.ok(log.some((l) => l.server === 'hub' && l.status === 302 && l.file === `${BASE_REPO}/${BIN}`));
  assert.ok(log.some((l) => l.server === 'cdn' && l.method === 'GET' && l.file === `${BASE_REPO}/${BIN}`));
  assert.ok(!log.some((l) => l.server === 'cdn' && l.method === 'HEAD'), 'metadata comes from the hub, the CDN only serves bytes');
  // Progress is monotone and ends at the total.
  const total = files.reduce((s, f) => s + f.data.length, 0);
  assert.equal(events.at(-1)!.overallBytes, total);
  assert.equal(events.at(-1)!.overallTotal, total);
  for (let i = 1; i < events.length; i++) assert.ok(events[i].overallBytes >= events[i - 1].overallBytes);
  // No sidecars left behind.
  assert.deepEqual((fs.readdirSync(to, { recursive: true }) as string[]).filter((f) => /\.part/.test(f)), []);
  // A rerun fetches nothing: every file is verified in place.
  const before2 = hub.log.length;
  await downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: [...ADAPTERS], retry: FAST });
  assert.equal(hub.log.slice(before2).filter((l) => l.method === 'GET').length, 0);
});

for (const kind of ['truncate', 'reset'] as const) {
  test(`${kind} mid-file: nothing at the final path, and the rerun resumes with a Range request`, { skip }, async () => {
    const to = tmp();
    const full = fs.statSync(path.join(TINY_MODEL, 'base', BIN)).size;
    const cut = 3_000_000;
    hub.injectFault(BASE_REPO, BIN, { kind, afterBytes: cut });
    await assert.rejects(
      downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: ['proximity'], retry: FAST }),
      (e: unknown) => e instanceof DownloadError && e.code === 'network' && /pytorch_model\.bin|connection/.test(e.message),
    );
    assert.equal(fs.existsSync(path.join(to, 'base', BIN)), false, 'partial weights must not be at the final path');
    const partSize = fs.statSync(path.join(to, 'base', `${BIN}.part`)).size;
    assert.ok(partSize > 0 && partSize <= cut, `part holds the received prefix (${partSize})`);
    assertNoBadFinalFiles(to);

    const since = hub.log.length;
    await downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: ['proximity'], retry: FAST });
    const gets = hub.log.slice(since).filter((l) => l.method === 'GET' && l.file === `${BASE_REPO}/${BIN}` && l.server === 'cdn');
    assert.equal(gets.length, 1);
    assert.equal(gets[0].range, `bytes=${partSize}-`);
    assert.equal(gets[0].status, 206);
    assert.equal(hub.bytesSent(BASE_REPO, BIN, since), full - partSize, 'only the missing bytes were transferred');
    assert.ok(hub.bytesSent(BASE_REPO, BIN, since) < full);
    assertSameAsFixture(to, [...BASE_RELS, ...adapterRels('proximity')]);
    assert.equal(fs.existsSync(path.join(to, 'base', `${BIN}.part`)), false);
    const r = await resolveModelDir({ localFolder: to, adapters: ['proximity'], hfCacheDir: path.join(to, 'none') });
    assert.ok(r.ok, r.ok ? '' : r.reason);
  });
}

test('connection reset is retried within one call and resumes from the partial', { skip }, async () => {
  const to = tmp();
  hub.injectFault(BASE_REPO, BIN, { kind: 'reset', afterBytes: 1_000_000 });
  hub.injectFault(BASE_REPO, BIN, { kind: 'truncate', afterBytes: 2_000_000 });
  const since = hub.log.length;
  const logs: string[] = [];
  await downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: [], retry: RETRYING, onLog: (m) => logs.push(m) });
  const gets = hub.log.slice(since).filter((l) => l.method === 'GET' && l.server === 'cdn' && l.file === `${BASE_REPO}/${BIN}`);
  assert.equal(gets.length, 3);
  assert.equal(gets[0].range, null);
  assert.match(gets[1].range ?? '', /^bytes=\d+-$/);
  assert.match(gets[2].range ?? '', /^bytes=\d+-$/);
  const full = fs.statSync(path.join(TINY_MODEL, 'base', BIN)).size;
  assert.ok(hub.bytesSent(BASE_REPO, BIN, since) < full + 1_000_000, 'no full restart');
  assert.ok(logs.some((m) => /retrying/.test(m)));
  assertSameAsFixture(to, BASE_RELS);
});

test('wrong checksum: the file never reaches its final path and the partial is deleted', { skip }, async () => {
  const to = tmp();
  hub.injectFault(ADAPTER_REPOS.proximity, 'pytorch_adapter.bin', { kind: 'corrupt' });
  await assert.rejects(
    downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: ['proximity'], retry: FAST }),
    (e: unknown) => e instanceof DownloadError && e.code === 'checksum' && /checksum mismatch for adapters\/proximity\/pytorch_adapter\.bin/.test(e.message) && /partial download was deleted/.test(e.message),
  );
  const dir = path.join(to, 'adapters', 'proximity');
  assert.equal(fs.existsSync(path.join(dir, 'pytorch_adapter.bin')), false);
  assert.equal(fs.existsSync(path.join(dir, 'pytorch_adapter.bin.part')), false);
  assertNoBadFinalFiles(to);
});

test('without manifest hashes: sha256 from X-Linked-Etag (LFS) and git blob id (regular files) still catch corruption', { skip }, async () => {
  const to = tmp();
  const unpinned = manifestFor(files, { withHashes: false, revision: 'main' });
  // config.json is fetched first: its corruption is caught by the git blob id (hub ETag).
  hub.injectFault(BASE_REPO, 'config.json', { kind: 'corrupt' });
  await assert.rejects(
    downloadModel({ to, endpoint: hub.endpoint, manifest: unpinned, adapters: [], retry: FAST }),
    (e: unknown) => e instanceof DownloadError && e.code === 'checksum' && /git blob id/.test(e.message) && /base\/config\.json/.test(e.message),
  );
  // The weights' corruption is caught by the sha256 the hub asserts in X-Linked-Etag.
  hub.injectFault(BASE_REPO, BIN, { kind: 'corrupt' });
  await assert.rejects(
    downloadModel({ to, endpoint: hub.endpoint, manifest: unpinned, adapters: [], retry: FAST }),
    (e: unknown) => e instanceof DownloadError && e.code === 'checksum' && /pytorch_model\.bin/.test(e.message) && /expected sha256 [0-9a-f]{64}/.test(e.message),
  );
  assertNoBadFinalFiles(to);
  const dir = await downloadModel({ to, endpoint: hub.endpoint, manifest: unpinned, adapters: [], retry: FAST });
  assertSameAsFixture(to, BASE_RELS);
  // "main" was resolved to the commit the hub reported (X-Repo-Commit), and recorded.
  assert.equal(dir.modelId, `${BASE_REPO}@${files[0].commit}`);
  const rec = JSON.parse(fs.readFileSync(path.join(to, RECORD_FILE), 'utf8'));
  const w = rec.files.find((f: { path: string }) => f.path === BIN);
  assert.equal(w.revision, 'main');
  assert.equal(w.commit, files[0].commit);
  assert.match(w.sha256, /^[0-9a-f]{64}$/);
});

test('pinned hash or size that the hub contradicts is refused before downloading', { skip }, async () => {
  const to = tmp();
  const m = manifestFor(files);
  const w = m.find((e) => e.path === BIN)!;
  w.sha256 = 'a'.repeat(64);
  const since = hub.log.length;
  await assert.rejects(downloadModel({ to, endpoint: hub.endpoint, manifest: m, adapters: [], retry: FAST }), /manifest pins a{64}/);
  assert.equal(hub.log.slice(since).filter((l) => l.method === 'GET').length, 0);
  const m2 = manifestFor(files);
  m2.find((e) => e.path === BIN)!.size = 12;
  await assert.rejects(downloadModel({ to, endpoint: hub.endpoint, manifest: m2, adapters: [], retry: FAST }), /reports \d+ bytes .* manifest pins 12/);
});

test('404: the message names the file, the URL and the revision', { skip }, async () => {
  const to = tmp();
  const m = manifestFor(files);
  m.push({ repo: BASE_REPO, revision: files[0].commit, path: 'does_not_exist.json', size: 1, sha256: null, role: 'base' });
  const url = resolveUrl(hub.endpoint, { repo: BASE_REPO, revision: files[0].commit, path: 'does_not_exist.json' });
  await assert.rejects(
    downloadModel({ to, endpoint: hub.endpoint, manifest: m, adapters: [], retry: FAST }),
    (e: unknown) => e instanceof DownloadError && e.code === 'not-found' && e.message.includes(`file does_not_exist.json not found at ${url} (revision ${files[0].commit})`),
  );
  const badRev = manifestFor(files).map((e) => ({ ...e, revision: 'v9' }));
  await assert.rejects(downloadModel({ to, endpoint: hub.endpoint, manifest: badRev, adapters: [], retry: FAST }), /not found at .*revision v9.*Invalid rev id/);
});

test('5xx is retried; HF_ENDPOINT is honoured when no endpoint is given', { skip }, async () => {
  const to = tmp();
  hub.injectFault(BASE_REPO, 'vocab.txt', { kind: 'status', status: 503 }, 2);
  const saved = process.env.HF_ENDPOINT;
  process.env.HF_ENDPOINT = hub.endpoint + '/';
  try {
    const since = hub.log.length;
    await downloadModel({ to, manifest: manifestFor(files), adapters: [], retry: RETRYING });
    assert.ok(hub.log.slice(since).filter((l) => l.status === 503).length === 2);
  } finally {
    if (saved === undefined) delete process.env.HF_ENDPOINT;
    else process.env.HF_ENDPOINT = saved;
  }
  assertSameAsFixture(to, BASE_RELS);
  // Explicit env object works the same way.
  const to2 = tmp();
  await downloadModel({ to: to2, manifest: manifestFor(files), adapters: [], retry: FAST, env: { HF_ENDPOINT: hub.endpoint } });
  assertSameAsFixture(to2, BASE_RELS);
});

test('abort: rejects as cancelled, keeps the partial for the next run, nothing at the final path', { skip }, async () => {
  const to = tmp();
  const ac = new AbortController();
  const p = downloadModel({
    to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: [], retry: FAST, signal: ac.signal,
    onProgress: (e) => { if (e.file === 'base/pytorch_model.bin' && e.bytes > 1_000_000) ac.abort(); },
  });
  await assert.rejects(p, (e: unknown) => e instanceof DownloadError && e.code === 'aborted');
  assert.equal(fs.existsSync(path.join(to, 'base', BIN)), false);
  assert.ok(fs.statSync(path.join(to, 'base', `${BIN}.part`)).size > 0);
  assertNoBadFinalFiles(to);
  assert.equal(fs.existsSync(path.join(to, '.download.lock')), false, 'lock released');
});

test('a stale .part belonging to another file version is discarded, not resumed', { skip }, async () => {
  const to = tmp();
  fs.mkdirSync(path.join(to, 'base'), { recursive: true });
  fs.writeFileSync(path.join(to, 'base', `${BIN}.part`), Buffer.alloc(1000, 7));
  fs.writeFileSync(path.join(to, 'base', `${BIN}.part.json`), JSON.stringify({ url: 'elsewhere', size: 1, sha256: null, gitSha1: null }));
  const since = hub.log.length;
  await downloadModel({ to, endpoint: hub.endpoint, manifest: manifestFor(files), adapters: [], retry: FAST });
  const get = hub.log.slice(since).find((l) => l.method === 'GET' && l.server === 'cdn' && l.file === `${BASE_REPO}/${BIN}`)!;
  assert.equal(get.range, null);
  assertSameAsFixture(to, BASE_RELS);
});

test('renamed repository: a relative 307 on the hub is followed for metadata and bytes', { skip }, async () => {
  const to = tmp();
  hub.renamed.set('allenai/specter2_proximity', ADAPTER_REPOS.proximity);
  try {
    const m = manifestFor(files).map((e) => (e.role === 'adapter:proximity' ? { ...e, repo: 'allenai/specter2_proximity' } : e));
    const since = hub.log.length;
    await downloadModel({ to, endpoint: hub.endpoint, manifest: m, adapters: ['proximity'], retry: FAST });
    assert.ok(hub.log.slice(since).some((l) => l.status === 307 && l.method === 'GET'));
    assertSameAsFixture(to, adapterRels('proximity'));
  } finally {
    hub.renamed.clear();
  }
});

test('default manifest is valid and pins commits for base, proximity and adhoc_query', () => {
  const m = validateManifest(JSON.parse(JSON.stringify(DEFAULT_MANIFEST)));
  assert.equal(m.length, DEFAULT_MANIFEST.length);
  for (const role of ['base', 'adapter:proximity', 'adapter:adhoc_query'] as const) {
    for (const e of m.filter((x) => x.role === role)) assert.match(e.revision, /^[0-9a-f]{40}$/, `${role} ${e.path}`);
  }
  assert.ok(m.some((e) => e.role === 'base' && e.path === 'pytorch_model.bin'));
  assert.throws(() => validateManifest([{ repo: 'a/b', revision: 'main', path: '../etc/passwd', size: null, sha256: null, role: 'base' }]), /"path"/);
  assert.throws(() => validateManifest([{ repo: 'a/b', revision: 'main', path: 'x', size: null, sha256: 'zz', role: 'base' }]), /sha256/);
  assert.throws(() => validateManifest([{ repo: 'a/b', revision: 'main', path: 'x', size: null, sha256: null, role: 'adapter:nope' }]), /role/);
});
