import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyEdit, CitationError, planCitation } from '../../../extension/core/editor/citation';
import type { DocLanguage } from '../../../extension/core/editor/markup';

/** Cite `key` at the `|` in `src`; returns the resulting text. */
function cite(src: string, lang: DocLanguage, key: string, cmd = '\\cite'): string {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0, 'test source needs a | cursor');
  const text = src.slice(0, offset) + src.slice(offset + 1);
  const edit = planCitation(text, lang, offset, key, { latexCommand: cmd });
  return applyEdit(text, edit);
}

test('LaTeX: new citation with the configured command', () => {
  assert.equal(cite('as shown in |', 'latex', 'smith2020'), 'as shown in \\cite{smith2020}');
  assert.equal(cite('as shown in |', 'latex', 'smith2020', '\\citep'), 'as shown in \\citep{smith2020}');
  assert.equal(cite('as shown in |', 'latex', 'smith2020', 'autocite'), 'as shown in \\autocite{smith2020}');
  assert.equal(cite('as shown in |', 'latex', 'k', '\\parencite*'), 'as shown in \\parencite*{k}');
});

test('LaTeX: a citation glued to a word gets a tie', () => {
  assert.equal(cite('transformers|.', 'latex', 'vaswani'), 'transformers~\\cite{vaswani}.');
  assert.equal(cite('(|)', 'latex', 'k'), '(\\cite{k})');
});

test('LaTeX: merges into an adjacent citation instead of nesting', () => {
  assert.equal(cite('see \\cite{a}|', 'latex', 'key'), 'see \\cite{a,key}');
  assert.equal(cite('see \\cite{a} |', 'latex', 'key'), 'see \\cite{a,key} ');
  assert.equal(cite('see \\cite{a|}', 'latex', 'key'), 'see \\cite{a,key}');
  assert.equal(cite('see \\cite{a, b|}', 'latex', 'key'), 'see \\cite{a, b,key}');
  assert.equal(cite('see |\\citep{a} now', 'latex', 'key', '\\cite'), 'see \\citep{a,key} now');
  assert.equal(cite('see \\citep[p.~3]{a}|', 'latex', 'key'), 'see \\citep[p.~3]{a,key}');
  assert.equal(cite('see \\textcite[see][12]{a}|', 'latex', 'key'), 'see \\textcite[see][12]{a,key}');
  assert.equal(cite('see \\cite{|}', 'latex', 'key'), 'see \\cite{key}');
  assert.equal(cite('see \\cite{a,|}', 'latex', 'key'), 'see \\cite{a,key}');
});

test('LaTeX: no duplicate keys, and text/newlines break adjacency', () => {
  assert.equal(cite('see \\cite{a,key}|', 'latex', 'key'), 'see \\cite{a,key}');
  const edit = planCitation('see \\cite{key}', 'latex', 14, 'key');
  assert.equal(edit.alreadyCited, true);
  assert.equal(edit.insertText, '');
  assert.equal(cite('see \\cite{a} and |', 'latex', 'key'), 'see \\cite{a} and \\cite{key}');
  assert.equal(cite('see \\cite{a}\n|', 'latex', 'key'), 'see \\cite{a}\n\\cite{key}');
  // multi-cite commands are not merged into
  assert.equal(cite('\\cites{a}{b}|', 'latex', 'k'), '\\cites{a}{b}\\cite{k}');
});

test('LaTeX: keys and settings that cannot be written are refused with a clear message', () => {
  assert.throws(() => planCitation('x', 'latex', 0, 'a,b'), CitationError);
  assert.throws(() => planCitation('x', 'latex', 0, 'a b'), /cannot be written/);
  assert.throws(() => planCitation('x', 'latex', 0, 'k', { latexCommand: '\\cite{' }), /relatedPapers\.citationCommand/);
  assert.throws(() => planCitation('x', 'latex', 0, 'k\u0007'), /control character/);
});

test('Pandoc: [@key], merging into [@a; @b]', () => {
  assert.equal(cite('as shown|', 'markdown', 'smith2020'), 'as shown [@smith2020]');
  assert.equal(cite('as shown |', 'markdown', 'smith2020'), 'as shown [@smith2020]');
  assert.equal(cite('shown [@a; @b]|.', 'markdown', 'key'), 'shown [@a; @b; @key].');
  assert.equal(cite('shown [@a, p. 3]|.', 'markdown', 'key'), 'shown [@a, p. 3; @key].');
  assert.equal(cite('shown [see @a|]', 'markdown', 'key'), 'shown [see @a; @key]');
  assert.equal(cite('shown [@a; @key]|', 'markdown', 'key'), 'shown [@a; @key]');
  assert.equal(cite('shown [@{odd key}]|', 'markdown', 'odd key'), 'shown [@{odd key}]');
  // a link is not a citation
  assert.equal(cite('[text](http://x) |', 'markdown', 'k'), '[text](http://x) [@k]');
});

test('Pandoc: keys outside the simple syntax use @{…}', () => {
  assert.equal(cite('x |', 'markdown', 'odd key'), 'x [@{odd key}]');
  assert.equal(cite('x |', 'markdown', 'ends-with.'), 'x [@{ends-with.}]');
  assert.equal(cite('x |', 'markdown', 'doi:10.1/abc'), 'x [@doi:10.1/abc]');
  assert.throws(() => planCitation('x', 'markdown', 0, 'a}b'), CitationError);
});

test('Typst: @key, #cite(<key>) for keys @ cannot spell, groups without duplicates', () => {
  assert.equal(cite('as shown|', 'typst', 'smith2020'), 'as shown @smith2020');
  assert.equal(cite('as shown @a|', 'typst', 'key'), 'as shown @a @key');
  assert.equal(cite('as shown @a @key|', 'typst', 'key'), 'as shown @a @key');
  assert.equal(cite('as shown @key @b|', 'typst', 'key'), 'as shown @key @b');
  assert.equal(cite('x |', 'typst', 'ends.'), 'x #cite(<ends.>)');
  assert.equal(cite('x |', 'typst', 'has space'), 'x #cite(label("has space"))');
  assert.equal(cite('x |', 'typst', 'quo"te'), 'x #cite(label("quo\\"te"))');
  assert.equal(cite('shown #cite(<ends.>)|', 'typst', 'ends.'), 'shown #cite(<ends.>)');
  assert.equal(cite('mail me@a.org |', 'typst', 'a'), 'mail me@a.org @a');
});

test('plain text: [key], merging into [a]', () => {
  assert.equal(cite('as shown|', 'plaintext', 'k1'), 'as shown [k1]');
  assert.equal(cite('as shown [a]|', 'plaintext', 'k1'), 'as shown [a; k1]');
  assert.equal(cite('as shown [a, b] |', 'plaintext', 'k1'), 'as shown [a, b, k1] ');
  assert.equal(cite('as shown [k1]|', 'plaintext', 'k1'), 'as shown [k1]');
});

test('edits are minimal: merging only inserts, never rewrites the existing citation', () => {
  const text = 'A \\cite{a} B';
  const e = planCitation(text, 'latex', 10, 'b');
  assert.equal(e.deleteLength, 0);
  assert.equal(e.merged, true);
  assert.equal(e.offset, 9);
  assert.equal(e.insertText, ',b');
});

// A citation is never glued to the start of the following word: `\cite{k}current` renders as "[1]current",
// and in Typst `@keycurrent` would even cite a different label.
test('start of a line or word: the new citation is followed by a space', () => {
  assert.equal(cite('|current work', 'latex', 'k'), '\\cite{k} current work');
  assert.equal(cite('first line\n|current work', 'latex', 'k'), 'first line\n\\cite{k} current work');
  assert.equal(cite('as in |current work', 'latex', 'k'), 'as in \\cite{k} current work');
  assert.equal(cite('|current work', 'markdown', 'k'), '[@k] current work');
  assert.equal(cite('as in |current work', 'markdown', 'k'), 'as in [@k] current work');
  assert.equal(cite('|current work', 'typst', 'k'), '@k current work');
  assert.equal(cite('line\n|current work', 'typst', 'k'), 'line\n@k current work');
  assert.equal(cite('|-based', 'typst', 'k'), '@k -based', 'a hyphen would become part of the Typst label');
  assert.equal(cite('|current work', 'plaintext', 'k'), '[k] current work');
  // unchanged where nothing follows or punctuation/space follows
  assert.equal(cite('|', 'latex', 'k'), '\\cite{k}');
  assert.equal(cite('word|.', 'latex', 'k'), 'word~\\cite{k}.');
  assert.equal(cite('word| next', 'latex', 'k'), 'word~\\cite{k} next');
  assert.equal(cite('word|.', 'typst', 'k'), 'word @k.');
  assert.equal(cite('word|.', 'markdown', 'k'), 'word [@k].');
});

test('inside a word: the citation goes to the end of the word, never splitting it', () => {
  assert.equal(cite('trans|formers are good', 'latex', 'k'), 'transformers~\\cite{k} are good');
  assert.equal(cite('trans|formers.', 'latex', 'k'), 'transformers~\\cite{k}.');
  assert.equal(cite('state-of-the-a|rt models', 'latex', 'k'), 'state-of-the-art~\\cite{k} models');
  assert.equal(cite('state-|of-the-art models', 'latex', 'k'), 'state-of-the-art~\\cite{k} models');
  assert.equal(cite('trans|formers are good', 'markdown', 'k'), 'transformers [@k] are good');
  assert.equal(cite('trans|formers are good', 'typst', 'k'), 'transformers @k are good');
  assert.equal(cite('trans|formers are good', 'plaintext', 'k'), 'transformers [k] are good');
  // the end of the word touching a citation merges into it
  assert.equal(cite('transfor|mers~\\cite{a}', 'latex', 'k'), 'transformers~\\cite{a,k}');
  // a cursor inside a key of an existing citation still merges (the key is not split)
  assert.equal(cite('see \\cite{sm|ith}', 'latex', 'k'), 'see \\cite{smith,k}');
  assert.equal(cite('see [@sm|ith]', 'markdown', 'k'), 'see [@smith; @k]');
  assert.equal(cite('see @sm|ith', 'typst', 'k'), 'see @smith @k');
  assert.equal(cite('they don|’t agree', 'latex', 'k'), 'they don’t~\\cite{k} agree');
});

test('start-of-word and mid-word insertions are ONE insertion (one Undo restores the text)', () => {
  const cases = [['|current', 'latex', 0], ['cur|rent x', 'latex', 7], ['cur|rent x', 'markdown', 7], ['|current', 'typst', 0]] as const;
  for (const [src, lang, at] of cases) {
    const offset = src.indexOf('|');
    const text = src.slice(0, offset) + src.slice(offset + 1);
    const e = planCitation(text, lang, offset, 'k');
    assert.deepEqual([e.offset, e.deleteLength, e.merged], [at, 0, false], src);
  }
});
