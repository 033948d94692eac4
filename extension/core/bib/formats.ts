/**
 * Which files are bibliographies, by name alone. Kept apart from the parsers so that the extension
 * host (file watcher, discovery) can ask without loading the LaTeX decoding libraries: parsing runs
 * in the worker.
 */
import * as path from 'node:path';

export type BibliographyFormat = 'bibtex' | 'csl-json' | 'csl-yaml' | 'markdown';

const BY_EXTENSION: Record<string, BibliographyFormat> = {
  '.bib': 'bibtex',
  '.bibtex': 'bibtex',
  '.biblatex': 'bibtex',
  '.json': 'csl-json',
  '.yaml': 'csl-yaml',
  '.yml': 'csl-yaml',
  '.md': 'markdown',
  '.qmd': 'markdown',
  '.rmd': 'markdown',
  '.markdown': 'markdown',
};

/**
 * Format of a path by its extension. `.json`/`.yaml` are claimed as CSL; the parsers report a diagnostic (not
 * records) when such a file turns out not to be a CSL bibliography, so the indexer may offer them freely.
 */
export function isBibliographyPath(p: string): BibliographyFormat | undefined {
  const lower = p.toLowerCase().replace(/\\/g, '/');
  if (lower.endsWith('.csl.json')) return 'csl-json';
  const format = BY_EXTENSION[path.posix.extname(lower)];
  if ((format === 'csl-json' || format === 'csl-yaml') && isKnownConfigFile(lower)) return undefined;
  return format;
}

/** Tooling JSON/YAML that is never a bibliography (keeps workspace scans from reporting every package.json). */
const CONFIG_BASENAMES = new Set([
  'package.json', 'package-lock.json', 'npm-shrinkwrap.json', 'tsconfig.json', 'jsconfig.json', 'composer.json',
  'manifest.json', 'settings.json', 'launch.json', 'tasks.json', 'extensions.json', 'devcontainer.json',
  '.eslintrc.json', '.prettierrc.json', 'renovate.json', 'vercel.json', 'lerna.json', 'nx.json', 'turbo.json',
  'pnpm-lock.yaml', 'docker-compose.yml', 'docker-compose.yaml', 'compose.yml', 'compose.yaml', '.gitlab-ci.yml',
  'mkdocs.yml', '_config.yml', 'environment.yml', 'environment.yaml', 'pubspec.yaml', 'codecov.yml', '.travis.yml',
  'action.yml', 'action.yaml', 'dependabot.yml', 'citation.cff', '_quarto.yml', '_bookdown.yml', '_output.yml',
]);

function isKnownConfigFile(lowerPosixPath: string): boolean {
  const base = path.posix.basename(lowerPosixPath);
  if (CONFIG_BASENAMES.has(base) || /^tsconfig\..*\.json$/.test(base) || base.endsWith('.schema.json')) return true;
  return /(?:^|\/)(?:node_modules|\.git|\.vscode|\.github|\.idea)\//.test(lowerPosixPath);
}
