/**
 * Finding bibliography files under folders (the CLI's `index PATH...`; the extension uses VS Code's
 * own file search instead). Skips dependency/VCS/build folders and hidden folders, never follows
 * symlinked folders (cycles), and reports unreadable folders instead of failing.
 */
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { isBibliographyPath } from '../bib/formats';

const SKIP_DIRS = new Set(['node_modules', 'dist', 'out', 'build', 'target', '__pycache__', 'venv']);

export interface DiscoverResult {
  files: string[];
  /** Folders that could not be listed, with the reason. */
  problems: { path: string; message: string }[];
}

export async function findBibliographyFiles(root: string, maxFiles = 100_000): Promise<DiscoverResult> {
  const files: string[] = [];
  const problems: DiscoverResult['problems'] = [];
  const stack = [path.resolve(root)];
  while (stack.length && files.length < maxFiles) {
    const dir = stack.pop()!;
    let entries;
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (e) {
      problems.push({ path: dir, message: `cannot list folder: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!e.name.startsWith('.') && !SKIP_DIRS.has(e.name)) stack.push(p);
      } else if ((e.isFile() || e.isSymbolicLink()) && isBibliographyPath(e.name) && !e.name.startsWith('.')) {
        files.push(p);
      }
    }
  }
  if (files.length >= maxFiles) problems.push({ path: root, message: `stopped after ${maxFiles} files` });
  return { files: files.sort(), problems };
}
