/**
 * `related-papers eval` — how well the product ranks YOUR citations, lexical / vector / hybrid in one run.
 *
 *   related-papers eval --trec TOPICS QRELS --collection FILE.bib [options]     (ACM-CR / TREC format)
 *   related-papers eval --manuscript DOC [--manuscript DOC…] [--bib FILE…] [options]   (leave-one-out over a draft)
 *   options: --model-dir DIR  --vector-weight W  --k N (ranking depth, ≥ 10)  --json
 *
 * The collection / bibliography is indexed into a temporary LanceDB folder with the product's indexer,
 * queries go through the product's search() (and, for manuscripts, its cursor-context extraction).
 * `--json` prints exactly {"queries","missing","lexical":{…},"vector":{…}|null,"hybrid":{…}|null}.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { IndexStore } from '../core/index/store';
import { indexFiles } from '../core/index/indexer';
import { NativeUnavailableError } from '../core/index/nativeLoader';
import { parseQrels, parseTopics, trecQueries } from '../core/eval/trec';
import { manuscriptBibliographies, manuscriptLanguage, manuscriptQueries } from '../core/eval/manuscript';
import { evaluate, storeRanker, type EvalQuery, type EvalResult } from '../core/eval/run';
import { isTestModelDir, TEST_MODEL_NOTE } from '../core/eval/testModel';
import type { IndexCommandDeps } from './indexCommands';
import { CliError, type CliIO } from './io';

export async function evalCommand(argv: string[], io: CliIO, deps: IndexCommandDeps): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      trec: { type: 'string' },
      collection: { type: 'string' },
      manuscript: { type: 'string', multiple: true },
      bib: { type: 'string', multiple: true },
      'model-dir': { type: 'string' },
      'vector-weight': { type: 'string' },
      k: { type: 'string', default: '10' },
      json: { type: 'boolean', default: false },
    },
  });
  const k = Number(values.k);
  if (!Number.isInteger(k) || k < 10) throw new CliError(`eval: --k must be an integer ≥ 10 (nDCG@10 needs ten results), not "${values.k}"`);
  const w = values['vector-weight'];
  // Omitted = the product's default (DEFAULT_VECTOR_WEIGHT; 0 for a model the calibration finds at chance).
  const vectorWeight = w === undefined ? undefined : Number(w);
  if (w !== undefined && (w.trim() === '' || !(vectorWeight! >= 0 && vectorWeight! <= 1))) throw new CliError(`--vector-weight must be a number from 0 to 1, not "${w}"`);

  let queries: EvalQuery[];
  let bibs: string[];
  if (values.trec !== undefined) {
    if (values.manuscript) throw new CliError('eval: give either --trec TOPICS QRELS --collection FILE or --manuscript DOC, not both');
    const qrelsFile = positionals[0];
    if (!qrelsFile) throw new CliError('eval: --trec needs two files: --trec TOPICS QRELS');
    if (!values.collection) throw new CliError('eval: --trec needs --collection FILE.bib (the documents the qrels refer to)');
    const topics = parseTopics(readText(values.trec, '--trec TOPICS'));
    const qrels = parseQrels(readText(qrelsFile, '--trec QRELS'));
    queries = trecQueries(topics, qrels);
    if (topics.length === 0) throw new CliError(`eval: ${values.trec}: no <top> … <num> … <desc> topics found`);
    bibs = [existing(values.collection, '--collection')];
  } else if (values.manuscript) {
    if (positionals.length) throw new CliError(`eval: unexpected argument "${positionals[0]}"`);
    queries = [];
    const found: string[] = [];
    for (const doc of values.manuscript) {
      const file = existing(doc, '--manuscript');
      const source = readText(file, '--manuscript');
      queries.push(...manuscriptQueries(source, manuscriptLanguage(file), path.basename(file)));
      found.push(...manuscriptBibliographies(source, file).filter((b) => fs.existsSync(b)));
    }
    bibs = values.bib?.length ? values.bib.map((b) => existing(b, '--bib')) : [...new Set(found)];
    if (bibs.length === 0) throw new CliError('eval: the manuscript names no bibliography that exists (\\bibliography{…}, \\addbibresource{…}, front matter bibliography:); give --bib FILE');
  } else {
    throw new CliError('eval: give --trec TOPICS QRELS --collection FILE.bib, or --manuscript DOC [--bib FILE]');
  }
  if (queries.length === 0) throw new CliError('eval: no queries (no topic with a relevant document / no citation in the manuscript)');

  const testModel = values['model-dir'] !== undefined && isTestModelDir(path.resolve(values['model-dir']));
  const embedder = await deps.createEmbedder(values['model-dir']);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-eval-'));
  try {
    let store: IndexStore;
    try {
      store = await IndexStore.open({ dir: tmp, workspace: 'related-papers-eval', space: embedder ? { embedderId: embedder.id, dim: embedder.dim } : null });
    } catch (e) {
      if (e instanceof NativeUnavailableError) throw new CliError(`eval: ${e.message}`, 1);
      throw e;
    }
    try {
      const t0 = performance.now();
      const summary = await indexFiles(bibs, { store, embedder });
      io.stderr.write(`related-papers: indexed ${summary.entries} entries (${summary.embedded} embedded) from ${bibs.length} file(s) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${queries.length} queries\n`);
      if (summary.entries === 0) throw new CliError(`eval: no entries in ${bibs.join(', ')}`);
      const result = await evaluate(queries, storeRanker(store, embedder, vectorWeight), k);
      if (testModel) io.stderr.write(`related-papers: note: ${TEST_MODEL_NOTE} (random-weight model in --model-dir)\n`);
      if (values.json) io.stdout.write(JSON.stringify(result) + '\n');
      else io.stdout.write(formatTable(result, { testModel, vectorWeight }));
      return 0;
    } finally {
      store.close();
    }
  } finally {
    const d = (embedder as { dispose?: () => unknown } | null)?.dispose;
    if (typeof d === 'function') await d.call(embedder);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

export function formatTable(r: EvalResult, o: { testModel: boolean; vectorWeight: number | undefined }): string {
  const rows: [string, EvalResult['lexical'] | null][] = [['lexical', r.lexical], ['vector', r.vector], [`hybrid (w=${o.vectorWeight ?? 'default'})`, r.hybrid]];
  const f = (x: number) => x.toFixed(3).padStart(9);
  const lines = [
    `queries ${r.queries}, missing answers ${r.missing} (not in the collection; counted as misses)`,
    `${'ranking'.padEnd(16)}${'recall@5'.padStart(9)}${'recall@10'.padStart(10)}${'nDCG@10'.padStart(9)}${'MRR'.padStart(9)}`,
    ...rows.map(([name, m]) => m
      ? `${name.padEnd(16)}${f(m['recall@5'])}${f(m['recall@10']).padStart(10)}${f(m['ndcg@10'])}${f(m.mrr)}`
      : `${name.padEnd(16)}  (no --model-dir)`),
  ];
  if (o.testModel) lines.push(`(${TEST_MODEL_NOTE})`);
  return lines.join('\n') + '\n';
}

function existing(p: string, flag: string): string {
  const abs = path.resolve(p);
  if (!fs.existsSync(abs)) throw new CliError(`eval: ${flag} ${p}: no such file`);
  return abs;
}

function readText(p: string, flag: string): string {
  try {
    return fs.readFileSync(existing(p, flag), 'utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    throw new CliError(`eval: ${flag} ${p}: cannot be read (${(e as Error).message.split('\n')[0]})`);
  }
}
