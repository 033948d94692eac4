/**
 * Bibliography parsing benchmark: `node --import tsx bench/parse.ts [--json]`.
 *  - split (structural, ./extension/core/bib/bibtexSplit) and full parse of the largest .bib in ../shared/corpora;
 *  - the same for a synthetic 20k-entry file generated here;
 *  - re-parse of a 10k-entry file after editing one entry, with the EntryCache;
 *  - reference: @retorquere/bibtex-parser's plain full `parse` on a 300-entry subset, extrapolated per entry.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SHARED_ROOT } from '../test/helpers/shared';
import { EntryCache, decodeText, parseBibliography } from '../extension/core/bib/index';
import { splitBibtex } from '../extension/core/bib/bibtexSplit';
import { bibtexParser } from '../extension/core/bib/bibtexParserLoader';
import { latexEngineStats } from '../extension/core/bib/latexDecode';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

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
    // ~10 % of titles carry accents/escapes (the lite decoder's job), 0.5 % math (the library's job) — roughly the
    // mix of the real corpora.
    const accent = (i % 10 === 0 ? ' of G{\\"o}del \\& Sons' : '') + (i % 200 === 0 ? ' with $\\alpha$-widgets' : '');
    out.push(
      `@article{key${i},\n  author = {Author${i}, Ann and Other, Bob},\n  title = {On ${w(1)} ${w(2)} ${w(3)}${accent}},\n` +
        `  journal = tw,\n  year = {${1990 + (i % 35)}},\n  doi = {10.1000/syn.${i}},\n` +
        `  abstract = {We study ${w(4)} ${w(5)} for ${w(6)} in {${w(7)}} settings; results ${i}.}\n}\n\n`,
    );
  }
  return out.join('');
}

function measure(label: string, file: string, text: string): void {
  // The first split includes JIT warm-up of the scanner; the median of 5 is the steady state.
  const splits: number[] = [];
  let entries = 0;
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    entries = splitBibtex(text).filter((c) => c.kind === 'entry').length;
    splits.push(ms(t0));
  }
  const bytes = Buffer.from(text);
  const engineBefore = latexEngineStats.values;
  const t0 = performance.now();
  const r = parseBibliography(file, bytes);
  const fullMs = ms(t0);
  rows.push({ case: `${label}: split (first run)`, entries, ms: splits[0], msPer17k: Math.round((splits[0] / entries) * 17000) });
  rows.push({ case: `${label}: split (median of 5)`, entries, ms: median(splits), msPer17k: Math.round((median(splits) / entries) * 17000) });
  rows.push({ case: `${label}: full parse + decode (no cache)`, entries: r.records.length, ms: fullMs, libraryValues: latexEngineStats.values - engineBefore });
}

/** Cold parse into an EntryCache, then 5 re-parses each after editing one (different) entry; median reported. */
function reparse(label: string, file: string, text: string): void {
  const cache = new EntryCache();
  let decodes = 0;
  let t0 = performance.now();
  const first = parseBibliography(file, Buffer.from(text), { cache, onDecode: () => decodes++ });
  rows.push({ case: `${label}: cold parse into empty EntryCache`, entries: first.records.length, ms: ms(t0), decodes });
  const chunks = splitBibtex(text).filter((c) => c.kind === 'entry');
  const times: number[] = [];
  const decodeCounts: number[] = [];
  for (let k = 0; k < 5; k++) {
    const target = chunks[Math.floor(((k + 1) * chunks.length) / 7)];
    const entryText = text.slice(target.start, target.end);
    const editedEntry = entryText.replace(/title\s*=\s*([{"])/i, (m) => `${m}Edited ${k} `);
    const edited = text.slice(0, target.start) + editedEntry + text.slice(target.end);
    decodes = 0;
    t0 = performance.now();
    parseBibliography(file, Buffer.from(edited), { cache, onDecode: () => decodes++ });
    times.push(ms(t0));
    decodeCounts.push(decodes);
  }
  rows.push({
    case: `${label}: re-parse after editing one entry (EntryCache, median of 5)`,
    entries: first.records.length,
    ms: median(times),
    decodes: decodeCounts.join('/'),
  });
}

{
  // Loading @retorquere/bibtex-parser (and its unified-latex PEG parser) is a one-off cost per process; measured
  // separately so that it does not inflate the first parse below.
  const t0 = performance.now();
  parseBibliography('/bench/warmup.bib', Buffer.from('@article{w, title = {$x$ {\\"o}}}'));
  rows.push({ case: 'one-off: load the LaTeX engine + first decode', ms: ms(t0) });
}

const largest = largestBib(path.join(SHARED_ROOT, 'corpora'));
const syn20k = synthetic(20_000);
const acm = path.join(SHARED_ROOT, 'corpora', 'bib-real', 'large', 'acm-chi-1982-2020.bib');

if (largest) {
  const { text } = decodeText(fs.readFileSync(largest));
  measure(`largest corpus .bib (${path.basename(largest)}, ${(text.length / 1e6).toFixed(1)} MB)`, largest, text);
} else {
  rows.push({ case: 'largest corpus .bib', note: `skipped: ${SHARED_ROOT}/corpora not present` });
}
measure('synthetic 20k entries', '/bench/synthetic20k.bib', syn20k);
reparse('synthetic 10k', '/bench/syn10k.bib', synthetic(10_000));
if (fs.existsSync(acm)) reparse('acm-chi (10,569 real entries)', acm, decodeText(fs.readFileSync(acm)).text);

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
  console.log(JSON.stringify({ node: process.version, loadavg: os.loadavg(), cpus: os.cpus().length, rows }));
} else {
  console.log(`node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  const cols = ['case', 'entries', 'ms', 'msPer17k', 'decodes', 'libraryValues', 'msPer10k', 'note'];
  const present = cols.filter((c) => rows.some((r) => r[c] !== undefined));
  const width = present.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (vals: string[]) => vals.map((v, i) => (i === 0 ? v.padEnd(width[i]) : v.padStart(width[i]))).join('  ');
  console.log(line(present));
  for (const r of rows) console.log(line(present.map((c) => String(r[c] ?? ''))));
}
