/**
 * How the CLI's index/query commands get a model: an in-process engine (no worker needed in a
 * process with no UI), wrapped as the index's Embedder.
 */
import * as path from 'node:path';
import { EmbeddingEngine } from '../../models/engine/engine';
import { SpecterEmbedder, DOCUMENT_ADAPTER, QUERY_ADAPTER } from '../../models/engine/specterEmbedder';
import { resolveModelDir } from '../../models/acquire/resolve';
import type { Precision } from '../../models/types';
import { defaultCacheDir } from './embedCommand';
import { CliError } from './io';

export async function createCliEmbedder(modelDir: string | undefined, precision: Precision = 'fp32'): Promise<SpecterEmbedder | null> {
  if (!modelDir) return null;
  const resolved = await resolveModelDir({ localFolder: path.resolve(modelDir), adapters: [DOCUMENT_ADAPTER] });
  if (!resolved.ok) throw new CliError(`--model-dir: ${resolved.reason}`);
  const engine = new EmbeddingEngine();
  const info = await engine.load({ modelDir: resolved.dir, precision, cacheDir: defaultCacheDir() });
  const hasQuery = resolved.dir.adapters[QUERY_ADAPTER] !== undefined;
  const embedder = new SpecterEmbedder(
    (inputs, adapter, opts) => engine.embed(inputs, adapter, { isCancelled: () => opts.signal?.aborted ?? false, onProgress: opts.onProgress }),
    info.modelId,
    info.hiddenSize,
    precision,
    hasQuery,
    resolved.dir.adapterIds?.[DOCUMENT_ADAPTER],
  );
  return Object.assign(embedder, { dispose: () => engine.unload() });
}

export const cliDeps = { createEmbedder: (modelDir: string | undefined) => createCliEmbedder(modelDir) };
