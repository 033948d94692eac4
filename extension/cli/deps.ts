/**
 * How the CLI's index/query commands get a model: SPECTER2 in THE worker thread (the same worker and
 * embedder the extension host uses, so the CLI heals from a worker crash the same way and reports
 * `workerRestarts`), wrapped as the index's Embedder.
 */
import * as path from 'node:path';
import { SpecterEmbedder, DOCUMENT_ADAPTER } from '../../models/engine/specterEmbedder';
import { resolveModelDir } from '../../models/acquire/resolve';
import type { Precision } from '../../models/types';
import { WorkerClient, workerScript } from '../worker/client';
import { loadWorkerEmbedder } from '../worker/workerEmbedder';
import { WorkerError } from '../protocol/worker';
import { defaultCacheDir } from './embedCommand';
import { CliError } from './io';

export type CliEmbedder = SpecterEmbedder & { dispose: () => Promise<void>; restarts: () => number };

export async function createCliEmbedder(modelDir: string | undefined, precision: Precision = 'fp32'): Promise<CliEmbedder | null> {
  if (!modelDir) return null;
  const resolved = await resolveModelDir({ localFolder: path.resolve(modelDir), adapters: [DOCUMENT_ADAPTER] });
  if (!resolved.ok) throw new CliError(`--model-dir: ${resolved.reason}`);
  const { scriptPath, execArgv } = workerScript(__dirname);
  const client = new WorkerClient(scriptPath, execArgv);
  try {
    const embedder = await loadWorkerEmbedder(client, resolved.dir, precision, defaultCacheDir());
    return Object.assign(embedder, { dispose: () => client.dispose(), restarts: () => client.restarts });
  } catch (e) {
    await client.dispose();
    throw new CliError(`--model-dir: the model in ${resolved.dir.root} could not be loaded: ${e instanceof WorkerError ? e.message : (e as Error).message}`, 1);
  }
}

export const cliDeps = { createEmbedder: (modelDir: string | undefined) => createCliEmbedder(modelDir) };
