import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BibliographyFilter, enabledGlobs } from '../../../extension/core/bib/fileFilter';

const INCLUDE = ['**/*.{bib,bibtex,biblatex}', '**/*.{json,yaml,yml}', '**/*.{md,markdown,qmd,rmd,Rmd}'];

test('one rule for scan and watcher: bibliography names, include globs, relatedPapers.exclude + files.exclude', () => {
  const f = new BibliographyFilter(INCLUDE, ['**/node_modules/**', ...enabledGlobs({ '**/archive': true, '**/drafts/old': true, '**/keep': false })]);
  assert.equal(f.accepts('refs/library.bib'), true);
  assert.equal(f.accepts('library.bib'), true);
  assert.equal(f.accepts('notes/reading.md'), true);
  assert.equal(f.accepts('node_modules/pkg/x.bib'), false, 'relatedPapers.exclude');
  assert.equal(f.accepts('archive/old.bib'), false, 'files.exclude folder pattern covers what is inside');
  assert.equal(f.accepts('papers/archive/x.bib'), false);
  assert.equal(f.accepts('drafts/old/refs.bib'), false);
  assert.equal(f.accepts('keep/refs.bib'), true, 'a files.exclude entry switched off does not exclude');
  assert.equal(f.accepts('package.json'), false, 'tool configuration is never a bibliography');
  assert.equal(f.accepts('.github/workflows/ci.yml'), false);
  assert.equal(f.accepts('src/main.ts'), false);
  assert.equal(f.accepts('.hidden/refs.bib'), true, 'dot folders match ** as in VS Code');
  const onlyBib = new BibliographyFilter(['**/*.bib'], []);
  assert.equal(onlyBib.accepts('notes/reading.md'), false, 'include narrows');
  assert.equal(onlyBib.accepts('win\\style\\refs.bib'), true, 'backslashes are separators');
});
