/**
 * SPECTER2 in THE worker thread, as the index's Embedder — the one way both the extension host and
 * the CLI embed. A request that fails because the thread died ('worker-crashed') is retried once:
 * the client has started a fresh thread with the model reloaded, and the indexer's progress is in
 * the table, so a crash costs one repeated batch.
 */
import type { Precision } from '../../models/types';
import type { ModelDir } from '../../models/types';
import { SpecterEmbedder, DOCUMENT_ADAPTER, QUERY_ADAPTER } from '../../models/engine/specterEmbedder';
import type { EmbedResult } from '../../models/engine/types';
import { WorkerError } from '../protocol/worker';
import type { WorkerClient } from './client';

export async function loadWorkerEmbedder(client: WorkerClient, dir: ModelDir, precision: Precision, cacheDir: string): Promise<SpecterEmbedder> {
  const info = await client.call('loadModel', { modelDir: dir, precision, cacheDir });
  return new SpecterEmbedder(
    (inputs, adapter, opts) => retryOnCrash(() => client.call('embed', { inputs, adapter }, opts)),
    info.modelId,
    info.hiddenSize,
    precision,
    dir.adapters[QUERY_ADAPTER] !== undefined,
    dir.adapterIds?.[DOCUMENT_ADAPTER],
  );
}

async function retryOnCrash(run: () => Promise<EmbedResult>): Promise<EmbedResult> {
  try {
    return await run();
  } catch (e) {
    if (e instanceof WorkerError && e.code === 'worker-crashed') return run();
    throw e;
  }
}
