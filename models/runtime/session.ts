/**
 * SpecterSession: an ONNX Runtime (CPU) session over SPECTER2 base + optional adapter, built from the published
 * checkpoint files by our own TypeScript graph builder. The built .onnx is cached on disk, keyed by the sha256 of
 * every input file + precision + builder version, and written atomically (tmp + rename), so later opens skip the
 * build entirely.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { readBertConfig } from '../checkpoint/config';
import { CheckpointError } from '../checkpoint/errors';
import { ADAPTER_WEIGHT_FILES, BASE_WEIGHT_FILES, findWeightFile, loadAdapter, loadBase } from '../checkpoint/load';
import { type AttentionImpl, buildSpecterGraph } from '../onnx/buildGraph';
import { serializeModel } from '../onnx/graphIr';
import { quantizeGraph } from '../onnx/quantize';
import type { AdapterName, ModelDir, Precision } from '../types';

/** Bump whenever the emitted graph changes (math, layout, quantisation): old cache entries are then ignored. */
export const GRAPH_BUILDER_VERSION = 'specter2-graph-v1';

export interface SpecterSessionOptions {
  cacheDir: string;
  intraOpThreads?: number;
  /** Attention lowering (default 'contrib': ORT com.microsoft fused ops, fastest on CPU). */
  attention?: AttentionImpl;
}

/**
 * Content hashes memoised per process by (path, size, mtime): opening several adapters over the same 440 MB base
 * file hashes it once. A changed file has a new size/mtime and is re-hashed.
 */
const hashMemo = new Map<string, Promise<string>>();

function sha256File(file: string): Promise<string> {
  let st: fs.Stats;
  try {
    st = fs.statSync(file);
  } catch (e) {
    return Promise.reject(new CheckpointError(`cannot read ${file}: ${(e as Error).message}`));
  }
  const memoKey = `${path.resolve(file)}\0${st.size}\0${st.mtimeMs}`;
  let p = hashMemo.get(memoKey);
  if (!p) {
    p = hashFileContents(file);
    p.catch(() => hashMemo.delete(memoKey));
    hashMemo.set(memoKey, p);
  }
  return p;
}

async function hashFileContents(file: string): Promise<string> {
  const h = crypto.createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    fs.createReadStream(file, { highWaterMark: 1 << 22 })
      .on('data', (chunk) => h.update(chunk))
      .on('error', (e) => reject(new CheckpointError(`cannot read ${file}: ${e.message}`)))
      .on('end', () => resolve());
  });
  return h.digest('hex');
}

interface Inputs { baseConfig: string; baseWeights: string; adapterConfig?: string; adapterWeights?: string }

function resolveInputs(modelDir: ModelDir, adapter: AdapterName | null): Inputs {
  const inputs: Inputs = {
    baseConfig: path.join(modelDir.base, 'config.json'),
    baseWeights: findWeightFile(modelDir.base, BASE_WEIGHT_FILES),
  };
  if (adapter) {
    const dir = modelDir.adapters[adapter];
    if (!dir) throw new CheckpointError(`${modelDir.root}: adapter "${adapter}" is not available in this model directory`);
    inputs.adapterConfig = path.join(dir, 'adapter_config.json');
    inputs.adapterWeights = findWeightFile(dir, ADAPTER_WEIGHT_FILES);
  }
  return inputs;
}

async function computeCacheKey(inputs: Inputs, precision: Precision, attention: AttentionImpl): Promise<string> {
  const parts = [GRAPH_BUILDER_VERSION, precision, attention];
  for (const [role, file] of Object.entries(inputs)) {
    if (file) parts.push(`${role}:${path.basename(file)}:${await sha256File(file)}`);
  }
  return crypto.createHash('sha256').update(parts.join('\n')).digest('hex');
}

function buildModelBytes(modelDir: ModelDir, adapter: AdapterName | null, precision: Precision, attention: AttentionImpl, inputs: Inputs): Uint8Array {
  const base = loadBase(modelDir.base, { weightFile: inputs.baseWeights });
  const ad = adapter ? loadAdapter(modelDir.adapters[adapter]!, base.config) : null;
  let graph = buildSpecterGraph(base, ad, { attention });
  if (precision === 'int8') graph = quantizeGraph(graph);
  return serializeModel(graph, `SPECTER2 ${adapter ?? 'base'} ${precision} (${GRAPH_BUILDER_VERSION})`);
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.${process.pid}.${crypto.randomBytes(4).toString('hex')}.tmp`;
  try {
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export class SpecterSession {
  private constructor(
    private session: ort.InferenceSession | null,
    readonly hiddenSize: number,
    readonly maxPositions: number,
    readonly vocabSize: number,
    readonly builtFromCache: boolean,
    readonly cacheKey: string,
    readonly modelPath: string,
  ) {}

  static async open(modelDir: ModelDir, adapter: AdapterName | null, precision: Precision,
    opts: SpecterSessionOptions): Promise<SpecterSession> {
    const attention = opts.attention ?? 'contrib';
    const inputs = resolveInputs(modelDir, adapter);
    const config = readBertConfig(inputs.baseConfig);
    const cacheKey = await computeCacheKey(inputs, precision, attention);
    fs.mkdirSync(opts.cacheDir, { recursive: true });
    const modelPath = path.join(opts.cacheDir, `specter2-${adapter ?? 'base'}-${precision}-${cacheKey.slice(0, 24)}.onnx`);
    const sessionOptions: ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
    };
    if (fs.existsSync(modelPath)) {
      try {
        const s = await ort.InferenceSession.create(modelPath, sessionOptions);
        return new SpecterSession(s, config.hiddenSize, config.maxPositions, config.vocabSize, true, cacheKey, modelPath);
      } catch {
        // A damaged cache entry (e.g. disk error): rebuild it below rather than failing.
        fs.rmSync(modelPath, { force: true });
      }
    }
    const bytes = buildModelBytes(modelDir, adapter, precision, attention, inputs);
    writeAtomic(modelPath, bytes);
    const s = await ort.InferenceSession.create(bytes, sessionOptions);
    return new SpecterSession(s, config.hiddenSize, config.maxPositions, config.vocabSize, false, cacheKey, modelPath);
  }

  /** CLS embeddings, `batch * hiddenSize` floats, row-major. Rows are right-padded (mask 0) to `seq`. */
  async run(inputIds: BigInt64Array, attentionMask: BigInt64Array, batch: number, seq: number): Promise<Float32Array> {
    if (!this.session) throw new Error('SpecterSession.run after dispose()');
    if (!Number.isInteger(batch) || !Number.isInteger(seq) || batch <= 0 || seq <= 0) {
      throw new RangeError(`SpecterSession.run: batch (${batch}) and seq (${seq}) must be positive integers`);
    }
    if (seq > this.maxPositions) throw new RangeError(`SpecterSession.run: seq ${seq} exceeds the model's ${this.maxPositions} positions`);
    if (inputIds.length !== batch * seq || attentionMask.length !== batch * seq) {
      throw new RangeError(`SpecterSession.run: expected ${batch}×${seq} = ${batch * seq} ids and mask values, got ${inputIds.length} and ${attentionMask.length}`);
    }
    const vocab = BigInt(this.vocabSize);
    for (let i = 0; i < inputIds.length; i++) {
      const id = inputIds[i]!;
      if (id < 0n || id >= vocab) throw new RangeError(`SpecterSession.run: token id ${id} at position ${i} is outside the vocabulary (0..${this.vocabSize - 1})`);
    }
    const out = await this.session.run({
      input_ids: new ort.Tensor('int64', inputIds, [batch, seq]),
      attention_mask: new ort.Tensor('int64', attentionMask, [batch, seq]),
    });
    const cls = out.cls;
    if (!cls || !(cls.data instanceof Float32Array) || cls.data.length !== batch * this.hiddenSize) {
      throw new Error(`SpecterSession.run: unexpected model output (dims ${cls?.dims.join('×')})`);
    }
    return cls.data;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    if (s) await s.release();
  }
}
