/**
 * SpecterSession: ONNX Runtime (CPU) inference of SPECTER2 base + optional adapter, built from the published
 * checkpoint files by our own TypeScript graph builder.
 *
 * One graph holds the encoder and EVERY adapter of the model directory (selected per run by `adapter_index`, see
 * buildMultiAdapterGraph), and sessions opened for different adapters of the same model/precision/threads share
 * one ORT session in this process (reference-counted): one copy of the 440 MB weights serves papers (proximity)
 * and queries (adhoc_query). The built .onnx is cached on disk, keyed by the sha256 of every input file +
 * precision + attention lowering + builder version, written atomically (tmp + rename); later opens skip the build.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as Ort from 'onnxruntime-node';
import { loadOrt } from './ortLoader';
import { readBertConfig } from '../checkpoint/config';
import { CheckpointError } from '../checkpoint/errors';
import { ADAPTER_WEIGHT_FILES, BASE_WEIGHT_FILES, findWeightFile, loadAdapter, loadBase } from '../checkpoint/load';
import { ADAPTER_INDEX_INPUT, type AttentionImpl, buildMultiAdapterGraph } from '../onnx/buildGraph';
import { serializeModel } from '../onnx/graphIr';
import { quantizeGraph } from '../onnx/quantize';
import type { BertConfig } from '../checkpoint/config';
import { ADAPTERS, type AdapterName, type ModelDir, type Precision } from '../types';

/** Bump whenever the emitted graph changes (math, layout, quantisation): old cache entries are then ignored. */
export const GRAPH_BUILDER_VERSION = 'specter2-graph-v2-multi-adapter';

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

interface Inputs {
  baseConfig: string;
  baseWeights: string;
  /** Every adapter of the directory, in ADAPTERS order (= adapter_index 1..n). */
  adapters: Array<{ name: AdapterName; dir: string; config: string; weights: string }>;
}

function resolveInputs(modelDir: ModelDir): Inputs {
  return {
    baseConfig: path.join(modelDir.base, 'config.json'),
    baseWeights: findWeightFile(modelDir.base, BASE_WEIGHT_FILES),
    adapters: ADAPTERS.filter((a) => modelDir.adapters[a]).map((name) => {
      const dir = modelDir.adapters[name]!;
      return { name, dir, config: path.join(dir, 'adapter_config.json'), weights: findWeightFile(dir, ADAPTER_WEIGHT_FILES) };
    }),
  };
}

async function computeModelKey(inputs: Inputs, precision: Precision, attention: AttentionImpl): Promise<string> {
  const parts = [GRAPH_BUILDER_VERSION, precision, attention,
    `base.config:${await sha256File(inputs.baseConfig)}`,
    `base.weights:${path.basename(inputs.baseWeights)}:${await sha256File(inputs.baseWeights)}`];
  for (const a of inputs.adapters) {
    parts.push(`${a.name}.config:${await sha256File(a.config)}`, `${a.name}.weights:${path.basename(a.weights)}:${await sha256File(a.weights)}`);
  }
  return crypto.createHash('sha256').update(parts.join('\n')).digest('hex');
}

function buildModelBytes(inputs: Inputs, precision: Precision, attention: AttentionImpl): Uint8Array {
  const base = loadBase(path.dirname(inputs.baseConfig), { weightFile: inputs.baseWeights });
  const adapters = inputs.adapters.map((a) => loadAdapter(a.dir, base.config));
  let graph = buildMultiAdapterGraph(base, adapters, { attention });
  if (precision === 'int8') graph = quantizeGraph(graph);
  const names = ['base', ...inputs.adapters.map((a) => a.name)].join(', ');
  return serializeModel(graph, `SPECTER2 ${precision}, adapter_index 0..${adapters.length} = ${names} (${GRAPH_BUILDER_VERSION})`);
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

interface SharedModel {
  session: Ort.InferenceSession;
  config: BertConfig;
  adapterOrder: AdapterName[];
  modelKey: string;
  modelPath: string;
  loadedFromDisk: boolean;
}

/**
 * ORT sessions shared by SpecterSession instances of the same model file and thread count. `refs` counts handles
 * (including opens still awaiting the session), so a dispose can never release a session another open is about
 * to use.
 */
const sharedModels = new Map<string, { pending: Promise<SharedModel>; refs: number }>();

async function openShared(inputs: Inputs, modelKey: string, modelPath: string, sessionOptions: Ort.InferenceSession.SessionOptions,
  precision: Precision, attention: AttentionImpl): Promise<SharedModel> {
  const config = readBertConfig(inputs.baseConfig);
  const adapterOrder = inputs.adapters.map((a) => a.name);
  if (fs.existsSync(modelPath)) {
    try {
      const session = await loadOrt().InferenceSession.create(modelPath, sessionOptions);
      return { session, config, adapterOrder, modelKey, modelPath, loadedFromDisk: true };
    } catch {
      // A damaged cache entry (e.g. disk error): rebuild it below rather than failing.
      fs.rmSync(modelPath, { force: true });
    }
  }
  const bytes = buildModelBytes(inputs, precision, attention);
  writeAtomic(modelPath, bytes);
  const session = await loadOrt().InferenceSession.create(bytes, sessionOptions);
  return { session, config, adapterOrder, modelKey, modelPath, loadedFromDisk: false };
}

export class SpecterSession {
  private shared: SharedModel | null;
  private readonly adapterIndex: Ort.Tensor;
  readonly hiddenSize: number;
  readonly maxPositions: number;
  readonly vocabSize: number;
  /** The cached .onnx file serving this session (shared by every adapter of the model). */
  readonly modelPath: string;

  private constructor(shared: SharedModel, private readonly registryKey: string, adapter: AdapterName | null,
    /** true when this open did not build the graph (found on disk, or already open in this process). */
    readonly builtFromCache: boolean,
    /** sha256 identifying the cached model file (input file hashes + precision + lowering + builder version). */
    readonly cacheKey: string) {
    this.shared = shared;
    this.hiddenSize = shared.config.hiddenSize;
    this.maxPositions = shared.config.maxPositions;
    this.vocabSize = shared.config.vocabSize;
    this.modelPath = shared.modelPath;
    const index = adapter ? shared.adapterOrder.indexOf(adapter) + 1 : 0;
    this.adapterIndex = new (loadOrt().Tensor)('int64', BigInt64Array.from([BigInt(index)]), []);
  }

  static async open(modelDir: ModelDir, adapter: AdapterName | null, precision: Precision,
    opts: SpecterSessionOptions): Promise<SpecterSession> {
    const attention = opts.attention ?? 'contrib';
    if (adapter && !modelDir.adapters[adapter]) {
      throw new CheckpointError(`${modelDir.root}: adapter "${adapter}" is not available in this model directory`);
    }
    const inputs = resolveInputs(modelDir);
    const modelKey = await computeModelKey(inputs, precision, attention);
    fs.mkdirSync(opts.cacheDir, { recursive: true });
    const modelPath = path.join(path.resolve(opts.cacheDir), `specter2-${precision}-${modelKey.slice(0, 24)}.onnx`);
    const sessionOptions: Ort.InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      interOpNumThreads: 1,
      ...(opts.intraOpThreads ? { intraOpNumThreads: opts.intraOpThreads } : {}),
    };
    const registryKey = `${modelPath}|${opts.intraOpThreads ?? 0}`;
    let entry = sharedModels.get(registryKey);
    const opensShared = !entry;
    if (!entry) {
      const created = { pending: openShared(inputs, modelKey, modelPath, sessionOptions, precision, attention), refs: 0 };
      sharedModels.set(registryKey, created);
      created.pending.catch(() => { if (sharedModels.get(registryKey) === created) sharedModels.delete(registryKey); });
      entry = created;
    }
    entry.refs++;
    let shared: SharedModel;
    try {
      shared = await entry.pending;
    } catch (e) {
      entry.refs--;
      throw e;
    }
    return new SpecterSession(shared, registryKey, adapter, !opensShared || shared.loadedFromDisk, modelKey);
  }

  /** CLS embeddings, `batch * hiddenSize` floats, row-major. Rows are right-padded (mask 0) to `seq`. */
  async run(inputIds: BigInt64Array, attentionMask: BigInt64Array, batch: number, seq: number): Promise<Float32Array> {
    const shared = this.shared;
    if (!shared) throw new Error('SpecterSession.run after dispose()');
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
    const out = await shared.session.run({
      input_ids: new (loadOrt().Tensor)('int64', inputIds, [batch, seq]),
      attention_mask: new (loadOrt().Tensor)('int64', attentionMask, [batch, seq]),
      [ADAPTER_INDEX_INPUT]: this.adapterIndex,
    });
    const cls = out.cls;
    if (!cls || !(cls.data instanceof Float32Array) || cls.data.length !== batch * this.hiddenSize) {
      throw new Error(`SpecterSession.run: unexpected model output (dims ${cls?.dims.join('×')})`);
    }
    return cls.data;
  }

  /** Releases this handle; the shared ORT session is released with its last handle. */
  async dispose(): Promise<void> {
    const shared = this.shared;
    this.shared = null;
    if (!shared) return;
    const entry = sharedModels.get(this.registryKey);
    if (entry && --entry.refs === 0) {
      sharedModels.delete(this.registryKey);
      await shared.session.release();
    }
  }
}
