/**
 * Citation-recommendation quality on ACM-CR (../shared/corpora/eval/acm-cr): every citation context (a paragraph of a
 * SIGIR/CHIIR 2020 paper, its "[12, 13]" markers stripped) is a query against the 5,699-entry collection.bib; the
 * papers it cites are the relevant answers. Reports recall@10 and nDCG@10 (binary gains) over the 164 contexts.
 *
 *   npm run bench:eval -- [--model-dir DIR] [--precision fp32|int8] [--json]
 *
 * The reference in the same run is our full-text (BM25) retriever alone — the baseline the ACM-CR authors report
 * (recall@10 ≈ 0.34, nDCG@10 ≈ 0.29 on contexts, with their own BM25). With --model-dir the hybrid (SPECTER2
 * adhoc_query vector + BM25, RRF) and the vector-only rankings are measured too. Relevant papers that are not in the
 * collection (22 non-ACM works) count as misses, as in the paper.
 * With the tiny random-weight fixture the vector half is noise; the numbers mean something with the real weights.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { IndexStore } from '../extension/core/index/store';
import { indexFiles } from '../extension/core/index/indexer';
import { search } from '../extension/core/index/search';
import { createCliEmbedder } from '../extension/cli/deps';
import type { Precision } from '../models/types';
import { sharedPath } from '../test/helpers/shared';

const { values } = parseArgs({
  options: { 'model-dir': { type: 'string' }, precision: { type: 'string', default: 'fp32' }, json: { type: 'boolean', default: false }, k: { type: 'string', default: '10' } },
});
const K = Number(values.k);
const log = (s: string) => (values.json ? console.error(s) : console.log(s));

interface Topic { id: string; text: string }

function readTopics(file: string): Topic[] {
  const text = fs.readFileSync(file, 'utf8');
  const topics: Topic[] = [];
  for (const block of text.split('<top>').slice(1)) {
    const id = /<num>\s*Number:\s*(\S+)/.exec(block)?.[1];
    const desc = /<desc>\s*Description:\s*([\s\S]*?)(?:<narr>|<\/top>)/.exec(block)?.[1];
    if (!id || !desc) continue;
    // The citation markers would give the answer away (and are not in a draft being written): strip them.
    topics.push({ id, text: desc.replace(/\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]/g, ' ').replace(/\s+/g, ' ').trim() });
  }
  return topics;
}

function readQrels(file: string): Map<string, Set<string>> {
  const rel = new Map<string, Set<string>>();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    const [topic, , target, grade] = line.trim().split(/\s+/);
    if (!topic || !target || grade === '0') continue;
    if (!rel.has(topic)) rel.set(topic, new Set());
    rel.get(topic)!.add(target.toLowerCase());
  }
  return rel;
}

function metrics(ranked: string[], relevant: Set<string>): { recall: number; ndcg: number } {
  const top = ranked.slice(0, K).map((k) => k.toLowerCase());
  const hits = top.filter((k) => relevant.has(k)).length;
  let dcg = 0;
  top.forEach((k, i) => { if (relevant.has(k)) dcg += 1 / Math.log2(i + 2); });
  let idcg = 0;
  for (let i = 0; i < Math.min(K, relevant.size); i++) idcg += 1 / Math.log2(i + 2);
  return { recall: hits / relevant.size, ndcg: idcg ? dcg / idcg : 0 };
}

async function main() {
  const dir = sharedPath('corpora', 'eval', 'acm-cr');
  if (!fs.existsSync(dir)) { console.error(`bench:eval needs ${dir} (../shared beside the checkout); not present`); process.exit(2); }
  const topics = readTopics(path.join(dir, 'contexts.topics.txt'));
  const qrels = readQrels(path.join(dir, 'contexts.qrels.txt'));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-eval-'));
  const embedder = await createCliEmbedder(values['model-dir'], values.precision as Precision);
  try {
    const store = await IndexStore.open({ dir: tmp, workspace: 'acm-cr', space: embedder ? { embedderId: embedder.id, dim: embedder.dim } : null });
    const t0 = performance.now();
    const summary = await indexFiles([path.join(dir, 'collection.bib')], { store, embedder });
    log(`indexed ${summary.entries} entries (${summary.embedded} embedded) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const modes: Record<string, { recall: number; ndcg: number; n: number }> = {};
    const add = (mode: string, m: { recall: number; ndcg: number }) => {
      const s = (modes[mode] ??= { recall: 0, ndcg: 0, n: 0 });
      s.recall += m.recall; s.ndcg += m.ndcg; s.n++;
    };
    for (const t of topics) {
      const relevant = qrels.get(t.id);
      if (!relevant) continue;
      add('bm25 (reference)', metrics((await search(store, { text: t.text, k: K })).map((h) => h.key), relevant));
      if (embedder) {
        const [v] = await embedder.embedQueries([t.text]);
        add('vector (adhoc_query)', metrics((await search(store, { queryVector: v, k: K })).map((h) => h.key), relevant));
        add('hybrid (vector + bm25, RRF)', metrics((await search(store, { queryVector: v, text: t.text, k: K })).map((h) => h.key), relevant));
      }
    }
    store.close();
    const out = Object.fromEntries(Object.entries(modes).map(([m, s]) => [m, { topics: s.n, [`recall@${K}`]: s.recall / s.n, [`ndcg@${K}`]: s.ndcg / s.n }]));
    if (values.json) console.log(JSON.stringify({ model: embedder?.id ?? null, k: K, results: out }));
    else for (const [m, r] of Object.entries(out)) console.log(`${m.padEnd(30)} ${JSON.stringify(r)}`);
  } finally {
    await (embedder as { dispose?: () => Promise<void> } | null)?.dispose?.();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
