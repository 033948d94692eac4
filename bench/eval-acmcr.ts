/**
 * Citation-recommendation quality on ACM-CR (../shared/corpora/eval/acm-cr): a thin caller of
 * `related-papers eval --trec` (extension/cli/evalCommand.ts) on its 164 citation contexts against the
 * 5,699-entry collection.bib. Prints recall@5/10, nDCG@10 and MRR for the lexical (BM25, the reference
 * the ACM-CR authors report: recall@10 ≈ 0.34, nDCG@10 ≈ 0.29 with their BM25), vector and hybrid rankings.
 *
 *   npm run bench:eval -- [--model-dir DIR] [--precision fp32|int8] [--vector-weight W] [--json]
 *
 * With the tiny random-weight fixture the vector half is noise; the numbers mean something with the real weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { evalCommand } from '../extension/cli/evalCommand';
import { createCliEmbedder } from '../extension/cli/deps';
import type { Precision } from '../models/types';
import { sharedPath } from '../test/helpers/shared';

const { values } = parseArgs({
  options: {
    'model-dir': { type: 'string' },
    precision: { type: 'string', default: 'fp32' },
    'vector-weight': { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const dir = sharedPath('corpora', 'eval', 'acm-cr');
if (!fs.existsSync(dir)) {
  console.error(`bench:eval needs ${dir} (../shared beside the checkout); not present`);
  process.exit(2);
}
const args = [
  '--trec', path.join(dir, 'contexts.topics.txt'), path.join(dir, 'contexts.qrels.txt'),
  '--collection', path.join(dir, 'collection.bib'),
  ...(values['model-dir'] ? ['--model-dir', values['model-dir']] : []),
  ...(values['vector-weight'] ? ['--vector-weight', values['vector-weight']] : []),
  ...(values.json ? ['--json'] : []),
];
evalCommand(args, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }, {
  createEmbedder: (modelDir) => createCliEmbedder(modelDir, values.precision as Precision),
}).then(
  (code) => { process.exitCode = code; },
  (e) => { console.error(`bench:eval: ${(e as Error).message.split('\n')[0]}`); process.exitCode = 1; },
);
