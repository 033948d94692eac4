/**
 * The providers' core on real manuscripts (../shared/corpora/manuscripts) and on examples/: every citation
 * occurrence is a test case (hover/definition find its key), an undefined key planted in a copy is reported on
 * the right line, and completion ranks with the real index (LanceDB full-text search) through SearchDeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseBibliography } from '../../../extension/core/bib';
import { recordToRow } from '../../../extension/core/index/schema';
import { catalogEntry, entryDetail, type CatalogEntry } from '../../../extension/core/citations/catalog';
import { citationsOf, keyAt, lineCol, referencesTo, type DocText } from '../../../extension/core/citations/document';
import { duplicateKeyDiagnostics, fixEdit, undefinedKeyDiagnostics, closestKeys, keyWords } from '../../../extension/core/citations/diagnostics';
import { completeCitation, queryAround } from '../../../extension/core/citations/completion';
import { citationCheck } from '../../../extension/core/citations/check';
import { hoverMarkdown, escapeMarkdown } from '../../../extension/core/citations/hover';
import { Library } from '../../../extension/core/app/library';
import { libraryCitationCatalog, librarySearchDeps } from '../../../extension/core/app/citations';
import { completionSiteAt, type DocLanguage } from '../../../extension/core/citations/grammar';
import { applyEdit } from '../../../extension/core/editor/citation';
import { sharedPath, skipUnlessShared, REPO_ROOT } from '../../helpers/shared';
import { tempDir } from '../index/fixtures';

const MANUSCRIPTS = 'corpora/manuscripts';
const skip = skipUnlessShared(MANUSCRIPTS);
if (skip) console.log(`SKIP citations/providers manuscript tests: ${skip}`);

function catalogOf(...bibFiles: string[]): CatalogEntry[] {
  return bibFiles.flatMap((f) => parseBibliography(f, fs.readFileSync(f)).records.map((r) => catalogEntry(recordToRow(r))));
}

function docsUnder(dir: string, ext: RegExp, language: DocLanguage): DocText[] {
  const out: DocText[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (ext.test(e.name)) out.push({ file: p, text: fs.readFileSync(p, 'utf8'), language });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

const MANUSCRIPT_SETS: [string, RegExp, DocLanguage][] = [
  ['thammegowda-dissertation', /\.tex$/, 'latex'],
  ['joss-gmr', /\.md$/, 'markdown'],
  ['deep-review', /\.md$/, 'markdown'],
];

test('every citation occurrence in the real manuscripts: hover/definition find its key over the key only', { skip }, () => {
  let occurrences = 0;
  for (const [name, ext, lang] of MANUSCRIPT_SETS) {
    const docs = docsUnder(sharedPath(MANUSCRIPTS, name), ext, lang);
    let inSet = 0;
    for (const d of docs) {
      for (const c of citationsOf(d.text, lang)) {
        for (const k of c.keyRanges) {
          assert.equal(d.text.slice(k.start, k.end), k.key, `${d.file}: range of ${k.key}`);
          for (const at of [k.start, k.start + Math.floor((k.end - k.start) / 2), k.end]) {
            const found = keyAt(d.text, at, lang);
            assert.equal(found?.key, k.key, `${path.basename(d.file)}:${lineCol(d.text, at).line} key under the cursor`);
          }
          inSet++;
        }
        // the command / opening bracket itself is not a key position
        if (c.keyRanges.length && c.start < c.keyRanges[0]!.start - 1) assert.equal(keyAt(d.text, c.start, lang), undefined);
      }
    }
    assert.ok(inSet > 5, `${name}: found ${inSet} citations`);
    occurrences += inSet;
  }
  assert.ok(occurrences > 500, `${occurrences} occurrences checked`);
});

test('dissertation: every cited key is either defined in anthology.bib (definition) or reported undefined on its own range', { skip }, async () => {
  const root = sharedPath(MANUSCRIPTS, 'thammegowda-dissertation');
  const catalog = catalogOf(path.join(root, 'anthology.bib'));
  const defined = new Set(catalog.map((e) => e.key));
  for (const d of docsUnder(root, /\.tex$/, 'latex')) {
    const diags = await undefinedKeyDiagnostics(d, catalog);
    const reported = new Set(diags.map((x) => `${x.start}:${x.key}`));
    for (const c of citationsOf(d.text, 'latex')) {
      for (const k of c.keyRanges) {
        if (k.key === '*') continue;
        const isReported = reported.has(`${k.start}:${k.key}`);
        assert.equal(isReported, !defined.has(k.key), `${path.basename(d.file)}: ${k.key} defined=${defined.has(k.key)} reported=${isReported}`);
        if (defined.has(k.key)) {
          const entry = catalog.find((e) => e.key === k.key)!;
          assert.match(fs.readFileSync(entry.file, 'utf8').split('\n')[entry.line - 1]!, new RegExp(`@\\w+\\{\\s*${k.key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')},`), `definition line of ${k.key}`);
        }
      }
    }
  }
});

test('an undefined key planted in a copy of a chapter is reported on its line, with the closest real key as a fix', { skip }, async () => {
  const root = sharedPath(MANUSCRIPTS, 'thammegowda-dissertation');
  const catalog = catalogOf(path.join(root, 'anthology.bib'));
  const src = fs.readFileSync(path.join(root, 'chapter', '01-intro.tex'), 'utf8');
  const docBefore: DocText = { file: path.join(tempDir('rp-cite-'), '01-intro.tex'), text: src, language: 'latex' };
  const before = await undefinedKeyDiagnostics(docBefore, catalog);
  const realKey = citationsOf(src, 'latex').flatMap((c) => c.keys).find((k) => catalog.some((e) => e.key === k) && k.length > 8)!;
  const typo = realKey.slice(0, -1) + (realKey.endsWith('x') ? 'y' : 'x');
  const lines = src.split('\n');
  const at = Math.floor(lines.length / 2);
  lines.splice(at, 0, `Planted sentence \\citep[see][]{plantedNoSuchKey2099, ${typo}}.`);
  const doc: DocText = { ...docBefore, text: lines.join('\n') };
  const after = await undefinedKeyDiagnostics(doc, catalog);
  assert.equal(after.length, before.length + 2, 'exactly the two planted keys are new');
  const planted = after.find((d) => d.key === 'plantedNoSuchKey2099')!;
  assert.equal(planted.line, at + 1, 'reported on the planted line (1-based)');
  assert.equal(doc.text.slice(planted.start, planted.end), 'plantedNoSuchKey2099');
  const t = after.find((d) => d.key === typo)!;
  assert.equal(t.line, at + 1);
  assert.equal(t.fixes[0]?.key, realKey, `closest key to ${typo}`);
  const fixed = applyEdit(doc.text, fixEdit(doc, t, t.fixes[0]!));
  assert.ok(fixed.includes(`{plantedNoSuchKey2099, ${realKey}}`), 'the quick fix replaces only the key');
});

test('Pandoc manuscript: front-matter bibliography scoping and a planted undefined key', { skip }, async () => {
  const root = sharedPath(MANUSCRIPTS, 'joss-gmr');
  const own = catalogOf(path.join(root, 'paper.bib'));
  const other = catalogOf(sharedPath(MANUSCRIPTS, 'thammegowda-dissertation', 'anthology.bib'));
  const src = fs.readFileSync(path.join(root, 'paper.md'), 'utf8');
  const doc: DocText = { file: path.join(tempDir('rp-cite-'), 'paper.md'), text: src, language: 'markdown' };
  assert.deepEqual(await undefinedKeyDiagnostics(doc, [...own, ...other]), [], 'every key of paper.md is in paper.bib');
  // the same keys only in a bibliography the paper does not name: all undefined
  const elsewhere = own.map((e) => ({ ...e, file: '/elsewhere/other.bib' }));
  const cited = citationsOf(src, 'markdown').flatMap((c) => c.keys);
  assert.equal((await undefinedKeyDiagnostics(doc, elsewhere)).length, cited.length);
  const lines = src.split('\n');
  const at = lines.findIndex((l) => l.includes('[@Dempster1977]'));
  lines[at] = lines[at]!.replace('[@Dempster1977]', '[@Dempster1977; @Dempster1978]');
  // a key defined inline by the document itself (front matter `references:`) is in scope although paper.bib is named
  const inline = catalogEntry({ key: 'InlineRef2020', title: 'Inline', authors: '', year: 2020, venue: null, file: doc.file, line: 3, synthetic_key: false });
  const withInline = { ...doc, text: src.replace('[@Dempster1977]', '[@Dempster1977; @InlineRef2020]') };
  assert.deepEqual(await undefinedKeyDiagnostics(withInline, [...own, inline]), []);
  assert.equal((await undefinedKeyDiagnostics(withInline, own)).length, 1);
  const planted = await undefinedKeyDiagnostics({ ...doc, text: lines.join('\n') }, own);
  assert.equal(planted.length, 1);
  assert.equal(planted[0]!.line, at + 1);
  assert.equal(planted[0]!.fixes[0]?.key, 'Dempster1977');
});

test('\\nocite{*} and thebibliography \\bibitem keys are not undefined; duplicates with different content warn on both', () => {
  const tex = String.raw`\nocite{*} See \cite{knuth84} and \cite{missing}.
\begin{thebibliography}{9}
\bibitem{knuth84} D. Knuth.
\end{thebibliography}`;
  return undefinedKeyDiagnostics({ file: '/x/a.tex', text: tex, language: 'latex' }, []).then((d) => {
    assert.deepEqual(d.map((x) => x.key), ['missing']);
    const e = (key: string, title: string, file: string, line: number) => catalogEntry({ key, title, authors: 'Doe, J', year: 2020, venue: null, file, line, synthetic_key: false });
    const dup = duplicateKeyDiagnostics([e('a', 'One', '/x/a.bib', 3), e('a', 'Other', '/x/b.bib', 9), e('b', 'Same', '/x/a.bib', 5), e('b', 'Same', '/x/b.bib', 1)]);
    assert.deepEqual(dup.map((x) => [x.key, x.file, x.line]), [['a', '/x/a.bib', 3], ['a', '/x/b.bib', 9]]);
  });
});

test('references: every citation of a key across documents', { skip }, () => {
  const docs = docsUnder(sharedPath(MANUSCRIPTS, 'thammegowda-dissertation'), /\.tex$/, 'latex');
  const counts = new Map<string, number>();
  for (const d of docs) for (const k of citationsOf(d.text, 'latex').flatMap((c) => c.keys)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const [key, n] = [...counts].sort((a, b) => b[1] - a[1])[0]!;
  const refs = referencesTo(docs, key);
  assert.equal(refs.length, n);
  for (const r of refs) assert.equal(docs.find((d) => d.file === r.file)!.text.slice(r.start, r.end), key);
});

test('hover: escaped Markdown from a hostile entry; only command links', () => {
  const md = hoverMarkdown(
    [{ key: 'k', title: 'Evil [link](javascript:alert(1)) <img src=x onerror=1> **bold**', authors: ['Doe, J'], year: 2020, venue: 'V_1', abstract: 'First sentence here. Second one. Third one.', file: '/x/refs.bib', line: 4 }],
    { similarCommand: 'relatedPapers.similarPapers', openCommand: 'relatedPapers.openEntry', link: 'https://doi.org/10.1/x' },
  );
  assert.ok(!md.includes('<img'), 'no raw HTML');
  assert.ok(!/\]\(javascript:/.test(md), 'no link from the bibliography');
  assert.match(md, /\\\*\\\*bold\\\*\\\*/);
  assert.match(md, /First sentence here\\\. Second one\\\./);
  assert.doesNotMatch(md, /Third/);
  const links = [...md.matchAll(/\]\(([^)]*)\)/g)].map((m) => m[1]!);
  assert.deepEqual(links.map((l) => l.split('?')[0]), ['https://doi.org/10.1/x', 'command:relatedPapers.similarPapers', 'command:relatedPapers.openEntry']);
  assert.equal(escapeMarkdown('a_b'), 'a\\_b');
});

test('closest keys and key words', () => {
  assert.deepEqual(closestKeys('vaswani2017atention', ['vaswani2017attention', 'devlin2019bert', 'vaswani2018other']), ['vaswani2017attention']);
  assert.equal(keyWords('vaswani2017attention'), 'vaswani 2017 attention');
  assert.equal(keyWords('CohanSpecter2020'), 'Cohan Specter 2020');
});

/** examples/library.bib indexed into a real lexical LanceDB table (full-text search). */
async function exampleStore() {
  const bib = path.join(REPO_ROOT, 'examples', 'library.bib');
  // THE application layer, as the CLI and the extension use it (lexical: no model).
  const library = new Library({ dbDir: tempDir('rp-cite-db-'), workspace: '/ws', model: { ensure: async () => null }, vectorCacheDir: null });
  await library.index([bib]);
  const store = await library.open();
  return Object.assign(store, { library });
}

test('completion on examples/draft.tex: the first item is the first hit of the paragraph search; typing filters', async () => {
  const store = await exampleStore();
  try {
    const deps = librarySearchDeps(store.library);
    const catalog = await libraryCitationCatalog(store.library);
    const distinct = new Set(catalog.map((e) => e.key)).size;
    assert.equal(catalog.length, await store.count());
    assert.ok(distinct > 40);
    assert.ok(catalog.every((e) => !('abstract' in e)), 'the catalog holds no abstracts');
    const draft = fs.readFileSync(path.join(REPO_ROOT, 'examples', 'draft.tex'), 'utf8');
    const probe = draft.indexOf('Most of this work assumes a large shared index');
    const at = draft.indexOf('. ', probe) + 1; // end of that sentence
    const text = draft.slice(0, at) + ' \\cite{' + draft.slice(at);
    const offset = at + ' \\cite{'.length;
    const r = await completeCitation(text, offset, 'latex', catalog, deps);
    assert.ok(r, 'a completion site');
    assert.match(r.query, /large shared index/);
    const site = completionSiteAt(text, offset, 'latex')!;
    const ctx = queryAround(text, 'latex', site);
    const direct = await deps.search({ text: ctx.text, k: 5, excludeKeys: ctx.paragraphKeys });
    assert.ok(direct.length > 0, 'the paragraph finds entries lexically');
    assert.equal(r.items[0]!.entry.key, direct[0]!.key, 'first item = best hit for the paragraph');
    assert.ok(r.items[0]!.hit, 'the first item came from the search');
    assert.equal(new Set(r.items.map((i) => i.entry.key)).size, r.items.length, 'no key twice');
    assert.equal(r.items.length, distinct, 'the whole library is offered (paragraph keys after the ranked ones)');
    const firstPara = r.items.findIndex((i) => r.paragraphKeys.includes(i.entry.key));
    assert.ok(firstPara < 0 || r.items.slice(firstPara).every((i) => !i.hit), 'keys cited in the paragraph are not ranked');

    // typing filters on family names + title words
    const typed = text.slice(0, offset) + 'vaswani att' + text.slice(offset);
    const f = await completeCitation(typed, offset + 'vaswani att'.length, 'latex', catalog, deps);
    assert.deepEqual(f!.items.map((i) => i.entry.key), ['vaswani2017attention']);
    assert.equal(entryDetail(f!.items[0]!.entry), 'Vaswani et al. 2017 · Advances in Neural Information Processing Systems');
    // keys already in the citation are not offered again
    const multi = text.slice(0, offset) + 'vaswani2017attention,' + text.slice(offset);
    const m = await completeCitation(multi, offset + 'vaswani2017attention,'.length, 'latex', catalog, deps);
    assert.ok(!m!.items.some((i) => i.entry.key === 'vaswani2017attention'));
    assert.equal(m!.items.length, distinct - 1);
  } finally {
    store.close();
  }
});

test('citation check (lexical): a citation whose sentence is about something else is reported with Replace/Add fixes', async () => {
  const store = await exampleStore();
  try {
    const deps = librarySearchDeps(store.library);
    const catalog = await libraryCitationCatalog(store.library);
    const text = 'Transformer encoders rely on attention, as in the architecture that needs no recurrence \\cite{beltagy2019scibert}.\n\nAttention is all you need for transformer encoders \\cite{vaswani2017attention}.\n';
    const diags = await citationCheck({ file: '/x/a.tex', text, language: 'latex' }, catalog, deps.search, { rankK: 3 });
    const keys = diags.map((d) => d.key);
    assert.ok(!keys.includes('vaswani2017attention'), 'the fitting citation is not reported');
    const d = diags.find((x) => x.key === 'beltagy2019scibert');
    assert.ok(d, `the misfit is reported (got ${JSON.stringify(keys)})`);
    assert.equal(d.severity, 'information');
    assert.deepEqual(d.fixes.map((x) => x.kind), ['replace', 'add']);
    const batched = await citationCheck({ file: '/x/a.tex', text, language: 'latex' }, catalog, deps.search, { rankK: 3, searchMany: deps.searchMany });
    assert.deepEqual(batched, diags, 'batched searches give the same diagnostics');
    const added = applyEdit(text, fixEdit({ file: '/x/a.tex', text, language: 'latex' }, d, d.fixes[1]!));
    assert.ok(added.includes(`\\cite{beltagy2019scibert,${d.fixes[1]!.key}}`));
  } finally {
    store.close();
  }
});
