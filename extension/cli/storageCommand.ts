/**
 * `related-papers storage list [--db DIR] [--vector-cache DIR] [--model-dir DIR [--precision P]] [--json]`
 * `related-papers storage prune [--db DIR] [--vector-cache DIR] --model-dir DIR [--precision P] [--json]`
 *
 * Index tables and shared-cache tables by model, with their size on disk; `prune` deletes those of
 * every model other than the one given (the model in use). Nothing is deleted without --model-dir.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { resolveModelDir } from '../../models/acquire/resolve';
import { DOCUMENT_ADAPTER, specterEmbedderId } from '../../models/engine/specterEmbedder';
import { deleteStorage, formatBytes, listStorage, type StorageItem } from '../core/app/storage';
import { defaultVectorCacheDir } from '../core/index/vectorCache';
import { CliError, type CliIO } from './io';

export async function storageCommand(argv: string[], io: CliIO): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'prune') throw new CliError('storage: give "list" or "prune" (related-papers storage list --db DIR)');
  const { values } = parseArgs({
    args: rest,
    strict: true,
    options: {
      db: { type: 'string' },
      'vector-cache': { type: 'string' },
      'model-dir': { type: 'string' },
      precision: { type: 'string', default: 'fp32' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.precision !== 'fp32' && values.precision !== 'int8') throw new CliError(`--precision must be fp32 or int8, not "${values.precision}"`);
  if (sub === 'prune' && !values['model-dir']) throw new CliError('storage prune: --model-dir DIR is required (tables of every OTHER model are deleted)');
  let inUse: string | null = null;
  if (values['model-dir']) {
    const r = await resolveModelDir({ localFolder: path.resolve(values['model-dir']), adapters: [DOCUMENT_ADAPTER] });
    if (!r.ok) throw new CliError(`--model-dir: ${r.reason}`);
    inUse = specterEmbedderId(r.dir.modelId, r.dir.adapterIds?.[DOCUMENT_ADAPTER], values.precision);
  }
  const dirs = {
    index: values.db ? path.resolve(values.db) : undefined,
    vectorCache: values['vector-cache'] === 'none' ? null : values['vector-cache'] ? path.resolve(values['vector-cache']) : defaultVectorCacheDir(),
  };
  const items = await listStorage(dirs, inUse);
  const unused = items.filter((i) => !i.inUse);
  const freed = sub === 'prune' ? await deleteStorage(unused) : 0;
  if (values.json) {
    io.stdout.write(JSON.stringify({ modelInUse: inUse, items, ...(sub === 'prune' ? { deleted: unused.map((i) => i.name), freedBytes: freed } : {}) }) + '\n');
    return 0;
  }
  for (const i of items) io.stdout.write(line(i, inUse !== null) + '\n');
  if (items.length === 0) io.stdout.write('nothing stored\n');
  if (sub === 'prune') io.stdout.write(`deleted ${unused.length} tables of models not in use, freed ${formatBytes(freed)}\n`);
  else if (inUse && unused.length) io.stdout.write(`${unused.length} tables (${formatBytes(unused.reduce((n, i) => n + i.bytes, 0))}) belong to other models: related-papers storage prune … --model-dir ${values['model-dir']}\n`);
  return 0;
}

function line(i: StorageItem, known: boolean): string {
  const state = !known ? '' : i.inUse ? 'in use  ' : 'unused  ';
  return `${state}${i.kind.padEnd(12)} ${formatBytes(i.bytes).padStart(8)} ${String(i.rows).padStart(7)} rows  ${i.model ?? '(lexical only)'}  ${i.name}`;
}
