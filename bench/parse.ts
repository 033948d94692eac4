/**
 * Bibliography parsing benchmark: `node --import tsx bench/parse.ts [--json]`.
 *  - split (structural, ./extension/core/bib/bibtexSplit) and full parse of the largest .bib in ../shared/corpora;
 *  - the same for a synthetic 20k-entry file generated here;
 *  - re-parse of a 10k-entry file after editing one entry, with the EntryCache;
 *  - reference: @retorquere/bibtex-parser's plain full `parse` on a 300-entry subset, extrapolated per entry.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { SHARED_ROOT } from '../test/helpers/shared';
import { EntryCache, decodeText, parseBibliography } from '../extension/core/bib/index';
import { splitBibtex } from '../extension/core/bib/bibtexSplit';
import { bibtexParser } from '../extension/core/bib/bibtexParserLoader';

const json = process.argv.includes('--json');
const rows: Record<string, number | string>[] = [];
const ms = (t0: number) => Math.round((performance.now() - t0) * 10) / 10;

function largestBib(dir: string): string | undefined {
  let best: { f: string; size: number } | undefined;
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.bib')) {
        const size = fs.statSync(p).size;
        if (!best || size > best.size) best = { f: p, size };
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return best?.f;
}

function synthetic(n: number): string {
  const words = ['graph', 'neural', 'widget', 'citation', 'retrieval', 'Müller', 'sparse', 'embedding', 'attention', 'ranking'];
  const out: string[] = ['@string{tw = "Transactions on Widgets"}\n'];
  for (let i = 0; i < n; i++) {
    const w = (k: number) => words[(i * 7 + k * 3) % words.length];
    const accent = i % 10 === 0 ? ' of G{\\"o}del \\& $\\alpha$' : '';
    out.push(
      `@article{key${i},\n  author = {Author${i}, Ann and Other, Bob},\n  title = {On ${w(1)} ${w(2)} ${w(3)}${accent}},\n` +
        `  journal = tw,\n  year = {${1990 + (i % 35)}},\n  doi = {10.1000/syn.${i}},\n` +
        `  abstract = {We study ${w(4)} ${w(5)} for ${w(6)} in {${w(7)}} settings; results ${i}.}\n}\n\n`,
    );
  }
  return out.join('');
}

function measure(label: string, file: string, text: string): void {
  let t0 = performance.now();
  const chunks = splitBibtex(text);
  const splitMs = ms(t0);
  const entries = chunks.filter((c) => c.kind === 'entry').length;
  const bytes = Buffer.from(text);
  t0 = performance.now();
  const r = parseBibliography(file, bytes);
  const fullMs = ms(t0);
  rows.push({ case: `${label}: split`, entries, ms: splitMs, msPer17k: Math.round((splitMs / entries) * 17000) });
  rows.push({ case: `${label}: full parse (no cache)`, entries: r.records.length, ms: fullMs });
}

const largest = largestBib(path.join(SHARED_ROOT, 'corpora'));
if (largest) {
  const { text } = decodeText(fs.readFileSync(largest));
  measure(`largest corpus .bib (${path.basename(largest)}, ${(text.length / 1e6).toFixed(1)} MB)`, largest, text);
} else {
  rows.push({ case: 'largest corpus .bib', note: `skipped: ${SHARED_ROOT}/corpora not present` });
}

const syn20k = synthetic(20_000);
measure('synthetic 20k entries', '/bench/synthetic20k.bib', syn20k);

{
  const syn10k = synthetic(10_000);
  const cache = new EntryCache();
  let decodes = 0;
  let t0 = performance.now();
  parseBibliography('/bench/syn10k.bib', Buffer.from(syn10k), { cache, onDecode: () => decodes++ });
  const cold = ms(t0);
  const firstDecodes = decodes;
  decodes = 0;
  const edited = syn10k.replace('title = {On ', 'title = {Edited: On ');
  t0 = performance.now();
  const r = parseBibliography('/bench/syn10k.bib', Buffer.from(edited), { cache, onDecode: () => decodes++ });
  const warm = ms(t0);
  rows.push({ case: 'synthetic 10k: cold parse into empty cache', entries: r.records.length, ms: cold, decodes: firstDecodes });
  rows.push({ case: 'synthetic 10k: re-parse after editing one entry (EntryCache)', entries: r.records.length, ms: warm, decodes });
}

{
  // Reference: the library's own full parse, on a subset (the whole large file takes minutes).
  const source = largest ? decodeText(fs.readFileSync(largest)).text : syn20k;
  const chunks = splitBibtex(source).filter((c) => c.kind === 'entry').slice(0, 300);
  const subset = chunks.map((c) => source.slice(c.start, c.end)).join('\n\n');
  const parser = bibtexParser();
  const t0 = performance.now();
  const lib = parser.parse(subset);
  const refMs = ms(t0);
  const t1 = performance.now();
  const ours = parseBibliography('/bench/subset.bib', Buffer.from(subset));
  const oursMs = ms(t1);
  rows.push({ case: 'reference: @retorquere/bibtex-parser parse, 300-entry subset', entries: lib.entries.length, ms: refMs, msPer10k: Math.round((refMs / 300) * 10000) });
  rows.push({ case: 'ours: parseBibliography, same subset', entries: ours.records.length, ms: oursMs });
}

if (json) {
  console.log(JSON.stringify({ node: process.version, rows }));
} else {
  const cols = ['case', 'entries', 'ms', 'msPer17k', 'decodes', 'msPer10k', 'note'];
  const present = cols.filter((c) => rows.some((r) => r[c] !== undefined));
  const width = present.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(width[i]) : v.padStart(width[i]))).join('  ');
  console.log(line(present));
  for (const r of rows) console.log(line(present.map((c) => String(r[c] ?? ''))));
}
