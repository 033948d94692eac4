/**
 * Writes a randomly initialised checkpoint with the exact SPECTER2 file layout and shapes, for benchmarks and
 * tests that need a full-size model without the real weights:
 *   <root>/base/config.json + model.safetensors   (weightsFormat 'safetensors', default), or + pytorch_model.bin
 *   (weightsFormat 'torch': the torch.save zip the hub's main branch actually ships);
 *   <root>/adapters/<key>/adapter_config.json + adapter_model.safetensors | pytorch_adapter.bin (same choice).
 * Weights ~ N(0, std) (LayerNorm weights 1 + N(0, std)) from a seeded xorshift generator: deterministic, no I/O
 * besides the files written. No tokenizer files are written.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AdapterName, HostTensor, ModelDir } from '../types';
import { writeSafetensors } from './safetensors';
import { writeTorchCheckpoint } from './torchZipWriter';

export interface RandomCheckpointOptions {
  vocabSize?: number;
  hiddenSize?: number;
  numLayers?: number;
  numHeads?: number;
  intermediateSize?: number;
  maxPositions?: number;
  reductionFactor?: number;
  adapters?: readonly AdapterName[];
  seed?: number;
  /** Standard deviation of the random weights (default 0.02, BERT's initializer_range). */
  std?: number;
  weightsFormat?: 'safetensors' | 'torch';
}

/** Full SPECTER2 sizes: vocab 31090, hidden 768, 12 layers × 12 heads, FFN 3072, bottleneck 768/16 = 48. */
export const SPECTER2_SIZES = {
  vocabSize: 31090, hiddenSize: 768, numLayers: 12, numHeads: 12, intermediateSize: 3072, maxPositions: 512, reductionFactor: 16,
} as const;

/** The adapter names SPECTER2's checkpoints use (they are only written here; readers take them from the config). */
const ADAPTER_TOKEN: Record<AdapterName, string> = {
  proximity: '[PRX]', adhoc_query: '[QRY]', classification: '[CLF]', regression: '[RGN]',
};

function makeRng(seed: number) {
  let s = (seed >>> 0) || 0x9e3779b9;
  const uniform = () => {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return (n: number, mean: number, std: number): Float32Array => {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i += 2) {
      // Box–Muller
      const r = Math.sqrt(-2 * Math.log(uniform()));
      const t = 2 * Math.PI * uniform();
      out[i] = mean + std * r * Math.cos(t);
      if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(t);
    }
    return out;
  };
}

export function writeRandomCheckpoint(root: string, opts: RandomCheckpointOptions = {}): ModelDir {
  const o = { ...SPECTER2_SIZES, adapters: ['proximity', 'adhoc_query'] as readonly AdapterName[], seed: 1234, std: 0.02,
    weightsFormat: 'safetensors' as const, ...opts };
  const normal = makeRng(o.seed);
  const H = o.hiddenSize, I = o.intermediateSize;
  const f = (shape: number[], mean = 0): HostTensor => ({ dtype: 'float32', shape, data: normal(shape.reduce((a, b) => a * b, 1), mean, o.std) });

  const baseDir = path.join(root, 'base');
  fs.mkdirSync(baseDir, { recursive: true });
  const t = new Map<string, HostTensor>();
  t.set('embeddings.position_ids', { dtype: 'int64', shape: [1, o.maxPositions], data: BigInt64Array.from({ length: o.maxPositions }, (_, i) => BigInt(i)) });
  t.set('embeddings.word_embeddings.weight', f([o.vocabSize, H]));
  t.set('embeddings.position_embeddings.weight', f([o.maxPositions, H]));
  t.set('embeddings.token_type_embeddings.weight', f([2, H]));
  t.set('embeddings.LayerNorm.weight', f([H], 1));
  t.set('embeddings.LayerNorm.bias', f([H]));
  for (let i = 0; i < o.numLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const n of ['query', 'key', 'value']) {
      t.set(`${p}attention.self.${n}.weight`, f([H, H]));
      t.set(`${p}attention.self.${n}.bias`, f([H]));
    }
    t.set(`${p}attention.output.dense.weight`, f([H, H]));
    t.set(`${p}attention.output.dense.bias`, f([H]));
    t.set(`${p}attention.output.LayerNorm.weight`, f([H], 1));
    t.set(`${p}attention.output.LayerNorm.bias`, f([H]));
    t.set(`${p}intermediate.dense.weight`, f([I, H]));
    t.set(`${p}intermediate.dense.bias`, f([I]));
    t.set(`${p}output.dense.weight`, f([H, I]));
    t.set(`${p}output.dense.bias`, f([H]));
    t.set(`${p}output.LayerNorm.weight`, f([H], 1));
    t.set(`${p}output.LayerNorm.bias`, f([H]));
  }
  t.set('pooler.dense.weight', f([H, H]));
  t.set('pooler.dense.bias', f([H]));
  if (o.weightsFormat === 'torch') writeTorchCheckpoint(path.join(baseDir, 'pytorch_model.bin'), t, 'pytorch_model');
  else writeSafetensors(path.join(baseDir, 'model.safetensors'), t);
  fs.writeFileSync(path.join(baseDir, 'config.json'), JSON.stringify({
    _name_or_path: 'random-specter2', architectures: ['BertModel'], attention_probs_dropout_prob: 0.1,
    classifier_dropout: null, hidden_act: 'gelu', hidden_dropout_prob: 0.1, hidden_size: H, initializer_range: 0.02,
    intermediate_size: I, layer_norm_eps: 1e-12, max_position_embeddings: o.maxPositions, model_type: 'bert',
    num_attention_heads: o.numHeads, num_hidden_layers: o.numLayers, pad_token_id: 0, position_embedding_type: 'absolute',
    torch_dtype: 'float32', type_vocab_size: 2, use_cache: true, vocab_size: o.vocabSize,
  }, null, 2));

  const adapters: ModelDir['adapters'] = {};
  const B = Math.floor(H / o.reductionFactor);
  for (const key of o.adapters) {
    const name = ADAPTER_TOKEN[key];
    const dir = path.join(root, 'adapters', key);
    fs.mkdirSync(dir, { recursive: true });
    const at = new Map<string, HostTensor>();
    for (let i = 0; i < o.numLayers; i++) {
      const p = `bert.encoder.layer.${i}.output.adapters.${name}.`;
      at.set(`${p}adapter_down.0.weight`, f([B, H]));
      at.set(`${p}adapter_down.0.bias`, f([B]));
      at.set(`${p}adapter_up.weight`, f([H, B]));
      at.set(`${p}adapter_up.bias`, f([H]));
    }
    if (o.weightsFormat === 'torch') writeTorchCheckpoint(path.join(dir, 'pytorch_adapter.bin'), at, 'pytorch_adapter');
    else writeSafetensors(path.join(dir, 'adapter_model.safetensors'), at);
    fs.writeFileSync(path.join(dir, 'adapter_config.json'), JSON.stringify({
      config: {
        adapter_residual_before_ln: false, cross_adapter: false, factorized_phm_W: true, factorized_phm_rule: false,
        hypercomplex_nonlinearity: 'glorot-uniform', init_weights: 'bert', inv_adapter: null, inv_adapter_reduction_factor: null,
        is_parallel: false, learn_phm: true, leave_out: [], ln_after: false, ln_before: false, mh_adapter: false,
        non_linearity: 'relu', original_ln_after: true, original_ln_before: true, output_adapter: true, phm_bias: true,
        phm_c_init: 'normal', phm_dim: 4, phm_init_range: 0.0001, phm_layer: false, phm_rank: 1,
        reduction_factor: o.reductionFactor, residual_before_ln: true, scaling: 1.0, shared_W_phm: false,
        shared_phm_rule: true, use_gating: false,
      },
      hidden_size: H, model_class: 'BertAdapterModel', model_name: 'random-specter2', model_type: 'bert', name, version: '3.2.0',
    }, null, 2));
    adapters[key] = dir;
  }
  return { root, base: baseDir, adapters, modelId: `random-specter2@seed${o.seed}` };
}
