/**
 * Find a usable SPECTER2 model on this machine: the configured local folder first (layout
 * `DIR/base/` + `DIR/adapters/<name>/`), then the Hugging Face hub cache. Never downloads.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AdapterName, ModelDir } from '../types';
import { defaultHubCacheDir, findSnapshot } from './hfCache';
import { adapterDir, baseDir, isFile, missingAdapterFile, missingBaseFile, RECORD_FILE, type DownloadRecord } from './layout';
import { ADAPTER_REPOS, BASE_OPTIONAL, BASE_REPO, BASE_REQUIRED, BASE_WEIGHTS, DEFAULT_MANIFEST, type Manifest } from './manifest';

export interface ResolveOptions {
  /** User-configured model folder (`DIR/base`, `DIR/adapters/<name>`). */
  localFolder?: string;
  /** Hub cache folder; default from the environment like huggingface_hub. */
  hfCacheDir?: string;
  adapters: AdapterName[];
  env?: NodeJS.ProcessEnv;
  /** Which repos/revisions to look for in the cache (default: DEFAULT_MANIFEST). */
  manifest?: Manifest;
}

export type ResolveResult =
  | { ok: true; dir: ModelDir; source: 'local' | 'hf-cache'; warnings: string[] }
  | { ok: false; reason: string; tried: string[] };

type Attempt = { ok: true; dir: ModelDir } | { ok: false; reason: string };

export async function resolveModelDir(opts: ResolveOptions): Promise<ResolveResult> {
  const tried: string[] = [];
  const warnings: string[] = [];
  if (opts.localFolder) {
    const local = await resolveLocal(opts.localFolder, opts.adapters);
    if (local.ok) return { ok: true, dir: local.dir, source: 'local', warnings };
    tried.push(`local folder: ${local.reason}`);
    warnings.push(`configured model folder not used: ${local.reason}`);
  }
  const cacheDir = opts.hfCacheDir ?? defaultHubCacheDir(opts.env ?? process.env);
  const cached = await resolveHfCache(cacheDir, opts.adapters, opts.manifest ?? DEFAULT_MANIFEST);
  if (cached.ok) return { ok: true, dir: cached.dir, source: 'hf-cache', warnings };
  tried.push(`Hugging Face cache ${cacheDir}: ${cached.reason}`);
  // The local folder's problem is the more useful message when the user configured one.
  return { ok: false, reason: tried[0], tried };
}

/** A folder laid out like the fixture / the downloader's output. */
export async function resolveLocal(root: string, adapters: readonly AdapterName[]): Promise<Attempt> {
  const abs = path.resolve(root);
  try {
    if (!(await fs.stat(abs)).isDirectory()) return { ok: false, reason: `${abs} is not a folder` };
  } catch {
    return { ok: false, reason: `model folder ${abs} does not exist` };
  }
  const base = baseDir(abs);
  const missingBase = await missingBaseFile(base);
  if (missingBase) return { ok: false, reason: `model folder ${abs} is incomplete: missing ${missingBase}` };
  const dirs: Partial<Record<AdapterName, string>> = {};
  for (const a of adapters) {
    const d = adapterDir(abs, a);
    const missing = await missingAdapterFile(d);
    if (missing) return { ok: false, reason: `model folder ${abs} is incomplete: missing ${missing} (adapter ${a})` };
    dirs[a] = d;
  }
  const adapterIds: Partial<Record<AdapterName, string>> = {};
  for (const a of adapters) adapterIds[a] = await localAdapterId(abs, a, dirs[a]!);
  return { ok: true, dir: { root: abs, base, adapters: dirs, modelId: await localModelId(abs, base), adapterIds } };
}

/** Like localModelId, for one adapter: the downloader's recorded commit, else a content fingerprint. */
async function localAdapterId(root: string, adapter: AdapterName, dir: string): Promise<string> {
  try {
    const rec = JSON.parse(await fs.readFile(path.join(root, RECORD_FILE), 'utf8')) as DownloadRecord;
    const weights = rec.files.find((f) => f.role === `adapter:${adapter}` && f.path.endsWith('.bin'));
    if (weights?.commit && /^[0-9a-f]{40}$/.test(weights.commit)) {
      const st = await fs.stat(path.join(dir, weights.path));
      if (st.size === weights.size) return `${weights.repo}@${weights.commit}`;
    }
  } catch {
    /* no or unreadable record: fingerprint instead */
  }
  return `local:${(await fingerprintFiles(dir, ['adapter_config.json'], ['pytorch_adapter.bin'])).slice(0, 12)}`;
}

/**
 * `allenai/specter2_base@<commit>` when the folder was written by our downloader (its record names
 * the commit and the weights still have the recorded size); otherwise `…@local:<12 hex>`, a content
 * fingerprint of the base folder: full bytes of the small files plus size, first and last MiB of
 * the weights (hashing 440 MB on every start would cost seconds; any re-export changes these).
 */
async function localModelId(root: string, base: string): Promise<string> {
  try {
    const rec = JSON.parse(await fs.readFile(path.join(root, RECORD_FILE), 'utf8')) as DownloadRecord;
    const weights = rec.files.find((f) => f.role === 'base' && (BASE_WEIGHTS as readonly string[]).includes(f.path));
    if (weights?.commit && /^[0-9a-f]{40}$/.test(weights.commit)) {
      const st = await fs.stat(path.join(base, weights.path));
      if (st.size === weights.size) return `${weights.repo}@${weights.commit}`;
    }
  } catch {
    /* no or unreadable record: fingerprint instead */
  }
  return `${BASE_REPO}@local:${(await fingerprintBase(base)).slice(0, 12)}`;
}

const EDGE = 1 << 20;

export function fingerprintBase(base: string): Promise<string> {
  return fingerprintFiles(base, [...BASE_REQUIRED, ...BASE_OPTIONAL], BASE_WEIGHTS);
}

/** Small files in full, large ones by size + first and last MiB. */
async function fingerprintFiles(dir: string, small: readonly string[], large: readonly string[]): Promise<string> {
  const base = dir;
  const h = createHash('sha256');
  for (const f of small) {
    const p = path.join(base, f);
    if (!(await isFile(p))) continue;
    h.update(`${f}\0`);
    h.update(await fs.readFile(p));
  }
  for (const f of large) {
    const p = path.join(base, f);
    if (!(await isFile(p))) continue;
    const fh = await fs.open(p, 'r');
    try {
      const { size } = await fh.stat();
      h.update(`${f}\0${size}\0`);
      const head = Buffer.alloc(Math.min(EDGE, size));
      await fh.read(head, 0, head.length, 0);
      h.update(head);
      const tailLen = Math.min(EDGE, size);
      const tail = Buffer.alloc(tailLen);
      await fh.read(tail, 0, tailLen, size - tailLen);
      h.update(tail);
    } finally {
      await fh.close();
    }
  }
  return h.digest('hex');
}

/** Base and adapters from their own hub-cache snapshots (which may live in different repos). */
export async function resolveHfCache(cacheDir: string, adapters: readonly AdapterName[], manifest: Manifest): Promise<Attempt> {
  const baseEntry = manifest.find((e) => e.role === 'base');
  const baseRepo = baseEntry?.repo ?? BASE_REPO;
  const snap = await findSnapshot(cacheDir, baseRepo, baseEntry?.revision ?? 'main', ['main']);
  if (!snap.ok) return { ok: false, reason: snap.reason };
  const missingBase = await missingBaseFile(snap.dir);
  if (missingBase) return { ok: false, reason: `${baseRepo}@${snap.commit.slice(0, 12)} in the cache is incomplete: missing ${missingBase}` };
  const dirs: Partial<Record<AdapterName, string>> = {};
  const adapterIds: Partial<Record<AdapterName, string>> = {};
  for (const a of adapters) {
    const entry = manifest.find((e) => e.role === `adapter:${a}`);
    const repo = entry?.repo ?? ADAPTER_REPOS[a];
    const s = await findSnapshot(cacheDir, repo, entry?.revision ?? 'main', ['main']);
    if (!s.ok) return { ok: false, reason: `adapter ${a}: ${s.reason}` };
    const missing = await missingAdapterFile(s.dir);
    if (missing) {
      // Before Aug 2023 `allenai/specter2` held the BASE model; an old cached snapshot looks like that.
      const hint = (await isFile(path.join(s.dir, 'config.json'))) ? ' (this snapshot holds a base model, not an adapter: it predates the Aug 2023 rename of allenai/specter2)' : '';
      return { ok: false, reason: `adapter ${a}: ${repo}@${s.commit.slice(0, 12)} in the cache is incomplete: missing ${missing}${hint}` };
    }
    dirs[a] = s.dir;
    adapterIds[a] = `${repo}@${s.commit}`;
  }
  return { ok: true, dir: { root: cacheDir, base: snap.dir, adapters: dirs, modelId: `${baseRepo}@${snap.commit}`, adapterIds } };
}
