/**
 * Useful seconds after opening: how long after indexing STARTS on a 10k-entry library the first
 * suggestion is available (target ≤ 5 s), with the full-size random-weight SPECTER2 in THE worker.
 *
 *   npm run bench:first-suggest -- [--json] [--bib FILE] [--precision fp32|int8]
 *
 * The library is the real ACM CHI export (10,569 entries, ../shared/corpora/bib-real/large), else a
 * synthetic 10k file. The run goes through the application layer the extension and CLI use
 * (core/app/library.ts): parse in the worker → every entry written and full-text indexed → embedding.
 * A search is polled every 50 ms from the start; it reports the first lexical and the first hybrid
 * answer, then cancels the run. Reference, same run: parsing the file alone in a fresh worker (the
 * floor for any first answer). Random weights rank nothing; the timing is what is measured.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeRandomCheckpoint } from '../models/checkpoint/randomCheckpoint';
import { Library } from '../extension/core/app/library';
import { WorkerClient, workerScript } from '../extension/worker/client';
import { loadWorkerEmbedder } from '../extension/worker/workerEmbedder';
import { sharedPath, TINY_MODEL } from '../test/helpers/shared';

const { values } = parseArgs({ options: { json: { type: 'boolean', default: false }, bib: { type: 'string' }, precision: { type: 'string', default: 'fp32' } } });
const log = (s: string) => process.stderr.write(s + '\n');
const REPO = path.resolve(__dirname, '..');

function libraryFile(tmp: string): string {
  if (values.bib) return path.resolve(values.bib);
  const real = sharedPath('corpora', 'bib-real', 'large', 'acm-chi-1982-2020.bib');
  if (fs.existsSync(real)) return real;
  const words = 'interaction design user study touch gesture display mobile visual analytics accessibility haptic'.split(' ');
  const f = path.join(tmp, 'synthetic.bib');
  fs.writeFileSync(f, Array.from({ length: 10_000 }, (_, i) => `@inproceedings{p${i},\n  title = {${words[i % 11]} ${words[(i * 7) % 11]} study ${i}},\n  abstract = {${Array.from({ length: 120 }, (_, j) => words[(i + j * 3) % 11]).join(' ')}},\n  year = {2020}\n}\n`).join('\n'));
  return f;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-first-'));
  const precision = values.precision === 'int8' ? 'int8' : 'fp32';
  try {
    log(`writing a full-size random SPECTER2 checkpoint to ${tmp} …`);
    const dir = writeRandomCheckpoint(path.join(tmp, 'model'), { adapters: ['proximity', 'adhoc_query'] });
    for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(TINY_MODEL, 'base', f), path.join(dir.base, f));
    const bib = libraryFile(tmp);
    const { scriptPath, execArgv } = workerScript(path.join(REPO, 'dist'));

    // Reference: parse alone, in a fresh worker.
    const ref = new WorkerClient(scriptPath, execArgv);
    const tp = performance.now();
    const parsed = await ref.call('parse', { file: bib });
    const parseOnlyMs = performance.now() - tp;
    await ref.dispose();
    log(`reference: parsing ${parsed.records.length} entries alone takes ${parseOnlyMs.toFixed(0)} ms`);

    const client = new WorkerClient(scriptPath, execArgv);
    const embedder = await loadWorkerEmbedder(client, dir, precision, path.join(tmp, 'onnx-cache'));
    const library = new Library({
      dbDir: path.join(tmp, 'db'), workspace: 'bench', model: { ensure: async () => embedder }, vectorCacheDir: null,
      parse: (file) => client.call('parse', { file }),
    });
    await library.open();
    const ctl = new AbortController();
    const t0 = performance.now();
    const run = library.index([bib], { signal: ctl.signal }).catch((e: Error) => (ctl.signal.aborted ? undefined : Promise.reject(e)));
    let firstLexical: number | undefined;
    let firstHybrid: number | undefined;
    let polls = 0;
    while (firstHybrid === undefined && performance.now() - t0 < 600_000) {
      await new Promise((r) => setTimeout(r, 50));
      polls++;
      const r = await library.search({ text: 'touch gesture interaction on mobile displays', k: 5 });
      const at = performance.now() - t0;
      if (r.hits.length && firstLexical === undefined) { firstLexical = at; log(`first suggestion (lexical) after ${at.toFixed(0)} ms`); }
      if (r.mode === 'hybrid' && r.hits.length) { firstHybrid = at; log(`first hybrid suggestion after ${at.toFixed(0)} ms (${r.embedding.embedded} of ${r.embedding.embeddable} embedded)`); }
    }
    ctl.abort();
    await run;
    library.close();
    await client.dispose();
    const out = {
      entries: parsed.records.length,
      library: path.basename(bib),
      model: 'full-size random-weight SPECTER2 (rankings not meaningful)',
      precision,
      first_lexical_suggestion_ms: firstLexical === undefined ? null : Math.round(firstLexical),
      first_hybrid_suggestion_ms: firstHybrid === undefined ? null : Math.round(firstHybrid),
      target_ms: 5000,
      polls,
      reference: { parse_only_ms: Math.round(parseOnlyMs) },
      cpus: os.cpus().length,
      loadavg: os.loadavg().map((x) => Math.round(x * 10) / 10),
    };
    process.stdout.write((values.json ? JSON.stringify(out) : JSON.stringify(out, null, 2)) + '\n');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
