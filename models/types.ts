/**
 * Contracts between the model pieces (tokenizer, checkpoint readers, ONNX graph, runtime, worker).
 */

export type DType = 'float32' | 'float16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'bool';

/** A host-memory tensor as read from a checkpoint; `data` is little-endian, row-major. */
export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: Float32Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Uint16Array;
}

/** Adapters SPECTER2 ships; `null` = the base model alone. */
export type AdapterName = 'proximity' | 'adhoc_query' | 'classification' | 'regression';
export const ADAPTERS: readonly AdapterName[] = ['proximity', 'adhoc_query', 'classification', 'regression'];

export type Precision = 'fp32' | 'int8';

/**
 * A resolved model directory: `root/base/` (config.json, weights, tokenizer files) and
 * `root/adapters/<name>/` (adapter_config.json + pytorch_adapter.bin) — the fixture's layout.
 */
export interface ModelDir {
  root: string;
  base: string;
  adapters: Partial<Record<AdapterName, string>>;
  /** Human-readable model id used to name index tables, e.g. `allenai/specter2_base@<rev>`. */
  modelId: string;
  /**
   * Identity of each adapter present: `<repo>@<commit>` (hub cache, downloader record) or
   * `local:<fingerprint>`. Part of the vector-space identity, so a changed adapter never shares a
   * table or a cached vector with another revision.
   */
  adapterIds?: Partial<Record<AdapterName, string>>;
}

/** A paper to embed; the text is `title + "[SEP]" + (abstract ?? "")`. */
export interface PaperInput { title: string; abstract?: string | null }
/** A free-text query (adhoc_query adapter). */
export interface TextInput { text: string }
export type EmbedInput = PaperInput | TextInput;

export interface EmbedOptions {
  adapter: AdapterName | null;
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}
