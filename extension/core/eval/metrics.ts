/**
 * Ranking metrics with binary relevance, as in the citation-recommendation literature (ACM-CR):
 * recall@k = found relevant in the top k / all relevant; nDCG@10 with gain 1 and log2 discount
 * (ideal = all relevant first); MRR = 1 / rank of the first relevant hit within the retrieved depth
 * (0 when none). Relevant items absent from the collection are still relevant: they count as misses.
 */
export interface Metrics {
  'recall@5': number;
  'recall@10': number;
  'ndcg@10': number;
  mrr: number;
}

/** `ranked`: per result, the ids it answers to (key, DOI, …), best first. `relevant`: ids of the answers. */
export function queryMetrics(ranked: readonly (readonly string[])[], relevant: ReadonlySet<string>): Metrics {
  const hitAt = ranked.map((ids) => ids.some((id) => relevant.has(id)));
  // One result can answer at most one relevant id; count distinct relevant ids found.
  const foundBy = (k: number) => {
    const found = new Set<string>();
    ranked.slice(0, k).forEach((ids) => ids.forEach((id) => relevant.has(id) && found.add(id)));
    return found.size;
  };
  const n = relevant.size;
  let dcg = 0;
  hitAt.slice(0, 10).forEach((h, i) => { if (h) dcg += 1 / Math.log2(i + 2); });
  let idcg = 0;
  for (let i = 0; i < Math.min(10, n); i++) idcg += 1 / Math.log2(i + 2);
  const first = hitAt.indexOf(true);
  return {
    'recall@5': n ? foundBy(5) / n : 0,
    'recall@10': n ? foundBy(10) / n : 0,
    'ndcg@10': idcg ? dcg / idcg : 0,
    mrr: first >= 0 ? 1 / (first + 1) : 0,
  };
}

/** Mean of per-query metrics (macro average, every query weighs the same). */
export function meanMetrics(all: readonly Metrics[]): Metrics {
  const out: Metrics = { 'recall@5': 0, 'recall@10': 0, 'ndcg@10': 0, mrr: 0 };
  if (all.length === 0) return out;
  for (const m of all) for (const k of Object.keys(out) as (keyof Metrics)[]) out[k] += m[k];
  for (const k of Object.keys(out) as (keyof Metrics)[]) out[k] = round(out[k] / all.length);
  return out;
}

function round(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}
