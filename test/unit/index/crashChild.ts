/**
 * Child process for the crash-safety test (test/integration/indexCrash.test.ts): indexes one .bib
 * with a slow test embedder and prints "committed <done>/<total>" after every committed batch, so
 * the parent can SIGKILL it in the middle of a run. Not a test itself.
 */
import { IndexStore } from '../../../extension/core/index/store';
import { indexFiles } from '../../../extension/core/index/indexer';
import { HashEmbedder } from './hashEmbedder';

async function main(): Promise<void> {
  const [dbDir, bib, workspace, delay] = process.argv.slice(2);
  const emb = new HashEmbedder(48, { delayMsPerItem: Number(delay) });
  const store = await IndexStore.open({ dir: dbDir, workspace, space: { embedderId: emb.id, dim: emb.dim } });
  process.stdout.write('started\n');
  await indexFiles([bib], {
    store, embedder: emb, batchSize: 16,
    onProgress: (done, total) => { if (total) process.stdout.write(`committed ${done}/${total}\n`); },
  });
  process.stdout.write('finished\n');
  store.close();
}
main().catch((e) => { process.stderr.write(String(e) + '\n'); process.exit(1); });
