import { test } from 'node:test';
import assert from 'node:assert/strict';
import { extractContext, paragraphAt } from '../../../extension/core/editor/context';
import { stripMarkup, DEL } from '../../../extension/core/editor/markup';
import { splitSentences } from '../../../extension/core/editor/sentences';
import { followedLanguage } from '../../../extension/core/editor/language';
import { bibEntryAt } from '../../../extension/core/editor/bibEntry';
import { bestSentence } from '../../../extension/core/editor/bestSentence';
import type { DocLanguage } from '../../../extension/core/editor/markup';

function ctx(src: string, lang: DocLanguage, before = 1, after = 0) {
  const offset = src.indexOf('|');
  assert.ok(offset >= 0);
  const text = src.slice(0, offset) + src.slice(offset + 1);
  return extractContext(text, offset, lang, { sentencesBefore: before, sentencesAfter: after });
}

const LATEX = String.raw`\documentclass{article}
\usepackage{amsmath}
\begin{document}
\section{Introduction}

Dense retrieval was popularised by DPR~\cite{karpukhin2020}. % a comment about DPR
Contrastive pre-training of \emph{scientific} document embeddings uses citation links
\citep[see][p.~3]{cohan2020,singh2022}. We embed each sentence with $f(x) = Wx$ and
rank|ed the candidates by cosine similarity. The results are in Table~\ref{tab:res}.
\begin{equation}
  s(q, d) = \frac{q \cdot d}{\|q\| \|d\|}
\end{equation}

Another paragraph cites \parencite{other2021} and \textcite{third}.
\end{document}
`;

test('LaTeX: the cursor sentence plus one before, markup and citations removed', () => {
  const c = ctx(LATEX, 'latex');
  assert.equal(
    c.text,
    'Contrastive pre-training of scientific document embeddings uses citation links. We embed each sentence with and ranked the candidates by cosine similarity.',
  );
  assert.deepEqual(c.paragraphKeys, ['karpukhin2020', 'cohan2020', 'singh2022']);
  assert.deepEqual(c.citedKeys, ['karpukhin2020', 'cohan2020', 'singh2022', 'other2021', 'third']);
});

test('LaTeX: window size before/after is honoured', () => {
  assert.equal(ctx(LATEX, 'latex', 0, 0).text, 'We embed each sentence with and ranked the candidates by cosine similarity.');
  assert.equal(
    ctx(LATEX, 'latex', 0, 1).text,
    'We embed each sentence with and ranked the candidates by cosine similarity. The results are in Table.',
  );
  const wide = ctx(LATEX, 'latex', 5, 5).text;
  assert.match(wide, /^Dense retrieval was popularised by DPR\. Contrastive/);
  assert.doesNotMatch(wide, /comment|frac|Another/);
});

test('LaTeX: comments, math environments, escaped characters, accents', () => {
  const src = String.raw`The caf\'e costs 5\% more \& so on|.  % hidden
\[ x^2 \] $$ y $$ \(z\)`;
  const c = ctx(src, 'latex', 0, 3);
  assert.equal(c.text, 'The cafe costs 5% more & so on.');
  const s = stripMarkup(String.raw`a \cite{x} b`, 'latex');
  assert.equal(s.text.length, String.raw`a \cite{x} b`.length, 'stripping preserves offsets');
  assert.equal(s.text.replaceAll(DEL, ''), 'a  b');
});

test('LaTeX: inline verbatim is not prose', () => {
  const c = ctx(String.raw`Call \verb!f(x) % not a comment! or \lstinline+g()+ or \mintinline{py}{h()} now|.`, 'latex', 0, 0);
  assert.equal(c.text, 'Call or or now.');
});

test('LaTeX: a half-typed document never swallows the paragraph', () => {
  const c = ctx(String.raw`We show $x + y that \cite{a,b} matters| here.`, 'latex', 0, 0);
  assert.equal(c.text, 'We show x + y that matters here.');
  assert.deepEqual(c.paragraphKeys, ['a', 'b']);
  const open = ctx(String.raw`Unclosed \emph{emphasis runs| on.`, 'latex', 0, 0);
  assert.equal(open.text, 'Unclosed emphasis runs on.');
});

const MARKDOWN = `---
title: "A paper"
bibliography: refs.bib
---

# Introduction

Retrieval-augmented models [@lewis2020; @guu2020, p. 4] combine *parametric* and
non-parametric memory. @borgeaud2022 scale this to **trillions** of tokens|, see
[the blog](https://example.org) and \`code\`. Email me@example.org for details.

\`\`\`python
print("not prose @fake")
\`\`\`

Later we cite [-@karpukhin2020] again.
`;

test('Markdown/Pandoc: citations stripped and collected, markup removed', () => {
  const c = ctx(MARKDOWN, 'markdown', 1, 1);
  assert.equal(
    c.text,
    'Retrieval-augmented models combine parametric and non-parametric memory. scale this to trillions of tokens, see the blog and. Email me@example.org for details.',
  );
  assert.deepEqual(c.paragraphKeys, ['lewis2020', 'guu2020', 'borgeaud2022']);
  assert.deepEqual(c.citedKeys, ['lewis2020', 'guu2020', 'borgeaud2022', 'karpukhin2020']);
});

test('Markdown: front matter and headings are not prose', () => {
  const c = ctx('---\ntitle: x|\n---\n\ntext', 'markdown', 0, 0);
  assert.equal(c.text, '');
  assert.equal(ctx('## Related wo|rk\n\nbody', 'markdown').text, 'Related work');
});

const TYPST = `#set page(numbering: "1")
= Introduction

Sparse retrieval such as BM25 @robertson2009 remains strong. // comment
Dense retrievers #cite(<karpukhin2020>, supplement: [p. 7]) learn
embeddings; see #emph[Fig.] <fig:a> and @dpr:2020[Sec. 2] too|. Mail a@b.org.
`;

test('Typst: @key, #cite(<key>), comments and functions', () => {
  const c = ctx(TYPST, 'typst', 1, 0);
  assert.equal(c.text, 'Sparse retrieval such as BM25 remains strong. Dense retrievers learn embeddings; see Fig. and too.');
  assert.deepEqual(c.paragraphKeys, ['robertson2009', 'karpukhin2020', 'dpr:2020']);
});

test('plain text: [key] citations', () => {
  const c = ctx('Known results [smith2020; doe2021] hold|. Next.', 'plaintext', 0, 0);
  assert.equal(c.text, 'Known results hold.');
  assert.deepEqual(c.citedKeys, ['smith2020', 'doe2021']);
});

test('paragraphs are blank-line separated; a cursor on a blank line has no context', () => {
  assert.deepEqual(paragraphAt('a\n\nb c\n\nd', 4), { start: 3, end: 6 });
  assert.equal(ctx('one.\n\n|\n\ntwo.', 'plaintext').text, '');
});

test('sentences: abbreviations, initials and decimals do not split', () => {
  const text = 'Smith et al. Showed it, e.g. BERT in Fig. 3. J. Doe got 0.5 points. Then? Yes!';
  const parts = splitSentences(text).map((s) => text.slice(s.start, s.end));
  assert.deepEqual(parts, ['Smith et al. Showed it, e.g. BERT in Fig. 3.', 'J. Doe got 0.5 points.', 'Then?', 'Yes!']);
});

test('followedLanguage: by extension first, then languageId', () => {
  assert.equal(followedLanguage('plaintext', '/x/paper.typ'), 'typst');
  assert.equal(followedLanguage('plaintext', '/x/paper.Rmd'), 'markdown');
  assert.equal(followedLanguage('quarto', '/x/untitled'), 'markdown');
  assert.equal(followedLanguage('latex', '/x/a.tex'), 'latex');
  assert.equal(followedLanguage('bibtex', '/x/refs.bib'), 'bibtex');
  assert.equal(followedLanguage('python', '/x/a.py'), undefined);
});

test('bibEntryAt: the entry under the cursor, skipping @string and e-mail addresses', () => {
  const bib = `@string{j = "J"}\n\n@article{first,\n  title={A},\n  note={mail x@y.org, z}\n}\n\n@inproceedings{ second ,\n title={B}}\n`;
  assert.equal(bibEntryAt(bib, 5), undefined);
  assert.deepEqual(bibEntryAt(bib, bib.indexOf('mail')), { key: 'first', start: bib.indexOf('@article') });
  assert.equal(bibEntryAt(bib, bib.length)?.key, 'second');
  assert.equal(bibEntryAt(bib, bib.length)?.start, bib.indexOf('@inproceedings'));
});

test('bibEntryAt scans backwards from the cursor: a huge file above, or a huge abstract, is still found right', () => {
  const filler = Array.from({ length: 5000 }, (_, i) => `@article{k${i},\n  title={T ${i}}\n}\n`).join('\n');
  const long = `@article{long,\n  abstract={${'word '.repeat(20000)}}\n}\n`;
  const text = filler + '\n' + long;
  assert.equal(bibEntryAt(text, text.length - 10)?.key, 'long', 'the entry starts 100 kB before the cursor');
  assert.equal(bibEntryAt(text, text.indexOf('{k4999,') + 3)?.key, 'k4999');
  assert.equal(bibEntryAt(text, 2)?.key, 'k0');
});

test('bestSentence: term overlap picks the matching sentence, none when nothing overlaps', () => {
  const abs = 'We study protein folding. Our retrieval model ranks scientific documents by citations. It is fast.';
  const s = bestSentence(abs, 'ranking scientific documents for retrieval');
  assert.ok(s);
  assert.equal(abs.slice(s.start, s.end), 'Our retrieval model ranks scientific documents by citations.');
  assert.equal(bestSentence(abs, 'the of and'), undefined);
  assert.equal(bestSentence('', 'retrieval'), undefined);
});

test('Quarto: cross-references and escaped @ are not citations', () => {
  const c = ctx('As @sec-intro and [@tbl-res] show, Recall\\@10 of @smith2020 rises|.', 'markdown', 0, 0);
  assert.deepEqual(c.citedKeys, ['smith2020']);
  assert.equal(c.text, 'As and show, Recall@10 of rises.');
});

test('examples/draft.tex: exactly the keys cited in the draft are "cited"; the cursor paragraph’s keys are hidden', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const examples = path.resolve(__dirname, '..', '..', '..', 'examples');
  const draft = fs.readFileSync(path.join(examples, 'draft.tex'), 'utf8');
  const library = new Set([...fs.readFileSync(path.join(examples, 'library.bib'), 'utf8').matchAll(/^@\w+\{([^,\s]+),/gm)].map((m) => m[1]!));
  // read off the draft by hand, in order of first citation (\citep, \citet, \cite, \citep[see][]{…}, two-key \citep)
  const cited = [
    'vaswani2017attention', 'devlin2019bert', 'beltagy2019scibert', 'cohan2020specter', 'mueller2021citegraph',
    'francois2022localcite', 'karpukhin2020dense', 'kowalski2023knn', 'patel2024adapters', 'rahman2024cpu',
    'weber2022int8', 'sato2023distil', 'wright2022leakage', 'larsen2023simbench', 'jensen2022inline',
  ];
  for (const k of cited) assert.ok(library.has(k), `${k} is a library.bib key`);
  const at = (probe: string) => {
    const offset = draft.indexOf(probe);
    assert.ok(offset >= 0, probe);
    return extractContext(draft, offset + 3, 'latex');
  };
  const intro = at('scientific literature, domain-specific');
  assert.deepEqual(intro.citedKeys, cited, 'no library key outside the draft, none missing, no \\bibliography{library}');
  assert.deepEqual(intro.paragraphKeys, ['vaswani2017attention', 'devlin2019bert', 'beltagy2019scibert', 'cohan2020specter', 'mueller2021citegraph']);
  assert.deepEqual(at('thread over-subscription').paragraphKeys, ['rahman2024cpu', 'weber2022int8', 'sato2023distil']);
  // cohan2020specter is cited in two paragraphs; jensen2022inline only in its own
  assert.deepEqual(at('train--test splits').paragraphKeys, ['wright2022leakage', 'larsen2023simbench', 'cohan2020specter']);
  assert.deepEqual(at('reordered during typing').paragraphKeys, ['jensen2022inline']);
  const noCites = at('Offline recall against held-out');
  assert.deepEqual(noCites.paragraphKeys, []);
  assert.deepEqual(noCites.citedKeys, cited, 'the whole document counts wherever the cursor is');
  assert.match(noCites.text, /^Offline recall against held-out citations/);
});
