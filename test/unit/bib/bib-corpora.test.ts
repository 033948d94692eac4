/**
 * BibTeX reader on the real corpora in ../shared/corpora (read-only, not copied). Skips with a message when absent.
 * Values asserted here were checked by reading the files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedPath, skipUnlessShared } from '../../helpers/shared';
import { EntryCache, parseBibliography } from '../../../extension/core/bib/index';

const C = (...p: string[]) => sharedPath('corpora', ...p);
const skip = skipUnlessShared('corpora', 'MANIFEST.json');
const parseFile = (f: string, cache?: EntryCache, onDecode?: (k: string) => void) =>
  parseBibliography(f, fs.readFileSync(f), { cache, onDecode });

interface ManifestRow {
  file: string;
  entries?: number;
}
const manifest = (): ManifestRow[] => JSON.parse(fs.readFileSync(C('MANIFEST.json'), 'utf8')) as ManifestRow[];

function walk(dir: string, ext: RegExp): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p, ext));
    else if (ext.test(e.name)) out.push(p);
  }
  return out.sort();
}

test('bib-real (medium/small): record counts within the MANIFEST bounds', { skip }, () => {
  const rows = manifest().filter((r) => /^bib-real\/(medium|small)\/.*\.bib$/.test(r.file) && r.entries !== undefined);
  assert.ok(rows.length >= 15);
  for (const row of rows) {
    const r = parseFile(C(row.file));
    const expected = row.entries!;
    const tolerance = Math.max(2, Math.ceil(expected * 0.02));
    assert.ok(Math.abs(r.records.length - expected) <= tolerance, `${row.file}: ${r.records.length} records, manifest says ~${expected}`);
  }
});

test('WoS export: UTF-8 BOM, Title-Case field names, key-less entries get synthetic keys', { skip }, () => {
  const r = parseFile(C('bib-real/medium/wos-parasite-ecology.bib'));
  assert.equal(r.encoding, 'utf-8-bom');
  const first = r.records[0];
  assert.equal(first.line, 2);
  assert.equal(first.title, 'Urban environments alter parasite fauna, weight and reproductive activity in the quenda (Isoodon obesulus)');
  assert.equal(first.venue, 'SCIENCE OF THE TOTAL ENVIRONMENT');
  assert.equal(first.year, 2017);
  assert.deepEqual(first.authors.slice(0, 2), ['Hillman, Alison E.', 'Lymbery, Alan J.']);
  assert.ok(first.abstract.startsWith('Some wildlife species are capable of surviving in urbanised'));
  assert.equal(first.syntheticKey, true);
  assert.equal(new Set(r.records.map((x) => x.key)).size, r.records.length, 'synthetic keys are unique');
});

test('Better BibTeX library with unbalanced braces: errors at the entry lines, following entries intact', { skip }, () => {
  const r = parseFile(C('bib-real/medium/better-bibtex-user-library-1296.bib'));
  const errors = r.diagnostics.filter((d) => d.severity === 'error');
  assert.equal(errors.length, 23);
  const first = errors[0];
  assert.equal(first.line, 267);
  assert.equal(first.key, 'AGESCHEIDER:2009dk');
  // The broken entry keeps the fields after the broken publisher value …
  const broken = r.records.find((x) => x.key === 'AGESCHEIDER:2009dk');
  assert.equal(broken?.doi, '10.1080/08990229771042');
  assert.ok(broken?.abstract.startsWith('Detection thresholds and intensity-difference thresholds'));
  // … and the next entry (line 289) is parsed on its own.
  const next = r.records.find((x) => x.line === 289);
  assert.ok(next, 'entry at line 289 parsed');
  assert.notEqual(next.key, 'AGESCHEIDER:2009dk');
  assert.ok(r.diagnostics.some((d) => d.line === 274 && /publisher/.test(d.message)));
});

test('biblatex-examples.bib: crossref inheritance, subtitle, accents', { skip }, () => {
  const r = parseFile(C('bib-edge/biblatex-examples.bib'));
  const space = r.records.find((x) => x.key === 'westfahl:space');
  assert.equal(space?.year, 2000);
  assert.equal(space?.venue, 'Space and Beyond');
  assert.equal(space?.title, 'The True Frontier: Confronting and Avoiding the Realities of Space in American Science Fiction Films');
  const aksin = r.records.find((x) => x.key === 'aksin');
  assert.deepEqual(aksin?.authors.slice(0, 2), ['Aksın, Özge', 'Türkmen, Hayati']);
  const moraux = r.records.find((x) => x.key === 'moraux');
  assert.ok(moraux?.title.startsWith('Le De Anima dans la tradition grècque: Quelques aspects'), moraux?.title);
});

test('jabref encodings: UTF-16 BE/LE with and without BOM, windows-1252', { skip }, () => {
  const dir = C('bib-edge/jabref/encodings');
  const withBom = parseFile(path.join(dir, 'tiny-BE-withBOM.bib'));
  assert.equal(withBom.encoding, 'utf-16be');
  assert.deepEqual(withBom.records[0].authors, ['Verwilghen, D.', 'Busoni, V.', 'van Galen, G.', 'Wilke, M.']);
  assert.equal(parseFile(path.join(dir, 'tiny-LE-noBOM.bib')).records[0].doi, '10.1136/vr.d6221');
  assert.equal(parseFile(path.join(dir, 'encoding-utf-16BE-with-header.bib')).records[0].title, 'Ü ist ein Umlaut');
  const cp = parseFile(path.join(dir, 'encoding-windows-1252-with-header.bib'));
  assert.match(cp.encoding, /latin-1|windows-1252/);
  assert.equal(cp.records[0].abstract, '25° C');
});

test('CRLF file: no carriage returns in values', { skip }, () => {
  const r = parseFile(C('bib-edge/better-bibtex-import/URL_not_recognised_in_a_simple_online_bib_file_entry_on_import_2842.bib'));
  assert.equal(r.records[0].url, 'https://web.archive.org/web/20130825054202/http://www.gartner.com/technology/reprints.do?id=1-1IMDMZ5&ct=130819&st=sb');
  assert.equal(r.records[0].year, 2013);
});

test('every .bib in bib-edge: no throw, every diagnostic has file and line', { skip }, () => {
  const files = walk(C('bib-edge'), /\.bib$/i);
  assert.ok(files.length > 1000, `only ${files.length} files`);
  let records = 0;
  for (const f of files) {
    const r = parseFile(f);
    records += r.records.length;
    assert.equal(r.entryHashes.length, r.records.length, f);
    for (const d of r.diagnostics) {
      assert.equal(d.file, f);
      assert.ok(Number.isInteger(d.line) && d.line >= 1, `${f}: ${JSON.stringify(d)}`);
    }
    for (const rec of r.records) assert.ok(rec.line >= 1 && rec.key, `${f}: ${JSON.stringify(rec)}`);
  }
  assert.ok(records > 10000, `${records} records`);
});

test('biblatex-csl-converter expected outputs: titles and years agree', { skip }, () => {
  const dir = C('bib-edge/biblatex-csl-converter');
  type Node = { type?: string; text?: string };
  let compared = 0;
  const mismatches: string[] = [];
  for (const bib of fs.readdirSync(dir).filter((f) => f.endsWith('.bib')).sort()) {
    const expectedFile = path.join(dir, bib.replace(/\.bib$/, '.json'));
    if (!fs.existsSync(expectedFile)) continue;
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { entries?: Record<string, { entry_key: string; fields: { title?: Node[]; date?: string } }> };
    const ours = parseFile(path.join(dir, bib));
    for (const e of Object.values(expected.entries ?? {})) {
      const rec = ours.records.find((r) => r.key === e.entry_key);
      if (!rec || !e.fields.title) continue;
      const title = e.fields.title.map((n) => n.text ?? '').join('').replace(/\s+/g, ' ').trim().normalize('NFC');
      compared++;
      if (!rec.title.startsWith(title)) mismatches.push(`${bib} ${e.entry_key}: ours ${JSON.stringify(rec.title)} vs ${JSON.stringify(title)}`);
      const y = /^(\d{4})/.exec(e.fields.date ?? '')?.[1];
      if (y && rec.year !== Number(y)) mismatches.push(`${bib} ${e.entry_key}: year ${rec.year} vs ${y}`);
    }
  }
  assert.ok(compared > 200, `compared ${compared}`);
  // The remaining differences are rendering choices (Unicode sub/superscripts vs plain, which duplicate wins, csquotes).
  assert.ok(mismatches.length <= compared * 0.06, `${mismatches.length}/${compared} mismatches:\n${mismatches.slice(0, 20).join('\n')}`);
});

test('Better BibTeX import expected outputs (Zotero JSON): titles (case-insensitive) and years agree', { skip }, () => {
  const dir = C('bib-edge/better-bibtex-import');
  const norm = (s: string) => s.replace(/<[^>]+>/g, '').replace(/[\s\u00a0]+/g, ' ').trim().normalize('NFC').toLowerCase();
  let compared = 0;
  const mismatches: string[] = [];
  for (const bib of fs.readdirSync(dir).filter((f) => f.endsWith('.bib')).sort()) {
    const expectedFile = path.join(dir, bib.replace(/\.bib$/, '.json'));
    if (!fs.existsSync(expectedFile)) continue;
    const ours = parseFile(path.join(dir, bib));
    // The expected file is read raw (not through our own JSON reader) so the comparison stays independent.
    const expected = JSON.parse(fs.readFileSync(expectedFile, 'utf8')) as { items?: { citationKey?: string; title?: string; date?: string }[] };
    for (const item of expected.items ?? []) {
      const rec = ours.records.find((r) => r.key === item.citationKey);
      if (!rec || !item.title) continue;
      compared++;
      if (!norm(rec.title).startsWith(norm(item.title).slice(0, 40))) mismatches.push(`${bib} ${item.citationKey}: ours ${JSON.stringify(rec.title)} vs ${JSON.stringify(item.title)}`);
      const y = /\b(\d{4})\b/.exec(item.date ?? '')?.[1];
      if (y && rec.year !== Number(y)) mismatches.push(`${bib} ${item.citationKey}: year ${rec.year} vs ${y}`);
    }
  }
  assert.ok(compared > 100, `compared ${compared}`);
  assert.ok(mismatches.length <= compared * 0.06, `${mismatches.length}/${compared} mismatches:\n${mismatches.slice(0, 20).join('\n')}`);
});
