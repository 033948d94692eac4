/**
 * bench:complete — citing in the line, timed on the real path (grammar → context extraction → query embedding with
 * the full-size SPECTER2 architecture → LanceDB hybrid search → catalog filter):
 *   1. p95 latency of the FIRST completion list after `\cite{` at 10k entries, model warm (target ≤ 150 ms);
 *   2. the opt-in citation check of a ~30-page draft (target ≤ 2 s), model warm.
 * References measured in the same run: a plain prefix filter over the 10k keys (what key-only completers do), and
 * the undefined-key diagnostics of the same draft (no search).
 * The model is a random-weight full-size checkpoint (models/checkpoint/randomCheckpoint.ts): the cost is real,
 * the rankings are not. Entry vectors are random unit vectors (embedding 10k papers is bench:embed's job).
 *
 *   node --import tsx bench/complete.ts [--entries 10000] [--lists 40] [--precision fp32|int8] [--json]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRandomCheckpoint } from '../models/checkpoint/randomCheckpoint';
import { createCliEmbedder } from '../extension/cli/deps';
import { IndexStore } from '../extension/core/index/store';
import { recordToRow, type IndexRow } from '../extension/core/index/schema';
import { Library } from '../extension/core/app/library';
import { extractContext } from '../extension/core/editor/context';
import { libraryCitationCatalog, librarySearchDeps } from '../extension/core/app/citations';
import { completeCitation } from '../extension/core/citations/completion';
import { citationCheck } from '../extension/core/citations/check';
import { undefinedKeyDiagnostics } from '../extension/core/citations/diagnostics';
import { citationsOf } from '../extension/core/citations/document';
import { sharedPath, TINY_MODEL } from '../test/helpers/shared';
import { loadEmbedWorkload } from './workload';

const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '10000' }, lists: { type: 'string', default: '40' },
    precision: { type: 'string', default: 'fp32' }, json: { type: 'boolean', default: false },
  },
});
const N = Number(values.entries);
const LISTS = Number(values.lists);
const log = (s: string) => (values.json ? console.error(s) : console.log(s));

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}
const round = (x: number) => Math.round(x * 100) / 100;
const now = () => Number(process.hrtime.bigint()) / 1e6;

function unitVector(dim: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const v = new Float32Array(dim);
  let n = 0;
  for (let i = 0; i < dim; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    v[i] = s / 2 ** 32 - 0.5;
    n += v[i]! * v[i]!;
  }
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < dim; i++) v[i]! *= inv;
  return v;
}

/** ~30 pages: the dissertation's chapters (real LaTeX with real citations), concatenated. */
function thirtyPageDraft(): string {
  const dir = sharedPath('corpora', 'manuscripts', 'thammegowda-dissertation', 'chapter');
  let text = '';
  for (const f of fs.readdirSync(dir).sort()) {
    text += fs.readFileSync(path.join(dir, f), 'utf8') + '\n\n';
    if (text.split(/\s+/).length >= 15_000) break; // ≈ 500 words a page
  }
  return text;
}

async function main() {
  const vocabDir = path.join(TINY_MODEL, 'base');
  if (!fs.existsSync(path.join(vocabDir, 'vocab.txt'))) {
    console.error(`bench:complete needs the scivocab vocab.txt from ${vocabDir} (../shared beside the checkout); not present`);
    process.exit(2);
  }
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-complete-'));
  try {
    log('writing a full-size random SPECTER2 checkpoint …');
    const dir = writeRandomCheckpoint(path.join(tmp, 'model'), { adapters: ['proximity', 'adhoc_query'], weightsFormat: 'torch' });
    for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(vocabDir, f), path.join(dir.base, f));
    if (values.precision !== 'fp32' && values.precision !== 'int8') throw new Error(`--precision must be fp32 or int8, not ${values.precision}`);
    const embedder = (await createCliEmbedder(path.join(tmp, 'model'), values.precision))!;

    const draft = thirtyPageDraft();
    const citedKeys = [...new Set(citationsOf(draft, 'latex').flatMap((c) => c.keys))];
    const papers = loadEmbedWorkload();
    log(`building a ${N}-entry index (real titles/abstracts from ../shared/corpora/eval, random vectors) …`);
    const store = await IndexStore.open({ dir: path.join(tmp, 'db'), workspace: 'bench', space: { embedderId: embedder.id, dim: embedder.dim } });
    const families = ['Vaswani', 'Devlin', 'Cohan', 'Beltagy', 'Karpukhin', 'Müller', 'Nguyen', 'Smith', 'García', 'Wang'];
    for (let start = 0; start < N; start += 2000) {
      const rows: IndexRow[] = [];
      for (let i = start; i < Math.min(N, start + 2000); i++) {
        const p = papers[i % papers.length]!;
        // the draft's cited keys are library entries (so the check has citations to judge)
        const key = i < citedKeys.length ? citedKeys[i]! : `${families[i % families.length]!.toLowerCase()}${2000 + (i % 25)}k${i}`;
        const r = recordToRow({ key, type: 'article', title: p.title, abstract: p.abstract ?? '', authors: [`${families[i % families.length]}, A.`, 'Doe, J.'], year: 2000 + (i % 25), file: `/bench/lib${i % 4}.bib`, line: i + 1 });
        rows.push({ ...r, vector: unitVector(embedder.dim, i + 1) });
      }
      await store.upsert(rows);
    }
    await store.finishWrites();
    // THE application layer over the table just written (the same search and catalogue as the extension).
    const library = new Library({ dbDir: store.dir, workspace: 'bench', model: { ensure: async () => embedder }, vectorCacheDir: null });
    const catalog = await libraryCitationCatalog(library);
    const deps = librarySearchDeps(library);

    // cursors: `\cite{` typed at the end of sentences (each a different query): the examples draft, then a
    // real dissertation's chapters from ../shared when present, so no text is asked twice.
    const chapters = sharedPath('corpora', 'manuscripts', 'thammegowda-dissertation', 'chapter');
    const example = [fs.readFileSync(path.join(__dirname, '..', 'examples', 'draft.tex'), 'utf8'),
      ...(fs.existsSync(chapters) ? fs.readdirSync(chapters).filter((f) => f.endsWith('.tex')).sort().map((f) => fs.readFileSync(path.join(chapters, f), 'utf8')) : [])].join('\n\n');
    const cursors: number[] = [];
    for (const m of example.matchAll(/[a-z]\. [A-Z]/g)) cursors.push(m.index! + 1);
    const at = (i: number) => {
      const o = cursors[i % cursors.length]!;
      const text = example.slice(0, o) + ' \\cite{' + example.slice(o);
      return { text, offset: o + ' \\cite{'.length };
    };
    // Cold lists must be texts never asked before (the Library remembers recent query vectors):
    // warm up on the LAST cursors, measure the first ones.
    const measured = Math.min(LISTS, Math.floor((cursors.length - 3) / 2));
    log('warming up the model …');
    for (let i = 0; i < 3; i++) {
      const c = at(cursors.length - 1 - i);
      await completeCitation(c.text, c.offset, 'latex', catalog, deps);
    }
    const first: number[] = [];
    const embedOnly: number[] = [];
    let itemsFirst = 0;
    for (let i = 0; i < measured; i++) {
      const c = at(i);
      const t = now();
      const r = await completeCitation(c.text, c.offset, 'latex', catalog, deps);
      first.push(now() - t);
      itemsFirst = r?.items.length ?? 0;
      const t2 = now();
      await embedder.embedQueries([r?.query ?? 'x']);
      embedOnly.push(now() - t2);
    }
    // The usual flow: the cursor rested in the paragraph, the panel ranked it (its context at the cursor,
    // before `\cite{` was typed), then `\cite{` opens the list. Other paragraphs than the cold ones.
    const afterPanel: number[] = [];
    let panelHits = 0;
    for (let i = 0; i < Math.min(measured, cursors.length - 3 - measured); i++) {
      const o = cursors[measured + i]!;
      const ctx = extractContext(example, o, 'latex', { sentencesBefore: 1, sentencesAfter: 0, maxChars: 2000 });
      await library.search({ text: ctx.text, k: 20, excludeKeys: ctx.paragraphKeys }); // the panel's query
      const c = at(measured + i);
      const t = now();
      const r = await completeCitation(c.text, c.offset, 'latex', catalog, deps);
      afterPanel.push(now() - t);
      if (r && r.query === ctx.text) panelHits++;
    }
    // reference: a plain prefix filter over the keys (sorted), as key-only completers do
    const keys = catalog.map((e) => e.key);
    const prefix: number[] = [];
    for (let i = 0; i < LISTS; i++) {
      const t = now();
      const p = ['v', 'de', 'co', 'sm', 'ng'][i % 5]!;
      keys.filter((k) => k.startsWith(p)).sort().slice(0, 200);
      prefix.push(now() - t);
    }

    const doc = { file: '/bench/draft.tex', text: draft, language: 'latex' as const };
    const citations = citationsOf(draft, 'latex');
    log(`citation check of a ${draft.split(/\s+/).length}-word draft with ${citations.length} citations …`);
    const t3 = now();
    const undef = await undefinedKeyDiagnostics(doc, catalog, {}, citations);
    const undefMs = now() - t3;
    const t4 = now();
    const checked = await citationCheck(doc, catalog, deps.search, { searchMany: deps.searchMany }, citations);
    const checkMs = now() - t4;
    // the same check one search at a time (what a caller without searchMany gets)
    const t5 = now();
    await citationCheck(doc, catalog, deps.search, { concurrency: 2 }, citations);
    const checkOneByOneMs = now() - t5;

    const out = {
      load: 'measured on a shared 2-core machine under load from other jobs',
      entries: catalog.length,
      model: `full-size SPECTER2 architecture, random weights (rankings meaningless, cost real), ${values.precision}`,
      first_list: { lists: measured, p50_ms: round(pct(first, 50)), p95_ms: round(pct(first, 95)), items: itemsFirst, target_p95_ms: 150 },
      first_list_after_panel: { lists: afterPanel.length, same_query_text: panelHits, p50_ms: round(pct(afterPanel, 50)), p95_ms: round(pct(afterPanel, 95)) },
      of_which_query_embedding: { p50_ms: round(pct(embedOnly, 50)), p95_ms: round(pct(embedOnly, 95)) },
      reference_prefix_filter: { p50_ms: round(pct(prefix, 50)), p95_ms: round(pct(prefix, 95)) },
      citation_check: { words: draft.split(/\s+/).length, citations: citations.length, reported: checked.length, ms: round(checkMs), target_ms: 2000, one_search_at_a_time_ms: round(checkOneByOneMs) },
      reference_undefined_key_diagnostics: { ms: round(undefMs), reported: undef.length },
    };
    console.log(values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2));
    library.close();
    store.close();
    await (embedder as { dispose?: () => unknown }).dispose?.();
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`bench:complete: ${(e as Error).message}`);
  process.exit(1);
});
