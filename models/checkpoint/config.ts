/**
 * Reading and validating `config.json` (BertModel) and `adapter_config.json` (adapters / adapter-transformers).
 * Only the configuration SPECTER2 uses is implemented; every flag whose value would change the math in a way this
 * implementation does not reproduce EXACTLY is refused with an error naming the flag and its value.
 */
import * as fs from 'node:fs';
import { CheckpointError, UnsupportedConfigError } from './errors';

export interface BertConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  intermediateSize: number;
  maxPositions: number;
  typeVocabSize: number;
  layerNormEps: number;
}

export interface AdapterConfig {
  /** The adapter's name as used in weight keys, e.g. "[PRX]" (from the file, never hard-coded). */
  name: string;
  reductionFactor: number;
  /** hidden_size // reduction_factor */
  bottleneck: number;
  /** hidden_size recorded in the adapter file (must equal the base model's). */
  hiddenSize: number | null;
}

function readJson(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch (e) {
    throw new CheckpointError(`cannot read ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch (e) {
    throw new CheckpointError(`${path}: not valid JSON (${(e as Error).message})`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new CheckpointError(`${path}: expected a JSON object`);
  return v as Record<string, unknown>;
}

function posInt(obj: Record<string, unknown>, key: string, where: string): number {
  const v = obj[key];
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new CheckpointError(`${where}: "${key}" must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function requireValue(obj: Record<string, unknown>, key: string, expected: unknown, where: string, optional = false): void {
  if (!(key in obj)) {
    if (optional) return;
    throw new UnsupportedConfigError(`${where}: missing "${key}" (this implementation needs ${JSON.stringify(expected)})`);
  }
  if (obj[key] !== expected) {
    throw new UnsupportedConfigError(`${where}: unsupported ${key} = ${JSON.stringify(obj[key])} (only ${JSON.stringify(expected)} is implemented exactly)`);
  }
}

export function parseBertConfig(obj: Record<string, unknown>, where: string): BertConfig {
  if ('model_type' in obj) requireValue(obj, 'model_type', 'bert', where);
  // "gelu" in transformers = exact erf GELU; "gelu_new"/"gelu_fast" (tanh) etc. would differ by ~1e-3.
  requireValue(obj, 'hidden_act', 'gelu', where);
  requireValue(obj, 'position_embedding_type', 'absolute', where, true);
  const cfg: BertConfig = {
    vocabSize: posInt(obj, 'vocab_size', where),
    hiddenSize: posInt(obj, 'hidden_size', where),
    numLayers: posInt(obj, 'num_hidden_layers', where),
    numHeads: posInt(obj, 'num_attention_heads', where),
    intermediateSize: posInt(obj, 'intermediate_size', where),
    maxPositions: posInt(obj, 'max_position_embeddings', where),
    typeVocabSize: posInt(obj, 'type_vocab_size', where),
    layerNormEps: typeof obj.layer_norm_eps === 'number' ? obj.layer_norm_eps : NaN,
  };
  if (!(cfg.layerNormEps > 0)) throw new CheckpointError(`${where}: "layer_norm_eps" must be a positive number, got ${JSON.stringify(obj.layer_norm_eps)}`);
  if (cfg.hiddenSize % cfg.numHeads !== 0) {
    throw new CheckpointError(`${where}: hidden_size ${cfg.hiddenSize} is not divisible by num_attention_heads ${cfg.numHeads}`);
  }
  // Everything else in the file (dropouts, initializer_range, pad_token_id, torch_dtype/dtype, use_cache,
  // architectures, the adapter-transformers "adapters" block) does not affect inference of the encoder.
  return cfg;
}

export function readBertConfig(path: string): BertConfig {
  return parseBertConfig(readJson(path), path);
}

/** The exact sequential-bottleneck ("pfeiffer" / SeqBnConfig) values that are implemented. */
const REQUIRED_ADAPTER_FLAGS: Record<string, unknown> = {
  mh_adapter: false,            // no adapter after the attention block
  output_adapter: true,         // adapter after the FFN
  non_linearity: 'relu',
  original_ln_before: true,     // Z = LN(Hd + A) with the layer's own output.LayerNorm
  original_ln_after: true,      // X_next = LN(Y + A) with the SAME LayerNorm
  residual_before_ln: true,     // the adapter residual is Hd (before the LN)
  ln_before: false,             // no adapter-owned LayerNorm before down-projection
  ln_after: false,              // ... nor after up-projection
  adapter_residual_before_ln: false,
  is_parallel: false,
  scaling: 1.0,
  use_gating: false,
};
/** Flags that must be "off" when present (their "on" values add parameters or change the math). */
const REQUIRED_IF_PRESENT: Record<string, unknown> = {
  phm_layer: false,             // PHM (hypercomplex) layers would replace the Linear down/up projections
  cross_adapter: false,         // only used in encoder-decoder cross-attention
  inv_adapter: null,            // invertible adapter on the embeddings
  architecture: 'bottleneck',
};
/**
 * Keys that are inert at inference for this configuration:
 *  - init_weights / init_weights_seed: only how parameters were initialised before training;
 *  - dropout / stochastic_depth: identity at inference (eval mode);
 *  - phm_* / factorized_phm_* / shared_*phm* / learn_phm / hypercomplex_nonlinearity: only read when phm_layer = true;
 *  - inv_adapter_reduction_factor: only read when inv_adapter is set.
 */
const INERT_KEYS = new Set([
  'init_weights', 'init_weights_seed', 'dropout', 'stochastic_depth',
  'factorized_phm_W', 'factorized_phm_rule', 'hypercomplex_nonlinearity', 'learn_phm', 'phm_bias', 'phm_c_init',
  'phm_dim', 'phm_init_range', 'phm_rank', 'shared_W_phm', 'shared_phm_rule', 'inv_adapter_reduction_factor',
]);

function isOffValue(v: unknown): boolean {
  return v === null || v === false || v === 0 || (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' && v !== null && Object.keys(v).length === 0);
}

export function parseAdapterConfig(obj: Record<string, unknown>, where: string): AdapterConfig {
  const config = obj.config;
  if (!config || typeof config !== 'object' || Array.isArray(config)) {
    throw new CheckpointError(`${where}: missing the "config" object`);
  }
  const c = config as Record<string, unknown>;
  const name = obj.name;
  if (typeof name !== 'string' || name.length === 0) throw new CheckpointError(`${where}: missing the adapter "name"`);
  if ('model_type' in obj && obj.model_type !== 'bert') {
    throw new UnsupportedConfigError(`${where}: unsupported model_type = ${JSON.stringify(obj.model_type)} (only "bert")`);
  }
  for (const [k, v] of Object.entries(REQUIRED_ADAPTER_FLAGS)) requireValue(c, k, v, where);
  for (const [k, v] of Object.entries(REQUIRED_IF_PRESENT)) requireValue(c, k, v, where, true);
  if ('leave_out' in c && !(Array.isArray(c.leave_out) && c.leave_out.length === 0)) {
    throw new UnsupportedConfigError(`${where}: unsupported leave_out = ${JSON.stringify(c.leave_out)} (only [] is implemented)`);
  }
  const rf = c.reduction_factor;
  if (typeof rf !== 'number' || !(rf > 0)) {
    throw new UnsupportedConfigError(`${where}: unsupported reduction_factor = ${JSON.stringify(rf)} (a positive number is required; per-layer mappings are not implemented)`);
  }
  const known = new Set([...Object.keys(REQUIRED_ADAPTER_FLAGS), ...Object.keys(REQUIRED_IF_PRESENT), 'leave_out', 'reduction_factor']);
  for (const [k, v] of Object.entries(c)) {
    if (known.has(k) || INERT_KEYS.has(k)) continue;
    // A key this code does not know: accepted only with a "feature off" value (null/false/0/empty), the
    // convention for disabled options in adapter configs; anything else might change the math, so refuse.
    if (!isOffValue(v)) {
      throw new UnsupportedConfigError(`${where}: unknown adapter flag ${k} = ${JSON.stringify(v)} (not implemented; refusing rather than guessing)`);
    }
  }
  const hiddenSize = typeof obj.hidden_size === 'number' ? obj.hidden_size : null;
  const bottleneck = hiddenSize === null ? NaN : Math.floor(hiddenSize / rf);
  return { name, reductionFactor: rf, bottleneck, hiddenSize };
}

export function readAdapterConfig(path: string): AdapterConfig {
  return parseAdapterConfig(readJson(path), path);
}
