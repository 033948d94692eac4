/** BibTeX reader on our own small fixtures (test/fixtures/bib) and synthetic byte-level inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { decodeText, EntryCache, isBibliographyPath, parseBibliography } from '../../../extension/core/bib/index';

const FIX = path.resolve(__dirname, '..', '..', 'fixtures', 'bib');
const mixedFile = path.join(FIX, 'mixed.bib');
const mixed = () => parseBibliography(mixedFile, fs.readFileSync(mixedFile));
const byKey = (r: ReturnType<typeof mixed>, k: string) => {
  const rec = r.records.find((x) => x.key === k);
  assert.ok(rec, `record ${k} missing; got ${r.records.map((x) => x.key).join(', ')}`);
  return rec;
};

test('isBibliographyPath maps extensions', () => {
  assert.equal(isBibliographyPath('/a/refs.bib'), 'bibtex');
  assert.equal(isBibliographyPath('/a/My Library.json'), 'csl-json');
  assert.equal(isBibliographyPath('/a/refs.yml'), 'csl-yaml');
  assert.equal(isBibliographyPath('/a/notes.Rmd'), 'markdown');
  assert.equal(isBibliographyPath('/a/paper.qmd'), 'markdown');
  assert.equal(isBibliographyPath('/a/main.tex'), undefined);
  assert.equal(isBibliographyPath('/a/package.json'), undefined);
  assert.equal(isBibliographyPath('/a/tsconfig.base.json'), undefined);
  assert.equal(isBibliographyPath('/a/.github/workflows/ci.yml'), undefined);
  assert.equal(isBibliographyPath('/a/node_modules/x/refs.json'), undefined);
  assert.equal(isBibliographyPath('C:\\work\\refs.BIB'), 'bibtex');
});

test('macros, # concatenation, accents, math, DOI normalisation, key with "/"', () => {
  const r = byKey(mixed(), 'knuth/1984');
  assert.equal(r.title, 'The Widget Theory of Öptimal Gear Trains & Sprockets');
  assert.equal(r.abstract, 'We study α-widgets and the Müller–Smith bound.');
  assert.deepEqual(r.authors, ['Knuth, Donald E.', 'Grötschel, Martin']);
  assert.equal(r.venue, 'Transactions on Widgets and Gadgets');
  assert.equal(r.year, 1984);
  assert.equal(r.doi, '10.1000/XYZ.123');
  assert.equal(r.line, 7);
  assert.equal(r.type, 'article');
});

test('crossref (parent after child), xdata, biblatex date, key starting with "@", arXiv eprint', () => {
  const res = mixed();
  const child = byKey(res, '@child2020');
  assert.equal(child.venue, 'Proceedings of the Imaginary Conference');
  assert.equal(child.year, 2020);
  assert.deepEqual(child.authors, ['van der Berg, Anna']);
  const xd = byKey(res, 'xdchild');
  assert.equal(xd.venue, 'Journal of Shared Data');
  assert.equal(xd.year, 2019);
  assert.equal(res.records.some((x) => x.key === 'pubinfo'), false, '@xdata containers are not records');
  assert.equal(byKey(res, 'arxivpaper').arxivId, '2101.00001');
});

test('unterminated entry: error at its line, next entry still parsed, duplicate key keeps the first', () => {
  const res = mixed();
  const err = res.diagnostics.find((d) => d.severity === 'error');
  assert.ok(err);
  assert.equal(err.line, 49);
  assert.equal(err.key, 'broken');
  assert.equal(byKey(res, 'broken').year, 2001);
  assert.equal(byKey(res, 'afterbroken').line, 54);
  const dup = res.diagnostics.find((d) => /duplicate key/.test(d.message));
  assert.ok(dup && dup.line === 59 && dup.severity === 'warning');
  assert.equal(byKey(res, 'knuth/1984').title.startsWith('The Widget'), true);
  assert.equal(res.records.length, res.entryHashes.length);
  for (const d of res.diagnostics) assert.ok(d.file === mixedFile && d.line >= 1);
});

test('missing comma between fields: a diagnostic at the next field, and every field still read', () => {
  const text = '@article{good1, title = {One}, year = 2020}\n\n@inproceedings{nocomma,\n  title = {Two {\\&} More}\n  author = {Doe, Jane},\n  year = {2021}\n}\n@book{good2, title={Three}}\n';
  const r = parseBibliography('/x/missing-comma.bib', new TextEncoder().encode(text));
  assert.deepEqual(r.records.map((x) => x.key), ['good1', 'nocomma', 'good2']);
  const e = r.records[1];
  assert.equal(e.title, 'Two & More');
  assert.deepEqual(e.authors, ['Doe, Jane']);
  assert.equal(e.year, 2021);
  assert.equal(r.diagnostics.length, 1, JSON.stringify(r.diagnostics));
  assert.equal(r.diagnostics[0].line, 5);
  assert.equal(r.diagnostics[0].file, '/x/missing-comma.bib');
  assert.match(r.diagnostics[0].message, /missing comma after field "title"/);
});

test('encodings: BOM, UTF-16 LE/BE with and without BOM, windows-1252, latin-1, invalid UTF-8 never throws', () => {
  const entry = '@article{k,\r\n  title = {Caf\u00e9 \u201cquoted\u201d},\r\n}\r\n';
  const utf8 = Buffer.from(entry, 'utf8');
  assert.equal(decodeText(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), utf8])).encoding, 'utf-8-bom');
  const le = Buffer.from(entry, 'utf16le');
  const be = Buffer.from(le).swap16();
  assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), le])), { text: entry, encoding: 'utf-16le' });
  assert.deepEqual(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), be])), { text: entry, encoding: 'utf-16be' });
  assert.deepEqual(decodeText(be), { text: entry, encoding: 'utf-16be' });
  // windows-1252: é = 0xE9, “ ” = 0x93 0x94
  const cp = Buffer.from([...Buffer.from('@article{k, title = {Caf'), 0xe9, 0x20, 0x93, ...Buffer.from('quoted'), 0x94, ...Buffer.from('}}')]);
  const r = parseBibliography('/x/cp.bib', cp);
  assert.equal(r.encoding, 'windows-1252');
  assert.equal(r.records[0].title, 'Café “quoted”');
  assert.ok(r.diagnostics.some((d) => /not valid UTF-8/.test(d.message)));
  const latin = Buffer.from([...Buffer.from('@article{k, title = {Gr'), 0xfc, ...Buffer.from('n}}')]);
  assert.equal(parseBibliography('/x/l1.bib', latin).records[0].title, 'Grün');
  assert.equal(parseBibliography('/x/l1.bib', latin).encoding, 'latin-1');
  // CRLF line endings do not leak into values
  assert.equal(parseBibliography('/x/crlf.bib', utf8).records[0].title, 'Café “quoted”');
});

test('hostile input never throws and always yields file+line diagnostics', () => {
  const inputs = ['@', '@article{', '@article{k, title = {a}', '@string{x = }', '@article(k, title = "a)b")', '}}}{{{', '@comment{', '@article{k, title = x # # y}', '\u0000\u0001@misc{a,b=c}'];
  for (const s of inputs) {
    const r = parseBibliography('/x/h.bib', Buffer.from(s));
    for (const d of r.diagnostics) assert.ok(d.file === '/x/h.bib' && Number.isInteger(d.line) && d.line >= 1, JSON.stringify(d));
  }
  const paren = parseBibliography('/x/p.bib', Buffer.from('@article(k, title = "a)b", year = 1999)'));
  assert.equal(paren.records[0].title, 'a)b');
  assert.equal(paren.records[0].year, 1999);
});

test('EntryCache: re-parse after editing one entry decodes exactly that entry', () => {
  const cache = new EntryCache();
  const text = fs.readFileSync(mixedFile, 'utf8');
  let decoded: string[] = [];
  parseBibliography(mixedFile, Buffer.from(text), { cache, onDecode: (k) => decoded.push(k) });
  assert.equal(decoded.length, 7);
  decoded = [];
  const again = parseBibliography(mixedFile, Buffer.from(text), { cache, onDecode: (k) => decoded.push(k) });
  assert.deepEqual(decoded, []);
  assert.equal(again.records.length, 7);
  const edited = text.replace('An Arxiv Preprint', 'An Edited Preprint');
  const r = parseBibliography(mixedFile, Buffer.from(edited), { cache, onDecode: (k) => decoded.push(k) });
  assert.deepEqual(decoded, ['arxivpaper']);
  assert.equal(r.records.find((x) => x.key === 'arxivpaper')?.title, 'An Edited Preprint');
  // Editing a @string re-decodes exactly the entry that uses it.
  decoded = [];
  parseBibliography(mixedFile, Buffer.from(edited.replace('Transactions on Widgets', 'Letters on Widgets')), { cache, onDecode: (k) => decoded.push(k) });
  assert.deepEqual(decoded, ['knuth/1984']);
});
