/**
 * Tokenizer throughput on the specter2-tiny golden texts (real scivocab), repeated N times.
 * Run: node --import tsx bench/tokenizer-speed.ts [N]
 * Reports a cold pass (fresh tokenizer, empty word cache) and warm passes (cache filled), and a
 * "unique texts" pass where every text is made distinct so the word cache helps less.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WordPieceTokenizer } from '../models/tokenizer/wordpiece';
import { TINY_MODEL } from '../test/helpers/shared';

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 400);
  const golden = JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as { cases: { text: string }[] };
  const texts = golden.cases.map((c) => c.text);
  const run = (tok: WordPieceTokenizer, inputs: string[]) => {
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    let tokens = 0;
    let chars = 0;
    for (const s of inputs) {
      tokens += tok.encode(s, 1 << 30).ids.length;
      chars += s.length;
    }
    const sec = Number(process.hrtime.bigint() - t0) / 1e9;
    const c = process.cpuUsage(c0);
    // CPU time is reported too: on a shared machine wall-clock throughput mostly measures the load.
    const cpuSec = (c.user + c.system) / 1e6;
    return {
      texts: inputs.length, tokens, wallSec: +sec.toFixed(3), cpuSec: +cpuSec.toFixed(3),
      tokPerSecWall: Math.round(tokens / sec), tokPerSecCpu: Math.round(tokens / cpuSec), mbPerSecCpu: +(chars / cpuSec / 1e6).toFixed(2),
    };
  };
  const base = path.join(TINY_MODEL, 'base');
  const t0 = Date.now();
  const cold = await WordPieceTokenizer.fromDir(base);
  console.log(`load: ${Date.now() - t0} ms`);
  const repeated = Array.from({ length: n }, () => texts).flat();
  console.log('cold, 1 × 27 texts   ', run(cold, texts));
  console.log(`warm, ${n} × 27 texts`, run(cold, repeated));
  // Distinct words every time: append a counter to every word, so almost nothing hits the cache.
  const unique = repeated.map((s, i) => s.replace(/[A-Za-z]+/g, (w) => w + String.fromCharCode(97 + (i % 26)) + String.fromCharCode(97 + ((i / 26) % 26 | 0))));
  const fresh = await WordPieceTokenizer.fromDir(base);
  console.log(`mostly-uncached, ${n} × 27 texts`, run(fresh, unique));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
