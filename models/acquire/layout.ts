/**
 * The on-disk layout of a model directory (`DIR/base/…`, `DIR/adapters/<name>/…`) and the check
 * that a folder holds every file the runtime needs. Shared by the resolver and the downloader.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AdapterName } from '../types';
import { ADAPTER_REQUIRED, BASE_REQUIRED, BASE_WEIGHTS, roleAdapter, type ManifestRole } from './manifest';

/** Written by the downloader at `DIR/<RECORD_FILE>`: what was fetched from where (commit, sha256). */
export const RECORD_FILE = 'related-papers-model.json';

export interface DownloadRecordFile {
  role: ManifestRole;
  repo: string;
  /** Revision asked for (may be a branch). */
  revision: string;
  /** Commit the hub resolved it to (X-Repo-Commit), or null if the server did not say. */
  commit: string | null;
  path: string;
  size: number;
  sha256: string;
}
export interface DownloadRecord {
  version: 1;
  endpoint: string;
  files: DownloadRecordFile[];
}

export function baseDir(root: string): string {
  return path.join(root, 'base');
}
export function adapterDir(root: string, name: AdapterName): string {
  return path.join(root, 'adapters', name);
}
export function destinationFor(root: string, role: ManifestRole, repoPath: string): string {
  const a = roleAdapter(role);
  const dir = a === null ? baseDir(root) : adapterDir(root, a);
  return path.join(dir, ...repoPath.split('/'));
}

/** True when `p` exists and is (or links to) a regular file. Broken symlinks count as missing. */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isFile();
  } catch {
    return false;
  }
}

/** First missing required file of a base folder (absolute path), or null when complete. */
export async function missingBaseFile(dir: string): Promise<string | null> {
  for (const f of BASE_REQUIRED) if (!(await isFile(path.join(dir, f)))) return path.join(dir, f);
  for (const f of BASE_WEIGHTS) if (await isFile(path.join(dir, f))) return null;
  return path.join(dir, `${BASE_WEIGHTS.join(' or ')}`);
}

/** First missing required file of an adapter folder, or null when complete. */
export async function missingAdapterFile(dir: string): Promise<string | null> {
  for (const f of ADAPTER_REQUIRED) if (!(await isFile(path.join(dir, f)))) return path.join(dir, f);
  return null;
}
