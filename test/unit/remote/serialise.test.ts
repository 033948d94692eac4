/** BibTeX serialiser: round trip through the project's own parser, hostile strings stay inert. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBibliography } from '../../../extension/core/bib';
import { entryToBibtex, escapeBibValue, safeBibKey, uniqueBibKey, type SerialisableEntry } from '../../../extension/core/bib/serialise';

function parse(text: string) {
  return parseBibliography('/tmp/x.bib', new TextEncoder().encode(text));
}

const base: SerialisableEntry = {
  key: 'vaswani2017', type: 'inproceedings', title: 'Attention is all you need', abstract: 'We propose the Transformer.',
  authors: 'Vaswani, Ashish; Shazeer, Noam', year: 2017, venue: 'Advances in Neural Information Processing Systems',
  doi: '10.5555/3295222.3295349', url: 'https://papers.nips.cc/paper/7181', arxiv_id: '1706.03762',
};

test('a plain entry round-trips through parseBibliography field by field', () => {
  const bib = entryToBibtex(base);
  const { records, diagnostics } = parse(bib);
  assert.deepEqual(diagnostics.filter((d) => d.severity === 'error'), []);
  assert.equal(records.length, 1);
  const r = records[0];
  assert.equal(r.key, 'vaswani2017');
  assert.equal(r.type, 'inproceedings');
  assert.equal(r.title, base.title);
  assert.equal(r.abstract, base.abstract);
  assert.deepEqual(r.authors, ['Vaswani, Ashish', 'Shazeer, Noam']);
  assert.equal(r.year, 2017);
  assert.equal(r.venue, base.venue);
  assert.equal(r.doi, base.doi);
  assert.equal(r.arxivId, '1706.03762');
  assert.equal(r.url, base.url);
});

test('LaTeX specials, unicode and hostile text survive as text: one entry, same strings, no command injected', () => {
  const hostile: SerialisableEntry = {
    ...base,
    key: 'evil key,}{@',
    title: 'Costs & benefits: 50% of $x_1$ ~ #2 ^ {braces} \\input{/etc/passwd} Über naïve',
    abstract: 'line one\n@article{injected, title={pwned}}\nline three } } }',
    authors: ['Müller, Jörg', 'The {LIGO} Collaboration'],
  };
  const bib = entryToBibtex(hostile);
  assert.doesNotMatch(bib, /^@article\{injected/m, 'no second entry can start');
  assert.doesNotMatch(bib, /(?<!\\textbackslash\{\})\\input\{/, 'no raw LaTeX command');
  const { records } = parse(bib);
  assert.equal(records.length, 1, bib);
  const r = records[0];
  assert.equal(r.key, 'evilkey');
  assert.equal(r.title, hostile.title);
  assert.equal(r.abstract, 'line one @article{injected, title={pwned}} line three } } }');
  assert.deepEqual(r.authors, ['Müller, Jörg', 'The {LIGO} Collaboration']);
});

test('missing fields are left out; unknown types become misc; huge values are bounded', () => {
  const bib = entryToBibtex({ key: 'k', type: 'markdown-item', title: 'T'.repeat(100_000), abstract: '', authors: '', year: null, venue: null, doi: null, url: 'javascript:alert(1)', arxiv_id: null });
  assert.match(bib, /^@misc\{k,\n {2}title = \{T+\},\n\}\n$/);
  assert.ok(bib.length < 21_000);
  assert.equal(parse(bib).records[0].title.length, 20_000);
});

test('keys: unsafe characters removed; collisions get a suffix (case-insensitive)', () => {
  assert.equal(safeBibKey('Smith 2020, {x}'), 'Smith2020x');
  assert.equal(safeBibKey('Çelik2021'), 'Celik2021');
  assert.equal(safeBibKey('{}', 'fallback'), 'fallback');
  assert.equal(uniqueBibKey('smith2020', ['Smith2020', 'smith2020-2']), 'smith2020-3');
  assert.equal(uniqueBibKey('new', ['old']), 'new');
  assert.equal(escapeBibValue('a\u0007b\r\nc'), 'ab c');
});
