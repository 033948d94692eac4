/**
 * `related-papers embed --model-dir DIR --adapter NAME|none [--precision fp32|int8] [--batch-tokens N]`
 * JSON Lines in ({"id","title","abstract"} or {"id","text"}), JSON Lines out ({"id","tokens","vector"}).
 * Same engine as the extension's worker; here it runs in-process because the CLI has no UI to block.
 */
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import * as path from 'node:path';
import { ADAPTERS, type AdapterName, type EmbedInput, type Precision } from '../../models/types';
import { EmbeddingEngine } from '../../models/engine/engine';
import { resolveModelDir } from '../../models/acquire/resolve';
import { CliError, readJsonLines, type CliIO } from './io';

/** Inputs are embedded in chunks so output streams and memory stays flat on large inputs. */
const CHUNK = 512;

export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.RELATED_PAPERS_CACHE ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), 'related-papers');
}

function parseInput(value: unknown, line: number): { id: unknown; input: EmbedInput } {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CliError(`stdin line ${line}: expected a JSON object`);
  const o = value as Record<string, unknown>;
  if (!('id' in o)) throw new CliError(`stdin line ${line}: missing "id"`);
  if (typeof o.text === 'string') return { id: o.id, input: { text: o.text } };
  if (typeof o.title === 'string') {
    if (o.abstract !== undefined && o.abstract !== null && typeof o.abstract !== 'string') {
      throw new CliError(`stdin line ${line}: "abstract" must be a string or null`);
    }
    return { id: o.id, input: { title: o.title, abstract: (o.abstract as string | null | undefined) ?? null } };
  }
  throw new CliError(`stdin line ${line}: expected {"id","title","abstract"} or {"id","text"}`);
}

export async function embedCommand(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'model-dir': { type: 'string' },
      adapter: { type: 'string' },
      precision: { type: 'string', default: 'fp32' },
      'batch-tokens': { type: 'string' },
      'cache-dir': { type: 'string' },
    },
    strict: true,
  });
  const modelDirArg = values['model-dir'];
  if (!modelDirArg) throw new CliError('embed: --model-dir DIR is required');
  const adapterArg = values.adapter;
  if (!adapterArg) throw new CliError(`embed: --adapter is required (${ADAPTERS.join('|')}|none)`);
  const adapter: AdapterName | null = adapterArg === 'none' ? null : (adapterArg as AdapterName);
  if (adapter !== null && !ADAPTERS.includes(adapter)) throw new CliError(`embed: unknown adapter "${adapterArg}" (${ADAPTERS.join('|')}|none)`);
  const precision = values.precision as Precision;
  if (precision !== 'fp32' && precision !== 'int8') throw new CliError(`embed: --precision must be fp32 or int8, not "${values.precision}"`);
  const batchTokens = values['batch-tokens'] === undefined ? undefined : Number(values['batch-tokens']);
  if (batchTokens !== undefined && !(Number.isInteger(batchTokens) && batchTokens >= 512)) {
    throw new CliError('embed: --batch-tokens must be an integer ≥ 512');
  }

  const resolved = await resolveModelDir({ localFolder: path.resolve(modelDirArg), adapters: adapter ? [adapter] : [] });
  if (!resolved.ok) throw new CliError(`embed: ${resolved.reason}`);
  const engine = new EmbeddingEngine();
  try {
    await engine.load({ modelDir: resolved.dir, precision, cacheDir: values['cache-dir'] ?? defaultCacheDir() });
    let ids: unknown[] = [];
    let inputs: EmbedInput[] = [];
    const flush = async () => {
      if (inputs.length === 0) return;
      const r = await engine.embed(inputs, adapter, { batchTokens });
      r.vectors.forEach((v, i) => io.stdout.write(JSON.stringify({ id: ids[i], tokens: r.tokens[i], vector: Array.from(v) }) + '\n'));
      ids = [];
      inputs = [];
    };
    for await (const { line, value } of readJsonLines(io.stdin)) {
      const { id, input } = parseInput(value, line);
      ids.push(id);
      inputs.push(input);
      if (inputs.length >= CHUNK) await flush();
    }
    await flush();
    return 0;
  } finally {
    await engine.unload();
  }
}
