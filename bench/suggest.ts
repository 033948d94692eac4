/**
 * Cursor → suggestion latency, end to end as the panel gets it:
 *   context extraction (core/editor/context.ts, on a LaTeX paragraph with a citation and markup)
 *   → adhoc_query embedding in the REAL worker thread (full-size random-weight SPECTER2, bench/fullModel.ts)
 *   → hybrid search (core/index/search.ts: vector + BM25 in LanceDB, RRF fusion)
 *   → view-model mapping (core/index/paper.ts hitToPaper + host/paperView.ts toPaperView, both pure).
 * Warm, at 10k and 100k indexed synthetic entries (bench/synthetic.ts: realistic word frequencies),
 * fp32 and int8, contexts of 64 and 200 tokens; p50/p95 over --queries (≥ 50) queries and each part's share.
 * Reference in the same run: brute-force cosine in plain JS over the same 100k rows, and the query
 * embedding alone (one worker embed call of a 64-token context, fp32).
 *
 *   npm run bench:suggest [-- --json] [--queries 50] [--entries 10000,100000] [--keep DIR]
 *
 * --json prints exactly {"rows":[{entries,precision,context_tokens,p50_ms,p95_ms,search_p50_ms,embed_p50_ms}],
 * "reference":{entries,bruteforce_p50_ms,embed_only_p50_ms}}; the details (shares, load average) go to stderr.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { WorkerClient, workerScript } from '../extension/worker/client';
import { extractContext } from '../extension/core/editor/context';
import { search } from '../extension/core/index/search';
import { hitToPaper } from '../extension/core/index/paper';
import { toPaperView } from '../extension/host/paperView';
import type { Precision } from '../models/types';
import { REPO_ROOT } from '../test/helpers/shared';
import { contexts, fullSizeModel, loadAverage, pct, round } from './fullModel';
import { SyntheticCorpus, bruteForceTopK, buildSyntheticStore } from './synthetic';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    queries: { type: 'string', default: '50' },
    entries: { type: 'string', default: '10000,100000' },
    precisions: { type: 'string', default: 'fp32,int8' },
    tokens: { type: 'string', default: '64,200' },
    k: { type: 'string', default: '20' },
    keep: { type: 'string' },
  },
});
const log = (s: string) => process.stderr.write(s + '\n');
const Q = Math.max(1, Number(values.queries));
const K = Number(values.k);
const sizes = values.entries!.split(',').map(Number);
const tokenSizes = values.tokens!.split(',').map(Number);

/** A LaTeX paragraph around the context: a citation and markup the extraction must strip; cursor at its end. */
function paragraph(text: string, i: number): string {
  const words = text.split(' ');
  const mid = Math.floor(words.length / 2);
  return `\\section{Related work}\n\n${words.slice(0, mid).join(' ')} \\cite{k${i}} \\emph{${words.slice(mid, mid + 2).join(' ')}} ${words.slice(mid + 2).join(' ')}\n\nNext paragraph.\n`;
}

async function main() {
  const model = fullSizeModel(log);
  const dir = values.keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-suggest-'));
  const { scriptPath, execArgv } = workerScript(path.join(REPO_ROOT, 'dist'));
  try {
    const corpus = new SyntheticCorpus(768);
    const stores = [];
    for (const n of sizes) {
      const built = await buildSyntheticStore(dir, `suggest-${n}`, n, corpus);
      log(`${n} entries: written in ${round(built.loadMs / 1000)} s, indices in ${round(built.finishMs / 1000)} s`);
      stores.push({ n, ...built });
    }
    const rows = [];
    let embedOnly = NaN;
    const detail = [];
    for (const precision of values.precisions!.split(',') as Precision[]) {
      const client = new WorkerClient(scriptPath, execArgv);
      await client.call('loadModel', { modelDir: model.dir, precision, cacheDir: model.cacheDir });
      const count = async (t: string[]) => (await client.call('tokenize', { texts: t })).ids.map((x) => x.length);
      for (const tokens of tokenSizes) {
        const texts = await contexts(Q + 5, tokens, count);
        const docs = texts.map(paragraph);
        const embed = async (text: string) => (await client.call('embed', { inputs: [{ text }], adapter: 'adhoc_query', priority: 'query' })).vectors[0];
        if (precision === 'fp32' && tokens === tokenSizes[0]) {
          for (const t of texts.slice(0, 5)) await embed(t);
          const ms: number[] = [];
          for (const t of texts.slice(5)) { const t0 = performance.now(); await embed(t); ms.push(performance.now() - t0); }
          embedOnly = pct(ms, 50);
        }
        for (const s of stores) {
          const parts = { context: [] as number[], embed: [] as number[], search: [] as number[], view: [] as number[], total: [] as number[] };
          let extractedTokens = 0;
          for (let i = 0; i < docs.length; i++) {
            const doc = docs[i];
            const t0 = performance.now();
            const ctx = extractContext(doc, doc.indexOf('\n\nNext') - 1, 'latex', { sentencesBefore: 1000, sentencesAfter: 0, maxChars: 4000 });
            const t1 = performance.now();
            const vector = await embed(ctx.text);
            const t2 = performance.now();
            const hits = await search(s.store, { queryVector: vector, text: ctx.text, k: K, excludeKeys: ctx.paragraphKeys });
            const t3 = performance.now();
            const cited = new Set(ctx.citedKeys);
            const views = hits.map((h) => toPaperView(hitToPaper(h), ctx.text, cited));
            const t4 = performance.now();
            if (views.length === 0) throw new Error('no hits: the bench would time nothing');
            if (i < 5) continue; // warm-up
            if (i === 5) extractedTokens = (await count([ctx.text]))[0];
            parts.context.push(t1 - t0); parts.embed.push(t2 - t1); parts.search.push(t3 - t2); parts.view.push(t4 - t3); parts.total.push(t4 - t0);
          }
          const p50 = pct(parts.total, 50);
          const share = (xs: number[]) => round(xs.reduce((a, b) => a + b, 0) / parts.total.reduce((a, b) => a + b, 0), 3);
          rows.push({ entries: s.n, precision, context_tokens: tokens, p50_ms: round(p50), p95_ms: round(pct(parts.total, 95)), search_p50_ms: round(pct(parts.search, 50)), embed_p50_ms: round(pct(parts.embed, 50)) });
          const d = { entries: s.n, precision, context_tokens: tokens, extracted_tokens: extractedTokens, share: { context: share(parts.context), embed: share(parts.embed), search: share(parts.search), view: share(parts.view) }, context_p50_ms: round(pct(parts.context, 50), 2), view_p50_ms: round(pct(parts.view, 50), 2), loadavg: loadAverage() };
          detail.push(d);
          log(JSON.stringify({ ...rows[rows.length - 1], ...d }));
        }
      }
      await client.dispose();
    }
    // Reference: exact cosine top-k in plain JS over the largest table's rows.
    const big = stores[stores.length - 1];
    const bf: number[] = [];
    for (let i = 0; i < Math.min(Q, 30); i++) {
      const q = corpus.vector();
      const t0 = performance.now();
      bruteForceTopK(big.all, corpus.dim, q, K);
      bf.push(performance.now() - t0);
    }
    const out = { rows, reference: { entries: big.n, bruteforce_p50_ms: round(pct(bf, 50)), embed_only_p50_ms: round(embedOnly) } };
    log(`load average at the end: ${loadAverage().join(' ')}`);
    if (values.json) console.log(JSON.stringify(out));
    else console.log(JSON.stringify({ ...out, detail }, null, 2));
    for (const s of stores) s.store.close();
  } finally {
    if (!values.keep) fs.rmSync(dir, { recursive: true, force: true });
    model.cleanup();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
