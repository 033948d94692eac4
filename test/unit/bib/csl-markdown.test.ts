/** CSL-JSON, CSL-YAML and Markdown readers: own fixtures and the real corpora. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedPath, skipUnlessShared } from '../../helpers/shared';
import { parseBibliography } from '../../../extension/core/bib/index';

const FIX = path.resolve(__dirname, '..', '..', 'fixtures', 'bib');
const parseFile = (f: string) => parseBibliography(f, fs.readFileSync(f));
const C = (...p: string[]) => sharedPath('corpora', 'markdown', ...p);

test('CSL-JSON fixture: fields, line numbers, markup stripped, non-items reported', () => {
  const f = path.join(FIX, 'library.json');
  const r = parseFile(f);
  assert.equal(r.records.length, 2);
  const [one, two] = r.records;
  assert.equal(one.key, 'cslone');
  assert.equal(one.line, 2);
  assert.equal(one.title, 'CSL Item with Markup');
  assert.deepEqual(one.authors, ['Zed, Zoe', 'The Widget Consortium']);
  assert.equal(one.year, 2017);
  assert.equal(one.venue, 'Widget Letters');
  assert.equal(one.doi, '10.1000/csl.1');
  assert.equal(one.arxivId, '1701.00002');
  assert.equal(two.line, 13);
  assert.equal(two.year, 1999);
  assert.equal(r.entryHashes.length, 2);
  const bad = r.diagnostics.find((d) => /not a CSL item/.test(d.message));
  assert.equal(bad?.line, 19);
  const broken = parseBibliography('/x/bad.json', Buffer.from('[\n{"id": "a",\n "title": }\n]'));
  assert.equal(broken.records.length, 0);
  assert.equal(broken.diagnostics[0].severity, 'error');
  assert.ok(broken.diagnostics[0].line >= 1 && /invalid JSON/.test(broken.diagnostics[0].message));
});

test('CSL-YAML fixture: references list with line numbers and dates', () => {
  const r = parseFile(path.join(FIX, 'library.yaml'));
  assert.deepEqual(r.records.map((x) => [x.key, x.line, x.year]), [['yone', 2, 2005], ['ytwo', 9, 1971]]);
  assert.deepEqual(r.records[0].authors, ['Alpha, Ann']);
});

test('Markdown fixture: front matter references + linked bibliographies + reading list items', () => {
  const f = path.join(FIX, 'reading-list.md');
  const r = parseFile(f);
  assert.deepEqual(r.linkedBibliographies, [path.join(FIX, 'refs', 'library.bib'), path.resolve(FIX, '..', 'shared.json')]);
  const keys = r.records.map((x) => x.key);
  assert.ok(keys.includes('yamlref'));
  assert.equal(r.records.find((x) => x.key === 'yamlref')?.line, 7);
  const arx = r.records.find((x) => x.arxivId === '2101.00001');
  assert.equal(arx?.title, 'Attention-Free Widgets');
  assert.deepEqual(arx?.authors, ['Doe, J.', 'Roe, R']);
  assert.equal(arx?.year, 2021);
  assert.equal(arx?.line, 29);
  assert.equal(arx?.key, 'arxiv:2101.00001');
  assert.equal(arx?.syntheticKey, true);
  const apa = r.records.find((x) => x.doi === '10.1234/gears.2020.7');
  assert.equal(apa?.title, 'Sprockets considered harmful');
  assert.deepEqual(apa?.authors, ['Smith, A.', 'Jones, B']);
  const numbered = r.records.find((x) => x.line === 39);
  assert.equal(numbered?.title, 'On the naming of widgets');
  assert.equal(numbered?.key, 'brown2019naming');
  assert.ok(!r.records.some((x) => /milk/.test(x.title)), 'ordinary lists are not references');
  // Synthetic keys are stable under edits elsewhere in the file.
  const edited = fs.readFileSync(f, 'utf8').replace('Some prose that mentions', 'Much more prose,\n\nspread over lines, that mentions');
  const r2 = parseBibliography(f, Buffer.from(edited));
  assert.deepEqual(r2.records.map((x) => x.key), keys);
});

test('real reading lists, README citations, CSL-JSON library, pandoc CSL-YAML tests', { skip: skipUnlessShared('corpora', 'markdown') }, () => {
  const awesome = parseFile(C('reading-lists', 'awesome-deep-learning-papers', 'README.md'));
  assert.ok(awesome.records.length >= 90, `${awesome.records.length}`);
  const distill = awesome.records.find((x) => x.arxivId === '1503.02531');
  assert.equal(distill?.title, 'Distilling the knowledge in a neural network');
  const weekly = parseFile(C('reading-lists', 'ml-papers-of-the-week', 'README.md'));
  assert.ok(weekly.records.length > 500, `${weekly.records.length}`);
  const mercury = weekly.records.find((x) => x.arxivId === '2506.17298');
  assert.equal(mercury?.title, 'Ultra-Fast Diffusion-based Language Models');
  assert.equal(mercury?.line, 157);
  assert.ok(mercury?.abstract.startsWith('This paper introduces Mercury'));
  const readme = parseFile(C('references-sections', 'x-transformers-README.md'));
  const vaswani = readme.records.find((x) => x.key === 'vaswani2017attention');
  assert.equal(vaswani?.title, 'Attention Is All You Need');
  assert.equal(vaswani?.line, 498);
  const zotero = parseFile(C('literature-notes', 'bnnyng-garden', '.pandoc', 'zotero-library-1.json'));
  assert.ok(zotero.records.length > 200);
  assert.equal(zotero.records.find((x) => x.key === '1877peirce')?.title, 'The Fixation of Belief');
  // Obsidian literature notes: "[[@key]], “Title”" items keep their key; quoted titles; DOIs with parentheses.
  const garden = (name: string) => parseFile(C('literature-notes', 'bnnyng-garden', ...name.split('/')));
  const frog = garden('2-SOMEDAY/Biological visual processing.md').records.find((x) => x.line === 17);
  assert.equal(frog?.key, '1959lettvin');
  assert.equal(frog?.syntheticKey, undefined);
  assert.equal(frog?.title, 'What the Frog’s Eye Tells the Frog’s Brain');
  const fodor = garden('Computationalist and connectionist approaches to cognition.md').records.find((x) => x.line === 25);
  assert.equal(fodor?.doi, '10.1016/0010-0277(88)90031-5');
  assert.equal(fodor?.title, 'Connectionism and Cognitive Architecture: A Critical Analysis');
  assert.deepEqual(fodor?.authors, ['Fodor', 'Pylysyn']);
  assert.equal(fodor?.year, 1988);
  let yamlRefs = 0;
  for (const f of fs.readdirSync(C('csl-yaml-pandoc-tests')).filter((n) => n.endsWith('.md'))) {
    const r = parseFile(C('csl-yaml-pandoc-tests', f));
    yamlRefs += r.records.length;
    for (const d of r.diagnostics) assert.ok(d.line >= 1);
  }
  assert.ok(yamlRefs > 60, `${yamlRefs}`);
  const p14 = parseFile(C('csl-yaml-pandoc-tests', 'pandoc-citeproc-14.md'));
  assert.deepEqual(p14.records.slice(0, 2).map((x) => [x.key, x.line, x.year]), [['CTv1c2', 5, 1971], ['CTv1', 21, 1971]]);
});

test('hostile Markdown/JSON/YAML input never throws; diagnostics carry file and line', () => {
  const inputs: [string, string][] = [
    ['/x/a.md', '- ' + '[a](https://arxiv.org/abs/2101.00001 '.repeat(500)],
    ['/x/b.md', '---\nreferences: [\n---\n# References\n\n- ' + '('.repeat(3000)],
    ['/x/c.md', '---\nbibliography: 42\nreferences:\n  - 7\n  - {id: {nested: true}, title: [1, 2]}\n---\n'],
    ['/x/d.json', '{"items": [{"id": 1, "title": {"x": 1}, "author": "nobody", "issued": {"date-parts": "no"}}]}'],
    ['/x/e.json', '"just a string"'],
    ['/x/f.yaml', 'references:\n- id: a\n  title: x\n  issued: [[[[]]]]\n- - - nested\n'],
    ['/x/g.json', '[{"id": "__proto__", "title": "constructor", "author": [{"family": {"toString": 1}}]}]'],
  ];
  for (const [file, text] of inputs) {
    const r = parseBibliography(file, Buffer.from(text));
    for (const d of r.diagnostics) assert.ok(d.file === file && Number.isInteger(d.line) && d.line >= 1, `${file}: ${JSON.stringify(d)}`);
    for (const rec of r.records) assert.equal(typeof rec.title, 'string');
  }
  const proto = parseBibliography('/x/g.json', Buffer.from(inputs[6][1]));
  assert.equal(proto.records[0].key, '__proto__');
  assert.deepEqual(proto.records[0].authors, []);
});

test('arXiv ids from a 10.48550 DOI and from a journal string', () => {
  const bib = '@article{a, title={T}, doi={10.48550/arXiv.2305.12345}}\n@article{b, title={U}, journal={arXiv preprint arXiv:1706.03762}}';
  const r = parseBibliography('/x/ax.bib', Buffer.from(bib));
  assert.equal(r.records[0].arxivId, '2305.12345');
  assert.equal(r.records[1].arxivId, '1706.03762');
});

test('a JSON or YAML file that is not CSL gives ONE information note, not one per item (an object with a title is not enough)', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const pages = JSON.stringify(Array.from({ length: 40 }, (_, i) => ({ title: `Page ${i}`, url: `https://example.org/${i}`, tags: ['x'] })));
  const j = parseBibliography('/ws/site/pages.json', enc(pages));
  assert.equal(j.records.length, 0);
  assert.equal(j.diagnostics.length, 1, JSON.stringify(j.diagnostics));
  assert.equal(j.diagnostics[0].severity, 'info');
  const y = parseBibliography('/ws/data/people.yaml', enc(Array.from({ length: 30 }, (_, i) => `- name: P${i}\n  title: Dr ${i}\n`).join('')));
  assert.equal(y.records.length, 0);
  assert.equal(y.diagnostics.length, 1, JSON.stringify(y.diagnostics));
  assert.equal(y.diagnostics[0].severity, 'info');
  // A real CSL file with one bad item: the good ones are read and the bad one is named.
  const mixed = JSON.stringify([{ id: 'a', type: 'article-journal', title: 'Good A' }, { foo: 1 }, { title: 'Good B', issued: { 'date-parts': [[2020]] } }]);
  const m = parseBibliography('/ws/refs.json', enc(mixed));
  assert.deepEqual(m.records.map((r) => r.title), ['Good A', 'Good B']);
  assert.equal(m.diagnostics.filter((d) => d.severity === 'warning').length, 1);
});

test('HTML entities left by exporters are decoded once, in every format (ACM DL writes &amp;)', () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  const bib = '@inproceedings{acm1,\n  title = {Sensing &amp; Acting: R&D at &lt;scale&gt;},\n  booktitle = {CHI &#39;20: Proceedings},\n  abstract = {We write &amp;amp; literally.},\n  author = {M&uuml;ller, Anna}\n}\n';
  const [r] = parseBibliography('/ws/acm.bib', enc(bib)).records;
  assert.equal(r.title, 'Sensing & Acting: R&D at <scale>');
  assert.equal(r.venue, "CHI '20: Proceedings");
  assert.equal(r.abstract, 'We write &amp; literally.', 'decoded once, not twice');
  assert.deepEqual(r.authors, ['Müller, Anna']);
  const [c] = parseBibliography('/ws/x.json', enc(JSON.stringify([{ id: 'c1', type: 'book', title: 'Tom &amp; Jerry' }]))).records;
  assert.equal(c.title, 'Tom & Jerry');
});
