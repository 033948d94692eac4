/**
 * Re-index latency after editing one entry of a 10k-entry .bib (target ≤ 1 s).
 *
 *   node --import tsx bench/reindex.ts [--entries 10000] [--dim 768] [--json]
 *
 * Uses the deterministic test embedder (hashed bag of words, instant) so the number is the cost
 * of the index itself: read + parse (with the EntryCache the extension keeps), diff, write,
 * index maintenance. A variant with the real SPECTER2 model adds one document's embedding time.
 * Scenarios, each on the same table in sequence:
 *   unchanged   – save without changes
 *   editTitle   – one entry's title changed (same number of lines): 1 embedding, 1 row
 *   editYear    – one entry's year changed: metadata-only update, 0 embeddings
 *   insertLine  – one line added to the middle entry's abstract: every later entry's line shifts
 *   insertTop   – one line inserted at the top of the file: EVERY entry's line shifts (target ≤ 1.5× unchanged)
 * Line numbers live in the positions table, so a shift rewrites that small table, never a paper row.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { IndexStore } from '../extension/core/index/store';
import { indexFiles, type IndexSummary } from '../extension/core/index/indexer';
import { EntryCache } from '../extension/core/bib';
import { HashEmbedder } from '../test/unit/index/hashEmbedder';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '10000' },
    dim: { type: 'string', default: '768' },
    json: { type: 'boolean', default: false },
  },
});
const N = Number(values.entries);
const DIM = Number(values.dim);
const log = (s: string) => { if (!values.json) process.stderr.write(s + '\n'); };

const WORDS = 'graph neural network vision language model protein quantum market climate learning deep sparse robust causal inference retrieval embedding attention transformer bayesian optimisation kernel'.split(' ');
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const phrase = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ');

interface Entry { key: string; title: string; abstract: string; year: number; extraLine?: string }
const entries: Entry[] = Array.from({ length: N }, (_, i) => ({ key: `entry${i}`, title: `${phrase(7)} ${i}`, abstract: phrase(60), year: 1990 + (i % 30) }));
let header = '';
const render = () =>
  header + entries.map((e) => `@article{${e.key},\n  title = {${e.title}},\n  author = {Doe, Jane and Roe, Richard},\n  journal = {Journal of Synthetic Results},\n  year = {${e.year}},\n  abstract = {${e.abstract}${e.extraLine ? `\n${e.extraLine}` : ''}}\n}\n`).join('\n');

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-reindex-'));
  const bib = path.join(dir, 'big.bib');
  const emb = new HashEmbedder(DIM);
  const cache = new EntryCache();
  const store = await IndexStore.open({ dir: path.join(dir, 'db'), workspace: dir, space: { embedderId: emb.id, dim: emb.dim } });
  const run = async (): Promise<{ ms: number; s: IndexSummary; embedderCalls: number }> => {
    const calls = emb.calls;
    const t = process.hrtime.bigint();
    const s = await indexFiles([bib], { store, embedder: emb, cache });
    return { ms: Math.round(Number(process.hrtime.bigint() - t) / 1e6), s, embedderCalls: emb.calls - calls };
  };
  const brief = (r: Awaited<ReturnType<typeof run>>) => ({ ms: r.ms, phases: r.s.timingsMs, embedded: r.s.embedded, updated: r.s.updated, moved: r.s.moved, unchanged: r.s.unchanged, embedderCalls: r.embedderCalls });

  fs.writeFileSync(bib, render());
  const initial = await run();
  log(`initial index of ${N} entries: ${initial.ms} ms`);

  const results: Record<string, ReturnType<typeof brief>> = { initial: brief(initial) };
  fs.writeFileSync(bib, render());
  results.unchanged = brief(await run());
  const mid = Math.floor(N / 2);
  entries[mid].title = `${entries[mid].title} (revised)`;
  fs.writeFileSync(bib, render());
  results.editTitle = brief(await run());
  entries[mid].year += 1;
  fs.writeFileSync(bib, render());
  results.editYear = brief(await run());
  entries[mid].extraLine = 'A second line added to the abstract.';
  fs.writeFileSync(bib, render());
  results.insertLine = brief(await run());
  // Alternate (line inserted at the top / removed again) with unchanged saves, 5 rounds, medians:
  // the parse half is what varies on a busy machine, and both scenarios parse the same file.
  const tops: ReturnType<typeof brief>[] = [];
  const sames: ReturnType<typeof brief>[] = [];
  for (let round = 0; round < 5; round++) {
    header = header ? '' : '% exported by the benchmark\n';
    fs.writeFileSync(bib, render());
    tops.push(brief(await run()));
    fs.writeFileSync(bib, render());
    sames.push(brief(await run()));
  }
  const median = (xs: ReturnType<typeof brief>[]) => [...xs].sort((a, b) => a.ms - b.ms)[Math.floor(xs.length / 2)];
  results.insertTop = median(tops);
  results.unchangedAgain = median(sames);
  for (const [k, v] of Object.entries(results)) log(`${k}: ${JSON.stringify(v)}`);

  const insertTopVsUnchanged = Math.round((results.insertTop.ms / results.unchangedAgain.ms) * 100) / 100;
  const out = { entries: N, dim: DIM, cpus: os.cpus().length, loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10), ...results, insertTopVsUnchanged };
  if (values.json) process.stdout.write(JSON.stringify(out) + '\n');
  else console.log(JSON.stringify(out, null, 2));
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
}
main().catch((e) => { console.error(e); process.exit(1); });
