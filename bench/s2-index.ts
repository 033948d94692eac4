/**
 * Time to index a 10k-entry library whose entries all have DOIs with precomputed SPECTER2 vectors
 * from Semantic Scholar (the local stand-in, test/helpers/s2Server.ts, over real HTTP on 127.0.0.1),
 * beside the time to embed the same library locally with a FULL-SIZE random-weight SPECTER2
 * (models/checkpoint/randomCheckpoint.ts, as in bench/embed.ts), measured in the same run.
 *
 *   npm run bench:s2                   JSON on stdout, progress on stderr
 *   options: --entries N (10000), --local-sample N (200: papers embedded locally, then extrapolated)
 *
 * The S2 run is the real indexer (parse → diff → S2VectorSource → LanceDB writes). Its raw time has no
 * rate limiting (the stand-in answers at once); the published limits add a wait between requests,
 * reported as `at_published_rate_ms` (1 request/s with an API key; this client's 3 s spacing without).
 * The local number embeds a sample and extrapolates linearly (embedding cost is per paper at fixed
 * batch shapes); it covers embedding only, no parsing or writes, which favours the local side.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { IndexStore } from '../extension/core/index/store';
import { indexFiles } from '../extension/core/index/indexer';
import { S2Client, S2_SPACE } from '../extension/core/remote/semanticScholar';
import { S2VectorSource } from '../extension/core/remote/s2VectorSource';
import { MemoryVectorCache } from '../extension/core/remote/vectorCache';
import { writeRandomCheckpoint } from '../models/checkpoint/randomCheckpoint';
import { EmbeddingEngine } from '../models/engine/engine';
import { addPaper, startS2StandIn } from '../test/helpers/s2Server';
import { TINY_MODEL } from '../test/helpers/shared';
import { loadEmbedWorkload } from './workload';

const { values } = parseArgs({ options: { entries: { type: 'string', default: '10000' }, 'local-sample': { type: 'string', default: '200' } } });
const N = Number(values.entries);
const SAMPLE = Math.min(N, Number(values['local-sample']));
const log = (s: string) => console.error(s);

function bibtexValue(s: string): string {
  return s.replace(/[{}\\]/g, ' ');
}

async function main() {
  const vocabDir = path.join(TINY_MODEL, 'base');
  if (!fs.existsSync(path.join(vocabDir, 'vocab.txt'))) {
    console.error(`bench:s2 needs the scivocab vocab.txt from ${vocabDir} (../shared beside the checkout); not present`);
    process.exit(2);
  }
  process.env.LANCEDB_LOG ??= 'error';
  const workload = loadEmbedWorkload();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-bench-s2-'));
  const s2 = await startS2StandIn();
  try {
    // The library: real titles/abstracts (cycled, numbered to stay distinct), every entry with a DOI.
    const papers = Array.from({ length: N }, (_, i) => {
      const w = workload[i % workload.length];
      return { key: `p${i}`, doi: `10.5555/bench.${i}`, title: `${w.title} (${i})`, abstract: w.abstract };
    });
    const bib = path.join(tmp, 'library.bib');
    fs.writeFileSync(bib, papers.map((p) => `@article{${p.key},\n  title = {${bibtexValue(p.title)}},\n  doi = {${p.doi}},\n${p.abstract ? `  abstract = {${bibtexValue(p.abstract)}},\n` : ''}}\n`).join('\n'));
    for (const p of papers) addPaper(s2, { doi: p.doi, title: p.title });

    log(`S2 path: indexing ${N} entries with vectors from the stand-in …`);
    const store = await IndexStore.open({ dir: path.join(tmp, 'db'), workspace: 'bench', space: S2_SPACE });
    const client = new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 0 });
    const source = new S2VectorSource(client, new MemoryVectorCache());
    const t0 = performance.now();
    const summary = await indexFiles([bib], { store, embedder: null, vectorSource: source });
    const s2Ms = performance.now() - t0;
    store.close();
    if (summary.sourced !== N) throw new Error(`expected ${N} S2 vectors, got ${summary.sourced}`);
    const requests = client.requestCount;
    log(`  ${Math.round(s2Ms)} ms, ${requests} requests, timings ${JSON.stringify(summary.timingsMs)}`);

    log(`local path: full-size random SPECTER2, embedding a sample of ${SAMPLE} …`);
    const dir = writeRandomCheckpoint(path.join(tmp, 'model'), { adapters: ['proximity'] });
    for (const f of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) fs.copyFileSync(path.join(vocabDir, f), path.join(dir.base, f));
    const engine = new EmbeddingEngine();
    await engine.load({ modelDir: dir, precision: 'fp32', cacheDir: path.join(tmp, 'cache') });
    const inputs = papers.slice(0, SAMPLE).map((p) => ({ title: p.title, abstract: p.abstract }));
    await engine.embed(inputs.slice(0, 4), 'proximity', {}); // warm-up
    const t1 = performance.now();
    await engine.embed(inputs, 'proximity', {});
    const sampleMs = performance.now() - t1;
    await engine.unload();
    const localMs = (sampleMs / SAMPLE) * N;
    log(`  ${Math.round(sampleMs)} ms for ${SAMPLE} → ${Math.round(localMs / 1000)} s for ${N} (extrapolated)`);

    console.log(JSON.stringify({
      entries: N,
      s2: {
        index_ms: Math.round(s2Ms),
        requests,
        ids_per_request: Math.ceil(N / requests),
        at_published_rate_ms: { with_api_key: Math.round(s2Ms + (requests - 1) * 1000), without_api_key: Math.round(s2Ms + (requests - 1) * 3000) },
        timings_ms: summary.timingsMs,
      },
      local: {
        model: 'full-size random-weight SPECTER2 (fp32), ONNX Runtime, this machine',
        sample: SAMPLE,
        sample_ms: Math.round(sampleMs),
        papers_per_s: SAMPLE / (sampleMs / 1000),
        embed_ms_extrapolated: Math.round(localMs),
        extrapolated: SAMPLE < N,
      },
      speedup_local_over_s2: localMs / s2Ms,
      speedup_at_published_rate_with_key: localMs / (s2Ms + (requests - 1) * 1000),
      note: 'measured on a shared 2-core machine; the S2 stand-in is local (no network latency)',
    }));
  } finally {
    await s2.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
