/**
 * resolveModelDir: configured local folder first, then a Hugging Face cache laid out exactly like
 * huggingface_hub writes it (blobs named by etag, snapshot files as relative symlinks, refs/<branch>).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveModelDir } from '../../../models/acquire/resolve';
import { defaultHubCacheDir, repoFolderName } from '../../../models/acquire/hfCache';
import { ADAPTER_REPOS, BASE_REPO, DEFAULT_MANIFEST, type Manifest } from '../../../models/acquire/manifest';
import { TINY_MODEL, skipUnlessShared } from '../../helpers/shared';
import { gitBlobSha1, sha256 } from '../../helpers/hubServer';
import type { AdapterName } from '../../../models/types';

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'base', 'pytorch_model.bin');
const roots: string[] = [];
after(() => roots.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-res-'));
  roots.push(d);
  return d;
};

const pinned = (role: string) => DEFAULT_MANIFEST.find((e) => e.role === role)!.revision;
const OTHER_COMMIT = '0123456789abcdef0123456789abcdef01234567';

/** Put `srcDir`'s files into `cache` as repo@commit, the way huggingface_hub does. */
function cacheRepo(cache: string, repo: string, commit: string, srcDir: string, names: string[], refs: Record<string, string> = { main: commit }): string {
  const repoDir = path.join(cache, repoFolderName(repo));
  const snap = path.join(repoDir, 'snapshots', commit);
  fs.mkdirSync(path.join(repoDir, 'blobs'), { recursive: true });
  fs.mkdirSync(snap, { recursive: true });
  for (const name of names) {
    const data = fs.readFileSync(path.join(srcDir, name));
    const etag = /\.(bin|safetensors)$/.test(name) ? sha256(data) : gitBlobSha1(data);
    fs.writeFileSync(path.join(repoDir, 'blobs', etag), data);
    fs.symlinkSync(path.join('..', '..', 'blobs', etag), path.join(snap, name));
  }
  for (const [ref, c] of Object.entries(refs)) {
    fs.mkdirSync(path.join(repoDir, 'refs'), { recursive: true });
    fs.writeFileSync(path.join(repoDir, 'refs', ref), c);
  }
  return snap;
}

function buildCache(cache: string, adapters: AdapterName[], baseCommit = pinned('base')): void {
  cacheRepo(cache, BASE_REPO, baseCommit, path.join(TINY_MODEL, 'base'), ['config.json', 'pytorch_model.bin', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']);
  for (const a of adapters) cacheRepo(cache, ADAPTER_REPOS[a], pinned(`adapter:${a}`) === 'main' ? OTHER_COMMIT : pinned(`adapter:${a}`), path.join(TINY_MODEL, 'adapters', a), ['adapter_config.json', 'pytorch_adapter.bin']);
}

test('local folder in the fixture layout resolves, with a stable content fingerprint as model id', { skip }, async () => {
  const r = await resolveModelDir({ localFolder: TINY_MODEL, adapters: ['proximity', 'adhoc_query'], hfCacheDir: path.join(tmp(), 'empty') });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.source, 'local');
  assert.equal(r.dir.base, path.join(TINY_MODEL, 'base'));
  assert.equal(r.dir.adapters.proximity, path.join(TINY_MODEL, 'adapters', 'proximity'));
  assert.equal(r.dir.adapters.classification, undefined);
  assert.match(r.dir.modelId, /^allenai\/specter2_base@local:[0-9a-f]{12}$/);
  const again = await resolveModelDir({ localFolder: TINY_MODEL, adapters: [], hfCacheDir: path.join(tmp(), 'empty') });
  assert.equal(again.ok && again.dir.modelId, r.dir.modelId);
});

test('local fingerprint changes when the weights change', { skip }, async () => {
  const root = tmp();
  fs.cpSync(path.join(TINY_MODEL, 'base'), path.join(root, 'base'), { recursive: true });
  const a = await resolveModelDir({ localFolder: root, adapters: [], hfCacheDir: path.join(root, 'none') });
  const w = path.join(root, 'base', 'pytorch_model.bin');
  fs.chmodSync(w, 0o644);
  const buf = fs.readFileSync(w);
  buf[buf.length - 10] ^= 1;
  fs.writeFileSync(w, buf);
  const b = await resolveModelDir({ localFolder: root, adapters: [], hfCacheDir: path.join(root, 'none') });
  assert.ok(a.ok && b.ok);
  assert.notEqual(a.ok && a.dir.modelId, b.ok && b.dir.modelId);
});

test('an incomplete local folder names the missing file; with no cache the resolve fails with it', { skip }, async () => {
  const root = tmp();
  fs.cpSync(TINY_MODEL, root, { recursive: true });
  fs.chmodSync(path.join(root, 'adapters', 'proximity'), 0o755);
  fs.rmSync(path.join(root, 'adapters', 'proximity', 'pytorch_adapter.bin'), { force: true });
  const r = await resolveModelDir({ localFolder: root, adapters: ['proximity'], hfCacheDir: path.join(root, 'no-cache') });
  assert.equal(r.ok, false);
  if (r.ok) return;
  assert.match(r.reason, /missing .*adapters\/proximity\/pytorch_adapter\.bin/);
  assert.equal(r.tried.length, 2);
  assert.match(r.tried[1], /Hugging Face cache .*no-cache/);
  const noBase = await resolveModelDir({ localFolder: path.join(root, 'adapters'), adapters: [], hfCacheDir: path.join(root, 'no-cache') });
  assert.ok(!noBase.ok && /missing .*base\/config\.json/.test(noBase.reason));
  const absent = await resolveModelDir({ localFolder: path.join(root, 'nope'), adapters: [], hfCacheDir: path.join(root, 'no-cache') });
  assert.ok(!absent.ok && /does not exist/.test(absent.reason));
});

test('HF cache: snapshots via symlinked blobs at the pinned commits', { skip }, async () => {
  const cache = tmp();
  buildCache(cache, ['proximity', 'adhoc_query']);
  const r = await resolveModelDir({ hfCacheDir: cache, adapters: ['proximity', 'adhoc_query'] });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  if (!r.ok) return;
  assert.equal(r.source, 'hf-cache');
  assert.equal(r.dir.modelId, `${BASE_REPO}@${pinned('base')}`);
  assert.equal(r.dir.base, path.join(cache, 'models--allenai--specter2_base', 'snapshots', pinned('base')));
  assert.equal(r.dir.adapters.adhoc_query, path.join(cache, 'models--allenai--specter2_adhoc_query', 'snapshots', pinned('adapter:adhoc_query')));
  // The resolved files are the real bytes (through the symlinks).
  assert.ok(fs.readFileSync(path.join(r.dir.base, 'pytorch_model.bin')).equals(fs.readFileSync(path.join(TINY_MODEL, 'base', 'pytorch_model.bin'))));
});

test('HF cache: falls back to refs/main when the pinned commit is not cached; unpinned adapters use refs/main', { skip }, async () => {
  const cache = tmp();
  buildCache(cache, ['classification'], OTHER_COMMIT);
  const r = await resolveModelDir({ hfCacheDir: cache, adapters: ['classification'] });
  assert.ok(r.ok, r.ok ? '' : r.reason);
  assert.equal(r.ok && r.dir.modelId, `${BASE_REPO}@${OTHER_COMMIT}`);
});

test('HF cache location follows HF_HUB_CACHE, then HF_HOME/hub, then XDG_CACHE_HOME', { skip }, async () => {
  assert.equal(defaultHubCacheDir({ HF_HUB_CACHE: '/a', HF_HOME: '/b' }), '/a');
  assert.equal(defaultHubCacheDir({ HF_HOME: '/b' }), path.join('/b', 'hub'));
  assert.equal(defaultHubCacheDir({ XDG_CACHE_HOME: '/x' }), path.join('/x', 'huggingface', 'hub'));
  assert.equal(defaultHubCacheDir({}), path.join(os.homedir(), '.cache', 'huggingface', 'hub'));
  const home = tmp();
  buildCache(path.join(home, 'hub'), ['proximity']);
  const r = await resolveModelDir({ adapters: ['proximity'], env: { HF_HOME: home } });
  assert.ok(r.ok && r.source === 'hf-cache', r.ok ? '' : r.reason);
});

test('HF cache problems are named: missing repo, deleted blob, old-style allenai/specter2 base snapshot', { skip }, async () => {
  const cache = tmp();
  buildCache(cache, ['proximity']);
  const noRepo = await resolveModelDir({ hfCacheDir: cache, adapters: ['adhoc_query'] });
  assert.ok(!noRepo.ok && /allenai\/specter2_adhoc_query is not in the Hugging Face cache/.test(noRepo.reason), noRepo.ok ? '' : noRepo.reason);

  const blobs = path.join(cache, 'models--allenai--specter2_base', 'blobs');
  const weightsBlob = sha256(fs.readFileSync(path.join(TINY_MODEL, 'base', 'pytorch_model.bin')));
  fs.rmSync(path.join(blobs, weightsBlob));
  const broken = await resolveModelDir({ hfCacheDir: cache, adapters: [] });
  assert.ok(!broken.ok && /incomplete: missing .*model\.safetensors or pytorch_model\.bin/.test(broken.reason), broken.ok ? '' : broken.reason);

  const cache2 = tmp();
  buildCache(cache2, []);
  // Before Aug 2023 "allenai/specter2" was the base model; a cache may still hold that snapshot.
  const manifest: Manifest = DEFAULT_MANIFEST.map((e) => (e.role === 'adapter:proximity' ? { ...e, revision: 'main' } : e));
  cacheRepo(cache2, ADAPTER_REPOS.proximity, OTHER_COMMIT, path.join(TINY_MODEL, 'base'), ['config.json', 'pytorch_model.bin', 'vocab.txt']);
  const old = await resolveModelDir({ hfCacheDir: cache2, adapters: ['proximity'], manifest });
  assert.ok(!old.ok && /adapter_config\.json.*predates the Aug 2023 rename/.test(old.reason), old.ok ? '' : old.reason);
});

test('local folder wins over the cache; a broken local folder falls back to the cache with a warning', { skip }, async () => {
  const cache = tmp();
  buildCache(cache, ['proximity']);
  const good = await resolveModelDir({ localFolder: TINY_MODEL, hfCacheDir: cache, adapters: ['proximity'] });
  assert.ok(good.ok && good.source === 'local');
  const fallback = await resolveModelDir({ localFolder: path.join(cache, 'nope'), hfCacheDir: cache, adapters: ['proximity'] });
  assert.ok(fallback.ok && fallback.source === 'hf-cache');
  assert.ok(fallback.ok && fallback.warnings.some((w) => /configured model folder not used: .*does not exist/.test(w)));
});
