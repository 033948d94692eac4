/**
 * Shared by the latency benches: a FULL-SIZE random-weight SPECTER2 (exact shapes, see
 * models/checkpoint/randomCheckpoint.ts) with the proximity and adhoc_query adapters and the real
 * scivocab vocabulary from ../shared/fixtures/specter2-tiny/base, plus query contexts of a given
 * token length cut from real abstracts, and small statistics helpers.
 *
 * RP_BENCH_MODEL_DIR=DIR keeps the checkpoint (≈ 500 MB) and the ONNX graph cache between runs; without
 * it they live in a temp folder the caller deletes.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { writeRandomCheckpoint } from '../models/checkpoint/randomCheckpoint';
import type { ModelDir } from '../models/types';
import { TINY_MODEL } from '../test/helpers/shared';
import { loadEmbedWorkload } from './workload';

export interface FullModel { dir: ModelDir; cacheDir: string; cleanup: () => void }

export function fullSizeModel(log: (s: string) => void): FullModel {
  const vocabDir = path.join(TINY_MODEL, 'base');
  if (!fs.existsSync(path.join(vocabDir, 'vocab.txt'))) {
    console.error(`this bench needs the scivocab vocab.txt from ${vocabDir} (../shared beside the checkout); not present`);
    process.exit(2);
  }
  const keep = process.env.RP_BENCH_MODEL_DIR;
  const root = keep ?? fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-model-'));
  const modelRoot = path.join(root, 'model');
  const marker = path.join(modelRoot, '.complete');
  let dir: ModelDir;
  if (keep && fs.existsSync(marker)) {
    dir = JSON.parse(fs.readFileSync(marker, 'utf8')) as ModelDir;
    log(`reusing the full-size random SPECTER2 in ${modelRoot}`);
  } else {
    log(`writing a full-size random SPECTER2 checkpoint to ${modelRoot} …`);
    dir = writeRandomCheckpoint(modelRoot, { adapters: ['proximity', 'adhoc_query'] });
    for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(vocabDir, f), path.join(dir.base, f));
    fs.writeFileSync(marker, JSON.stringify(dir));
  }
  return { dir, cacheDir: path.join(root, 'onnx-cache'), cleanup: () => { if (!keep) fs.rmSync(root, { recursive: true, force: true }); } };
}

/** The workload's real papers cycled to `n` entries (distinct titles, so no two are identical). */
export function papers(n: number): { title: string; abstract: string | null }[] {
  const w = loadEmbedWorkload();
  return Array.from({ length: n }, (_, i) => ({ title: `${w[i % w.length].title} (${i})`, abstract: w[i % w.length].abstract }));
}

/**
 * `count` cursor contexts of exactly `tokens` tokens (± one word), cut at varying offsets from the
 * workload's abstracts (writers' prose of the same kind). `countTokens` is the model's tokenizer.
 */
export async function contexts(count: number, tokens: number, countTokens: (texts: string[]) => Promise<number[]>): Promise<string[]> {
  const words = loadEmbedWorkload().flatMap((p) => `${p.title}. ${p.abstract ?? ''}`.split(/\s+/).filter(Boolean));
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const start = (i * 997) % Math.max(1, words.length - 4 * tokens);
    // Grow the window until the tokenizer (with [CLS]/[SEP]) reaches `tokens`.
    let lo = 1, hi = 2 * tokens;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const [n] = await countTokens([words.slice(start, start + mid).join(' ')]);
      if (n < tokens) lo = mid + 1; else hi = mid;
    }
    out.push(words.slice(start, start + lo).join(' '));
  }
  return out;
}

export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}
export const round = (x: number, d = 1) => Math.round(x * 10 ** d) / 10 ** d;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export function loadAverage(): number[] {
  return os.loadavg().map((x) => round(x, 2));
}
