import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bibliographyDirectives, completionSiteAt, type DocLanguage } from '../../../extension/core/citations/grammar';
import { citationsOf, keyAt } from '../../../extension/core/citations/document';

/** Every key range must cut exactly the key out of the source. */
function keysWithRanges(src: string, lang: DocLanguage) {
  return citationsOf(src, lang).map((c) => {
    for (const k of c.keyRanges) assert.equal(src.slice(k.start, k.end), k.key, `range of ${k.key}`);
    return { command: c.command, keys: c.keys, text: src.slice(c.start, c.end) };
  });
}

test('LaTeX: natbib/biblatex variants, starred forms, [pre][post], multi-key and multi-cite', () => {
  const src = String.raw`A \cite{a} B \citep[see][p.~3]{b, c} C \citet*{d} D \autocite[12]{e}
E \parencite{f} \textcite{g} \footcite{h} \Citep{i} \citeauthor{j} \cites[x][y]{k}[z]{l, m} \nocite{*}`;
  const got = keysWithRanges(src, 'latex');
  assert.deepEqual(got.map((g) => g.keys), [['a'], ['b', 'c'], ['d'], ['e'], ['f'], ['g'], ['h'], ['i'], ['j'], ['k', 'l', 'm'], ['*']]);
  assert.deepEqual(got.map((g) => g.command), ['cite', 'citep', 'citet', 'autocite', 'parencite', 'textcite', 'footcite', 'Citep', 'citeauthor', 'cites', 'nocite']);
  assert.equal(got[1]!.text, String.raw`\citep[see][p.~3]{b, c}`);
  // a comment is not a citation; \ref is not one
  assert.deepEqual(keysWithRanges('x % \\cite{hidden}\n\\ref{fig} y', 'latex'), []);
});

test('Pandoc: [@a; @b], bare @key, [-@key], @{odd key}; no e-mail, no Quarto cross-reference', () => {
  const src = 'As [see @a, p. 3; -@b] and @c say, [-@d]; [@{odd key}] me@mail.org @fig-one.';
  const got = keysWithRanges(src, 'markdown');
  assert.deepEqual(got.map((g) => g.keys), [['a', 'b'], ['c'], ['d'], ['odd key'], []]);
});

test('Typst: @key, @key[supplement], #cite(<key>), #cite(label("…"))', () => {
  const src = 'See @a and @b:c[p. 2]. #cite(<d>, supplement: [x]) #cite(label("e f")) mail x@y.org.';
  const got = keysWithRanges(src, 'typst');
  assert.deepEqual(got.map((g) => g.keys).sort(), [['a'], ['b:c'], ['d'], ['e f']]);
});

test('keyAt: only over the key itself, not over the command or brackets', () => {
  const src = String.raw`Text \citep[see][]{alpha, beta} more.`;
  assert.equal(keyAt(src, src.indexOf('beta') + 2, 'latex')?.key, 'beta');
  assert.equal(keyAt(src, src.indexOf('alpha'), 'latex')?.key, 'alpha');
  assert.equal(keyAt(src, src.indexOf('citep') + 1, 'latex'), undefined);
  assert.equal(keyAt(src, src.indexOf('see'), 'latex'), undefined);
  const md = 'Shown [@alpha; @beta].';
  assert.equal(keyAt(md, md.indexOf('beta'), 'markdown')?.key, 'beta');
  assert.equal(keyAt(md, md.indexOf('['), 'markdown'), undefined);
});

/** `|` marks the cursor. */
function site(src: string, lang: DocLanguage) {
  const offset = src.indexOf('|');
  const text = src.slice(0, offset) + src.slice(offset + 1);
  const s = completionSiteAt(text, offset, lang);
  return s && { typed: s.typed, replaced: text.slice(s.start, s.end), others: s.otherKeys, ...(s.closer ? { closer: s.closer } : {}) };
}

test('completion site: LaTeX after \\cite{, a comma, [pre][post], starred, unclosed, inside a comment', () => {
  assert.deepEqual(site('see \\cite{|', 'latex'), { typed: '', replaced: '', others: [], closer: '}' });
  assert.deepEqual(site('see \\cite{|}', 'latex'), { typed: '', replaced: '', others: [] });
  assert.deepEqual(site('see \\citep[see][12]{a, vas|wani} x', 'latex'), { typed: 'vas', replaced: 'vaswani', others: ['a'] });
  assert.deepEqual(site('see \\citet*{a,|,b}', 'latex'), { typed: '', replaced: '', others: ['a', 'b'] });
  assert.deepEqual(site('\\autocite{vaswani att|', 'latex'), { typed: 'vaswani att', replaced: 'vaswani att', others: [], closer: '}' });
  assert.deepEqual(site('\\cites{a}[p]{b|}', 'latex'), { typed: 'b', replaced: 'b', others: ['a'] });
  assert.equal(site('% \\cite{|', 'latex'), undefined);
  assert.equal(site('\\ref{|', 'latex'), undefined);
  assert.equal(site('\\cite{a} |', 'latex'), undefined);
});

test('completion site: Pandoc [@, [-@, @ after a space, inside a bracket; never an e-mail', () => {
  assert.deepEqual(site('as [@|', 'markdown'), { typed: '', replaced: '', others: [], closer: ']' });
  assert.deepEqual(site('as [-@sm|]', 'markdown'), { typed: 'sm', replaced: 'sm', others: [] });
  assert.deepEqual(site('as @sm|ith says', 'markdown'), { typed: 'sm', replaced: 'smith', others: [] });
  assert.deepEqual(site('as [@a; @|; @b]', 'markdown'), { typed: '', replaced: '', others: ['a', 'b'] });
  assert.equal(site('mail me@|', 'markdown'), undefined);
});

test('completion site: Typst @ and #cite(<', () => {
  assert.deepEqual(site('as @|', 'typst'), { typed: '', replaced: '', others: [] });
  assert.deepEqual(site('as @a @b @c|', 'typst'), { typed: 'c', replaced: 'c', others: ['a', 'b'] });
  assert.deepEqual(site('as #cite(<vas|', 'typst'), { typed: 'vas', replaced: 'vas', others: [], closer: '>)' });
  assert.deepEqual(site('as #cite(<vas|>)', 'typst'), { typed: 'vas', replaced: 'vas', others: [] });
  assert.equal(site('mail x@|', 'typst'), undefined);
  assert.equal(site('plain [|', 'plaintext'), undefined);
});

test('bibliography directives: \\bibliography, \\addbibresource, front matter, #bibliography, \\nocite{*}, \\bibitem', () => {
  const tex = String.raw`\addbibresource{refs.bib}
\bibliography{anthology, other}
%\bibliography{commented}
\nocite{*}
\begin{thebibliography}{9}
\bibitem[Knuth(1984)]{knuth84} D. Knuth.
\bibitem{lamport94} L. Lamport.
\end{thebibliography}`;
  const d = bibliographyDirectives(tex, 'latex');
  assert.deepEqual(d.files, ['refs.bib', 'anthology.bib', 'other.bib']);
  assert.equal(d.nociteAll, true);
  assert.deepEqual(d.bibitems.map((b) => b.key), ['knuth84', 'lamport94']);
  assert.equal(bibliographyDirectives('\\nocite{a}', 'latex').nociteAll, false);
  assert.deepEqual(bibliographyDirectives('---\ntitle: x\nbibliography: paper.bib\n---\n', 'markdown').files, ['paper.bib']);
  assert.deepEqual(bibliographyDirectives('---\nbibliography:\n  - a.bib\n  - "b.json"\n---\n', 'markdown').files, ['a.bib', 'b.json']);
  assert.deepEqual(bibliographyDirectives('#bibliography(("a.bib", "b.yml"))', 'typst').files, ['a.bib', 'b.yml']);
});
