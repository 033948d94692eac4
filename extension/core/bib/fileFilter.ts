/**
 * THE rule for which workspace files are bibliographies, shared by the initial scan and the file
 * watcher: a bibliography name (isBibliographyPath: no package.json, CI YAML, …), matched by one of
 * the include globs and by none of the exclude globs (relatedPapers.exclude together with VS Code's
 * files.exclude). Globs are matched by minimatch, with VS Code's conventions (dot files match, `**`).
 */
import { minimatch } from 'minimatch';
import { isBibliographyPath } from './formats';

const OPTS = { dot: true, nocase: process.platform === 'win32' } as const;

export class BibliographyFilter {
  constructor(private readonly include: readonly string[], private readonly exclude: readonly string[]) {}

  /** `relativePath`: the file's path relative to its workspace folder, with `/` separators. */
  accepts(relativePath: string): boolean {
    const p = relativePath.replace(/\\/g, '/');
    if (!isBibliographyPath(p)) return false;
    if (!this.include.some((g) => minimatch(p, g, OPTS))) return false;
    return !this.exclude.some((g) => minimatch(p, g, OPTS) || minimatch(p, `${g.replace(/\/$/, '')}/**`, OPTS));
  }
}

/** The patterns of a files.exclude-style object that are switched on (`{"**\/out": true}`). */
export function enabledGlobs(setting: Record<string, unknown> | undefined): string[] {
  return Object.entries(setting ?? {}).filter(([, on]) => on === true).map(([g]) => g);
}
