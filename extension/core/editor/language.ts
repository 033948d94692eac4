/** Which editor documents the cursor follower understands, by languageId and by file extension. */
import type { DocLanguage } from './markup';

export type FollowedLanguage = DocLanguage | 'bibtex';

const BY_ID: Record<string, FollowedLanguage> = {
  latex: 'latex',
  tex: 'latex',
  'latex-expl3': 'latex',
  context: 'latex',
  markdown: 'markdown',
  quarto: 'markdown',
  rmd: 'markdown',
  rmarkdown: 'markdown',
  pandoc: 'markdown',
  typst: 'typst',
  plaintext: 'plaintext',
  bibtex: 'bibtex',
  biblatex: 'bibtex',
  bib: 'bibtex',
};

const BY_EXT: Record<string, FollowedLanguage> = {
  '.tex': 'latex',
  '.latex': 'latex',
  '.ltx': 'latex',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.qmd': 'markdown',
  '.rmd': 'markdown',
  '.typ': 'typst',
  '.txt': 'plaintext',
  '.bib': 'bibtex',
};

/**
 * The language to use for a document. The file extension wins over a generic languageId ("plaintext" is
 * what VS Code reports for .typ/.qmd/.Rmd when no language extension is installed).
 */
export function followedLanguage(languageId: string, fileName: string): FollowedLanguage | undefined {
  const dot = fileName.lastIndexOf('.');
  const slash = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  const ext = dot > slash ? fileName.slice(dot).toLowerCase() : '';
  return BY_EXT[ext] ?? BY_ID[languageId.toLowerCase()];
}
