/**
 * Embedding throughput of a FULL-SIZE SPECTER2 (random weights, exact shapes: vocab 31090, hidden 768,
 * 12 layers × 12 heads, FFN 3072, adapter bottleneck 48) on a fixed workload of real papers, in fp32 and
 * int8, compared in the same run against the machine's measured ONNX Runtime MatMul peak.
 *
 *   npm run bench:embed              human-readable table
 *   npm run bench:embed -- --json    one JSON object (schema in README "Benchmarks")
 *   options: --papers N (default: whole workload), --batch-tokens N, --threads N
 *
 * The checkpoint is written to a temp folder (≈500 MB) and deleted at the end; the real scivocab vocab
 * comes from ../shared/fixtures/specter2-tiny/base.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRandomCheckpoint, SPECTER2_SIZES } from '../models/checkpoint/randomCheckpoint';
import { measureMatMulPeak } from '../models/runtime/matmulPeak';
import { EmbeddingEngine, DEFAULT_BATCH_TOKENS } from '../models/engine/engine';
import type { Precision } from '../models/types';
import { TINY_MODEL } from '../test/helpers/shared';
import { loadEmbedWorkload } from './workload';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    papers: { type: 'string' },
    'batch-tokens': { type: 'string' },
    threads: { type: 'string' },
  },
});
const threads = values.threads ? Number(values.threads) : os.cpus().length;
const batchTokens = values['batch-tokens'] ? Number(values['batch-tokens']) : DEFAULT_BATCH_TOKENS;
const log = (s: string) => { if (!values.json) console.log(s); else console.error(s); };

/** FLOPs of one encoder forward pass over a padded [rows, seq] batch (multiply-add = 2 FLOPs). */
function encoderFlops(rows: number, seq: number): number {
  const H = SPECTER2_SIZES.hiddenSize, F = SPECTER2_SIZES.intermediateSize, L = SPECTER2_SIZES.numLayers;
  const r = H / SPECTER2_SIZES.reductionFactor;
  const tokens = rows * seq;
  const dense = 2 * tokens * (4 * H * H + 2 * H * F + 2 * H * r); // QKV + out, FFN up/down, adapter down/up
  const attention = 2 * 2 * rows * seq * seq * H; // scores and context
  return L * (dense + attention);
}

async function run(engine: EmbeddingEngine, inputs: { title: string; abstract: string | null }[], precision: Precision) {
  const t0 = performance.now();
  let flops = 0;
  const r = await engine.embed(inputs, 'proximity', { batchTokens });
  const seconds = (performance.now() - t0) / 1000;
  // Recompute the padded shapes the engine ran (same planner, same inputs) for the FLOP count.
  const { planBatches } = await import('../models/runtime/batching');
  for (const b of planBatches(r.tokens, { batchTokens })) flops += encoderFlops(b.indices.length, b.seq);
  const tokens = r.tokens.reduce((a, b) => a + b, 0);
  log(`${precision}: ${inputs.length} papers in ${seconds.toFixed(2)} s — ${(inputs.length / seconds).toFixed(2)} papers/s, ${(tokens / seconds).toFixed(0)} tokens/s, padding ${(100 * r.paddingFraction).toFixed(1)}%, ${(flops / seconds / 1e9).toFixed(1)} GFLOP/s`);
  return { vectors: r.vectors, lengths: r.tokens, papers_per_s: inputs.length / seconds, tokens_per_s: tokens / seconds, padding_fraction: r.paddingFraction, gflops: flops / seconds / 1e9 };
}

function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) { ab += a[i] * b[i]; aa += a[i] * a[i]; bb += b[i] * b[i]; }
  return ab / Math.sqrt(aa * bb);
}

async function main() {
  const vocabDir = path.join(TINY_MODEL, 'base');
  if (!fs.existsSync(path.join(vocabDir, 'vocab.txt'))) {
    console.error(`bench:embed needs the scivocab vocab.txt from ${vocabDir} (../shared beside the checkout); not present`);
    process.exit(2);
  }
  let papers = loadEmbedWorkload();
  if (values.papers) papers = papers.slice(0, Number(values.papers));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-embed-'));
  try {
    log(`writing a full-size random SPECTER2 checkpoint to ${tmp} …`);
    const dir = writeRandomCheckpoint(path.join(tmp, 'model'), { adapters: ['proximity'] });
    for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(vocabDir, f), path.join(dir.base, f));
    log(`GEMM peak (ORT MatMul 2048×768×3072, ${threads} threads) …`);
    const peak = await measureMatMulPeak({ threads });
    log(`  ${peak.gflops.toFixed(1)} GFLOP/s`);
    const inputs = papers.map((p) => ({ title: p.title, abstract: p.abstract }));
    const results: Record<string, Awaited<ReturnType<typeof run>>> = {};
    for (const precision of ['fp32', 'int8'] as const) {
      const engine = new EmbeddingEngine();
      await engine.load({ modelDir: dir, precision, cacheDir: path.join(tmp, 'cache'), intraOpThreads: threads });
      await engine.embed(inputs.slice(0, 4), 'proximity', { batchTokens }); // warm-up (first-run allocations)
      results[precision] = await run(engine, inputs, precision);
      await engine.unload();
    }
    const fp32 = results.fp32, int8 = results.int8;
    const cosMin = Math.min(...fp32.vectors.map((v, i) => cosine(v, int8.vectors[i])));
    const out = {
      workload: { papers: inputs.length, source: '../shared/corpora/eval (specter sample + training metadata, acm-cr citing papers)' },
      threads,
      batch_tokens: batchTokens,
      fp32: { papers_per_s: fp32.papers_per_s, tokens_per_s: fp32.tokens_per_s, padding_fraction: fp32.padding_fraction, gflops: fp32.gflops },
      int8: { papers_per_s: int8.papers_per_s, tokens_per_s: int8.tokens_per_s, padding_fraction: int8.padding_fraction, cosine_to_fp32_min: cosMin, speedup_vs_fp32: int8.papers_per_s / fp32.papers_per_s },
      gemm_peak_gflops: peak.gflops,
      fp32_fraction_of_peak: fp32.gflops / peak.gflops,
      lengths: fp32.lengths,
    };
    if (values.json) console.log(JSON.stringify(out));
    else {
      console.log(`\nfp32 reaches ${(100 * out.fp32_fraction_of_peak).toFixed(0)}% of the measured MatMul peak (${peak.gflops.toFixed(1)} GFLOP/s)`);
      console.log(`int8: ${out.int8.speedup_vs_fp32.toFixed(2)}× fp32, min cosine to fp32 ${cosMin.toFixed(4)}`);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
