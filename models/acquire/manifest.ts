/**
 * Which files make up a SPECTER2 model directory, where they come from on the Hugging Face hub, and
 * what they must hash to.
 *
 * A manifest entry pins one file: `<endpoint>/<repo>/resolve/<revision>/<path>`, destined for
 * `DIR/base/<path>` (role `base`) or `DIR/adapters/<name>/<path>` (role `adapter:<name>`).
 * `size` / `sha256` may be null when no verifiable public record of them was found; the downloader
 * then verifies against what the hub itself asserts (X-Linked-Size / X-Linked-Etag for LFS files,
 * which ARE the byte size and sha256; the git-blob ETag for small non-LFS files) and records it.
 */
import * as fs from 'node:fs/promises';
import type { AdapterName } from '../types';
import { ADAPTERS } from '../types';

export type ManifestRole = 'base' | `adapter:${AdapterName}`;

export interface ManifestEntry {
  /** Hub repository, `owner/name`. */
  repo: string;
  /** Commit sha (preferred) or a branch name such as `main` (documented fallback only). */
  revision: string;
  /** Path inside the repository; also the path inside the destination folder. */
  path: string;
  /** Exact byte size, or null = unknown (taken from the hub's headers, then enforced). */
  size: number | null;
  /** Lower-case hex sha256, or null = unknown (taken from the hub's X-Linked-Etag / verified by git blob id). */
  sha256: string | null;
  role: ManifestRole;
  /** Where the pinned values come from (documentation; not used by the code). */
  provenance?: string;
}

export type Manifest = ManifestEntry[];

/** Hub repository of each SPECTER2 adapter (after the Aug 2023 rename: proximity lives in `allenai/specter2`). */
export const ADAPTER_REPOS: Readonly<Record<AdapterName, string>> = {
  proximity: 'allenai/specter2',
  adhoc_query: 'allenai/specter2_adhoc_query',
  classification: 'allenai/specter2_classification',
  regression: 'allenai/specter2_regression',
};
export const BASE_REPO = 'allenai/specter2_base';

/** Files a usable base folder must contain (the weights file is checked separately: either format). */
export const BASE_REQUIRED = ['config.json', 'vocab.txt'] as const;
export const BASE_WEIGHTS = ['model.safetensors', 'pytorch_model.bin'] as const;
export const BASE_OPTIONAL = ['tokenizer_config.json', 'special_tokens_map.json'] as const;
export const ADAPTER_REQUIRED = ['adapter_config.json', 'pytorch_adapter.bin'] as const;

// Commit shas found in several independent public projects that pin the SPECTER2 checkpoints
// (e.g. a Kaggle job `SPECTER2_BASE_REVISION`/`SPECTER2_PROXIMITY_REVISION`/`SPECTER2_QUERY_REVISION`,
// an ADR "Components, checkpoints, and licenses" listing "Hub revision", HF-cache snapshot paths
// `models--allenai--specter2_base/snapshots/3447645e…`, and the hub URL
// huggingface.co/allenai/specter2_base/raw/3447645e1def9117997203454fa4495937bfbd83/README.md).
const BASE_REV = '3447645e1def9117997203454fa4495937bfbd83';
const PROXIMITY_REV = '2081559630a80fc5851d8f798a05ba81e9468089';
const ADHOC_QUERY_REV = '3f4448817028388648a74349ece07af4518ec5bd';
/** No public record of these two commits was found: documented fallback to the branch. */
const UNPINNED = 'main';

const ADR = 'ADR-0001 "Components, checkpoints, and licenses" (public repo; sizes read from hub HEAD responses at the pinned revisions)';

/**
 * The real SPECTER2 files. Base weights: `pytorch_model.bin` (the repo's main branch has no
 * `model.safetensors`; that exists only in a `refs/pr/N` conversion).
 */
export const DEFAULT_MANIFEST: Manifest = [
  { repo: BASE_REPO, revision: BASE_REV, path: 'config.json', size: null, sha256: null, role: 'base',
    provenance: 'unverified: no public hash; verified at download time against the hub git-blob ETag' },
  { repo: BASE_REPO, revision: BASE_REV, path: 'pytorch_model.bin', size: 439740465, sha256: null, role: 'base',
    provenance: `size: ${ADR}; sha256 unverified: taken from the hub X-Linked-Etag at download time` },
  { repo: BASE_REPO, revision: BASE_REV, path: 'vocab.txt', size: 227845,
    sha256: 'f0a650346e51ede8996710f79ba65d83fdb8da05b159f17037b74ba4e3a36c6f', role: 'base',
    provenance: 'specter2-tiny fixture README (real scivocab-uncased, sha256 given) and a public SpERT checkpoint contract listing vocab.txt (227845, same sha256)' },
  { repo: BASE_REPO, revision: BASE_REV, path: 'tokenizer_config.json', size: 453,
    sha256: 'afea6e85bb539b2c2de8847d92c2a3ae88334c280abbbdb3baaddc5fb7195242', role: 'base',
    provenance: 'specter2-tiny fixture README: its tokenizer_config.json has exactly the real file\'s content (453 B); hash computed from that file' },
  { repo: BASE_REPO, revision: BASE_REV, path: 'special_tokens_map.json', size: 125,
    sha256: 'b6d346be366a7d1d48332dbc9fdf3bf8960b5d879522b7799ddba59e76237ee3', role: 'base',
    provenance: 'specter2-tiny fixture README (exact real content, 125 B) and the same (125, sha256) in a public SciBERT-based checkpoint contract' },
  ...adapterEntries('proximity', PROXIMITY_REV, 3593365, `size: ${ADR}`),
  ...adapterEntries('adhoc_query', ADHOC_QUERY_REV, 3593365, `size: ${ADR}`),
  ...adapterEntries('classification', UNPINNED, null, 'unverified: revision falls back to "main"; size and sha256 from hub headers'),
  ...adapterEntries('regression', UNPINNED, null, 'unverified: revision falls back to "main"; size and sha256 from hub headers'),
];

function adapterEntries(name: AdapterName, revision: string, binSize: number | null, provenance: string): ManifestEntry[] {
  const repo = ADAPTER_REPOS[name];
  const role: ManifestRole = `adapter:${name}`;
  return [
    { repo, revision, path: 'adapter_config.json', size: null, sha256: null, role,
      provenance: 'unverified: no public hash; verified against the hub git-blob ETag' },
    { repo, revision, path: 'pytorch_adapter.bin', size: binSize, sha256: null, role,
      provenance: `${provenance}; sha256 unverified: taken from the hub X-Linked-Etag` },
  ];
}

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export function roleAdapter(role: ManifestRole): AdapterName | null {
  return role === 'base' ? null : (role.slice('adapter:'.length) as AdapterName);
}

/** Entries needed for the base plus the requested adapters. */
export function selectEntries(manifest: Manifest, adapters: readonly AdapterName[]): Manifest {
  const missing = adapters.filter((a) => !manifest.some((e) => e.role === `adapter:${a}`));
  if (missing.length) throw new ManifestError(`the manifest has no files for adapter(s): ${missing.join(', ')}`);
  if (!manifest.some((e) => e.role === 'base')) throw new ManifestError('the manifest has no base files');
  return manifest.filter((e) => {
    const a = roleAdapter(e.role);
    return a === null || adapters.includes(a);
  });
}

const SHA256_RE = /^[0-9a-f]{64}$/;
/** A path inside a repo: relative, forward slashes, no `..`/`.` segments, no NUL/backslash. */
const SAFE_PATH_RE = /^(?!\/)(?!.*(?:^|\/)\.{1,2}(?:\/|$))[^\\\0]+$/;
const REPO_RE = /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/;
const REV_RE = /^[\w.\-/]+$/;

/** Validate one parsed manifest (from JSON); every problem names the entry index and field. */
export function validateManifest(value: unknown, source = 'manifest'): Manifest {
  const list = Array.isArray(value) ? value : (value as { files?: unknown } | null)?.files;
  if (!Array.isArray(list)) throw new ManifestError(`${source}: expected a JSON array of files or {"files": [...]}`);
  const seen = new Set<string>();
  return list.map((raw, i) => {
    const at = `${source}: entry ${i}`;
    if (raw === null || typeof raw !== 'object') throw new ManifestError(`${at}: expected an object`);
    const r = raw as Record<string, unknown>;
    const str = (k: string, re: RegExp): string => {
      const v = r[k];
      if (typeof v !== 'string' || !re.test(v)) throw new ManifestError(`${at}: "${k}" is missing or invalid (${JSON.stringify(v)})`);
      return v;
    };
    const repo = str('repo', REPO_RE);
    const revision = str('revision', REV_RE);
    if (revision.split('/').some((s) => s === '..' || s === '.')) throw new ManifestError(`${at}: "revision" is invalid`);
    const p = str('path', SAFE_PATH_RE);
    const role = r.role;
    if (role !== 'base' && !(typeof role === 'string' && role.startsWith('adapter:') && (ADAPTERS as readonly string[]).includes(role.slice(8)))) {
      throw new ManifestError(`${at}: "role" must be "base" or "adapter:<${ADAPTERS.join('|')}>", got ${JSON.stringify(role)}`);
    }
    const size = r.size ?? null;
    if (size !== null && !(typeof size === 'number' && Number.isSafeInteger(size) && size >= 0)) throw new ManifestError(`${at}: "size" must be a non-negative integer or null`);
    let sha = r.sha256 ?? null;
    if (sha !== null) {
      if (typeof sha !== 'string' || !SHA256_RE.test(sha.toLowerCase())) throw new ManifestError(`${at}: "sha256" must be 64 hex digits or null`);
      sha = sha.toLowerCase();
    }
    const key = `${role}\0${p}`;
    if (seen.has(key)) throw new ManifestError(`${at}: duplicate file ${p} for role ${role}`);
    seen.add(key);
    const e: ManifestEntry = { repo, revision, path: p, size: size as number | null, sha256: sha as string | null, role: role as ManifestRole };
    if (typeof r.provenance === 'string') e.provenance = r.provenance;
    return e;
  });
}

export async function loadManifest(file: string): Promise<Manifest> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new ManifestError(`cannot read manifest ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${file}: invalid JSON (${(e as Error).message})`);
  }
  return validateManifest(value, file);
}
