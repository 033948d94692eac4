/**
 * Tokenizer + ONNX Runtime sessions + batching, with no thread of its own: the worker wraps it
 * (the extension never calls it on the host thread) and the CLI uses it directly.
 */
import type { AdapterName, EmbedInput, ModelDir } from '../types';
import { EngineError, type EmbedResult, type LoadModelParams, type LoadedModel } from './types';
import { WordPieceTokenizer, paperText } from '../tokenizer/wordpiece';
import { SpecterSession } from '../runtime/session';
import { padBatch, paddingFraction, planBatches } from '../runtime/batching';
import { RunLane, type EmbedPriority, type RunLaneOptions } from './runLane';

export type { EmbedPriority };

/** SPECTER2 truncates at 512 tokens ([CLS] + 510 + [SEP]). */
export const MAX_TOKENS = 512;
/** Default rows × seq per ONNX Runtime run; measured in bench/embed.ts. */
export const DEFAULT_BATCH_TOKENS = 8192;

export function inputText(input: EmbedInput): string {
  return 'text' in input ? input.text : paperText(input.title, input.abstract ?? null);
}

export interface EmbedControl {
  batchTokens?: number;
  /** 'query' runs go before pending 'index' runs (see runLane.ts); default 'index'. */
  priority?: EmbedPriority;
  isCancelled?: () => boolean;
  onProgress?: (done: number, total: number) => void;
}

export class EmbeddingEngine {
  private tokenizer?: WordPieceTokenizer;
  private params?: LoadModelParams;
  private readonly sessions = new Map<string, Promise<SpecterSession>>();
  /** Every ORT run of this engine goes through one lane (runs are synchronous on the thread anyway). */
  readonly lane: RunLane;

  constructor(opts: { lane?: RunLaneOptions } = {}) {
    this.lane = new RunLane(opts.lane);
  }

  get loaded(): boolean {
    return this.tokenizer !== undefined;
  }

  get modelDir(): ModelDir | undefined {
    return this.params?.modelDir;
  }

  /** Loads the tokenizer and opens (building or reusing from cache) the sessions of the adapters present. */
  async load(p: LoadModelParams): Promise<LoadedModel> {
    await this.unload();
    try {
      this.tokenizer = await WordPieceTokenizer.fromDir(p.modelDir.base);
    } catch (e) {
      throw new EngineError(`cannot load the tokenizer from ${p.modelDir.base}: ${(e as Error).message}`, 'model-invalid');
    }
    this.params = p;
    const adapters = Object.keys(p.modelDir.adapters) as AdapterName[];
    const sessions = await Promise.all(adapters.map((a) => this.session(a)));
    const any = sessions[0] ?? (await this.session(null));
    return { modelId: p.modelDir.modelId, hiddenSize: any.hiddenSize, builtFromCache: sessions.map((s) => s.builtFromCache) };
  }

  async unload(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    this.tokenizer = undefined;
    this.params = undefined;
    await Promise.all(open.map(async (s) => (await s.catch(() => undefined))?.dispose()));
  }

  tokenize(texts: string[]): number[][] {
    const tok = this.requireTokenizer();
    return texts.map((t) => tok.encode(t, MAX_TOKENS).ids);
  }

  async embed(inputs: EmbedInput[], adapter: AdapterName | null, ctl: EmbedControl = {}): Promise<EmbedResult> {
    const tok = this.requireTokenizer();
    const session = await this.session(adapter);
    const rows = inputs.map((i) => tok.encode(inputText(i), MAX_TOKENS).ids);
    const lengths = rows.map((r) => r.length);
    const plan = planBatches(lengths, { batchTokens: ctl.batchTokens ?? DEFAULT_BATCH_TOKENS });
    const vectors = new Array<Float32Array>(inputs.length);
    const h = session.hiddenSize;
    const priority = ctl.priority ?? 'index';
    let done = 0;
    for (const batch of plan) {
      // A batch may run as several slices (index work while the writer is active, see RunLane);
      // cancellation is checked before every run, progress reported after every planned batch.
      for (let start = 0; start < batch.indices.length;) {
        if (ctl.isCancelled?.()) throw new EngineError('embedding cancelled', 'cancelled');
        const flat = await this.lane.submit(priority, () => {
          // Decided when the run starts, not when it was queued: a query that arrived meanwhile counts.
          const n = this.lane.rowsPerRun(priority, batch.indices.length - start, batch.seq);
          const slice = batch.indices.slice(start, start + n);
          const { ids, mask } = padBatch(slice.map((i) => rows[i]), batch.seq);
          return session.run(ids, mask, slice.length, batch.seq).then((out) => ({ out, slice }));
        });
        flat.slice.forEach((inputIndex, r) => {
          vectors[inputIndex] = flat.out.slice(r * h, (r + 1) * h);
        });
        start += flat.slice.length;
      }
      done += batch.indices.length;
      ctl.onProgress?.(done, inputs.length);
    }
    return { vectors, tokens: lengths, paddingFraction: paddingFraction(lengths, plan) };
  }

  private requireTokenizer(): WordPieceTokenizer {
    if (!this.tokenizer) throw new EngineError('no model is loaded', 'model-not-loaded');
    return this.tokenizer;
  }

  private session(adapter: AdapterName | null): Promise<SpecterSession> {
    const p = this.params;
    if (!p) return Promise.reject(new EngineError('no model is loaded', 'model-not-loaded'));
    if (adapter && !p.modelDir.adapters[adapter]) {
      return Promise.reject(new EngineError(`the model folder ${p.modelDir.root} has no "${adapter}" adapter`, 'model-invalid'));
    }
    const key = adapter ?? 'base';
    let s = this.sessions.get(key);
    if (!s) {
      s = SpecterSession.open(p.modelDir, adapter, p.precision, { cacheDir: p.cacheDir, intraOpThreads: p.intraOpThreads }).catch((e) => {
        this.sessions.delete(key);
        throw e instanceof EngineError ? e : new EngineError(`cannot open the ${key} model: ${(e as Error).message}`, 'model-invalid');
      });
      this.sessions.set(key, s);
    }
    return s;
  }
}
