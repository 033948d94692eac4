/**
 * Read-only lookup of model snapshots in a Hugging Face hub cache, following huggingface_hub's
 * layout and environment rules:
 *
 *   <cache>/models--<owner>--<name>/refs/<branch>        file holding a commit sha
 *   <cache>/models--<owner>--<name>/snapshots/<commit>/… files (usually symlinks into ../../blobs)
 *
 * Cache folder: `$HF_HUB_CACHE`, else legacy `$HUGGINGFACE_HUB_CACHE`, else `$HF_HOME/hub`, else
 * `$XDG_CACHE_HOME/huggingface/hub`, else `~/.cache/huggingface/hub` (huggingface_hub constants.py).
 * We never write to the cache.
 */
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';

export function defaultHubCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const expand = (p: string) => (p === '~' || p.startsWith('~/') ? path.join(os.homedir(), p.slice(1)) : p);
  if (env.HF_HUB_CACHE) return expand(env.HF_HUB_CACHE);
  if (env.HUGGINGFACE_HUB_CACHE) return expand(env.HUGGINGFACE_HUB_CACHE);
  if (env.HF_HOME) return path.join(expand(env.HF_HOME), 'hub');
  const xdg = env.XDG_CACHE_HOME ? expand(env.XDG_CACHE_HOME) : path.join(os.homedir(), '.cache');
  return path.join(xdg, 'huggingface', 'hub');
}

/** `allenai/specter2_base` → `models--allenai--specter2_base` (huggingface_hub repo_folder_name). */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

const COMMIT_RE = /^[0-9a-f]{40}$/;

export type SnapshotLookup =
  | { ok: true; dir: string; commit: string }
  | { ok: false; reason: string };

/**
 * Find the snapshot folder of `repo` for `revision` (a commit sha or a ref such as `main`).
 * A commit is looked up directly; a ref through `refs/<ref>`, as huggingface_hub does offline.
 * `fallbackRefs` are tried when the requested revision is absent (e.g. pinned commit not cached,
 * but `refs/main` is): the caller learns the commit actually used.
 */
export async function findSnapshot(cacheDir: string, repo: string, revision: string, fallbackRefs: readonly string[] = []): Promise<SnapshotLookup> {
  const repoDir = path.join(cacheDir, repoFolderName(repo));
  try {
    await fs.access(repoDir);
  } catch {
    return { ok: false, reason: `${repo} is not in the Hugging Face cache (${repoDir} not found)` };
  }
  const tried: string[] = [];
  for (const rev of [revision, ...fallbackRefs.filter((r) => r !== revision)]) {
    let commit: string | null = null;
    if (COMMIT_RE.test(rev)) {
      commit = rev;
    } else {
      const refFile = path.join(repoDir, 'refs', ...rev.split('/'));
      try {
        const text = (await fs.readFile(refFile, 'utf8')).trim();
        if (COMMIT_RE.test(text)) commit = text;
        else tried.push(`${refFile} does not hold a commit sha`);
      } catch {
        tried.push(`no ref ${rev} (${refFile})`);
      }
    }
    if (commit === null) continue;
    const dir = path.join(repoDir, 'snapshots', commit);
    try {
      if ((await fs.stat(dir)).isDirectory()) return { ok: true, dir, commit };
    } catch {
      /* fall through */
    }
    tried.push(`no snapshot ${commit.slice(0, 12)} (${dir})`);
  }
  return { ok: false, reason: `${repo}: ${tried.join('; ')}` };
}
