/**
 * Loading a SPECTER2-layout model directory into validated float32 tensors:
 * `base/` (config.json + model.safetensors | pytorch_model.bin) and `adapters/<x>/`
 * (adapter_config.json + pytorch_adapter.bin | adapter_model.safetensors).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HostTensor } from '../types';
import { type AdapterConfig, type BertConfig, readAdapterConfig, readBertConfig } from './config';
import { CheckpointError } from './errors';
import { readSafetensors } from './safetensors';
import { readTorchCheckpoint } from './torchZip';

export interface F32Tensor { shape: number[]; data: Float32Array }

export interface BaseWeights {
  config: BertConfig;
  tensors: Map<string, F32Tensor>;
  configFile: string;
  weightFile: string;
}

export interface AdapterLayerWeights { downW: F32Tensor; downB: F32Tensor; upW: F32Tensor; upB: F32Tensor }
export interface AdapterWeights {
  config: AdapterConfig;
  layers: AdapterLayerWeights[];
  configFile: string;
  weightFile: string;
}

export const BASE_WEIGHT_FILES = ['model.safetensors', 'pytorch_model.bin'] as const;
export const ADAPTER_WEIGHT_FILES = ['pytorch_adapter.bin', 'adapter_model.safetensors'] as const;

/** First existing candidate file in `dir`, or an error listing what was looked for. */
export function findWeightFile(dir: string, candidates: readonly string[]): string {
  for (const c of candidates) {
    const p = path.join(dir, c);
    if (fs.existsSync(p)) return p;
  }
  throw new CheckpointError(`${dir}: no weight file found (looked for ${candidates.join(', ')})`);
}

function readAny(file: string): Map<string, HostTensor> {
  return file.endsWith('.safetensors') ? readSafetensors(file) : readTorchCheckpoint(file);
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function toF32(t: HostTensor, key: string, file: string): F32Tensor {
  if (t.dtype === 'float32') return { shape: t.shape, data: t.data as Float32Array };
  if (t.dtype === 'float16') {
    const src = t.data as Uint16Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) out[i] = halfToFloat(src[i]!);
    return { shape: t.shape, data: out };
  }
  throw new CheckpointError(`${file}: tensor "${key}" has dtype ${t.dtype}, expected a floating-point weight`);
}

function take(tensors: Map<string, HostTensor>, key: string, shape: number[], file: string): F32Tensor {
  const t = tensors.get(key);
  if (!t) throw new CheckpointError(`${file}: missing tensor "${key}" (expected shape [${shape.join(', ')}])`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new CheckpointError(`${file}: tensor "${key}" has shape [${t.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return toF32(t, key, file);
}

/** Every base tensor the encoder needs, with its expected shape. */
export function expectedBaseShapes(c: BertConfig): Map<string, number[]> {
  const H = c.hiddenSize, I = c.intermediateSize;
  const m = new Map<string, number[]>([
    ['embeddings.word_embeddings.weight', [c.vocabSize, H]],
    ['embeddings.position_embeddings.weight', [c.maxPositions, H]],
    ['embeddings.token_type_embeddings.weight', [c.typeVocabSize, H]],
    ['embeddings.LayerNorm.weight', [H]],
    ['embeddings.LayerNorm.bias', [H]],
  ]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const n of ['query', 'key', 'value']) {
      m.set(`${p}attention.self.${n}.weight`, [H, H]);
      m.set(`${p}attention.self.${n}.bias`, [H]);
    }
    m.set(`${p}attention.output.dense.weight`, [H, H]);
    m.set(`${p}attention.output.dense.bias`, [H]);
    m.set(`${p}attention.output.LayerNorm.weight`, [H]);
    m.set(`${p}attention.output.LayerNorm.bias`, [H]);
    m.set(`${p}intermediate.dense.weight`, [I, H]);
    m.set(`${p}intermediate.dense.bias`, [I]);
    m.set(`${p}output.dense.weight`, [H, I]);
    m.set(`${p}output.dense.bias`, [H]);
    m.set(`${p}output.LayerNorm.weight`, [H]);
    m.set(`${p}output.LayerNorm.bias`, [H]);
  }
  return m;
}

/** Loads `baseDir` (prefers model.safetensors, else pytorch_model.bin; an optional `bert.` key prefix is stripped). */
export function loadBase(baseDir: string, opts: { weightFile?: string } = {}): BaseWeights {
  const configFile = path.join(baseDir, 'config.json');
  const config = readBertConfig(configFile);
  const weightFile = opts.weightFile ?? findWeightFile(baseDir, BASE_WEIGHT_FILES);
  const raw = readAny(weightFile);
  const stripped = new Map<string, HostTensor>();
  for (const [k, v] of raw) stripped.set(k.startsWith('bert.') ? k.slice(5) : k, v);
  const tensors = new Map<string, F32Tensor>();
  for (const [key, shape] of expectedBaseShapes(config)) tensors.set(key, take(stripped, key, shape, weightFile));
  return { config, tensors, configFile, weightFile };
}

/**
 * Loads an adapter directory. Weight keys are `[bert.]encoder.layer.{i}.output.adapters.{NAME}.…` with NAME from
 * adapter_config.json. `base` (when given) fixes the layer count and hidden size to check against.
 */
export function loadAdapter(adapterDir: string, base?: BertConfig): AdapterWeights {
  const configFile = path.join(adapterDir, 'adapter_config.json');
  const config = readAdapterConfig(configFile);
  const weightFile = findWeightFile(adapterDir, ADAPTER_WEIGHT_FILES);
  const raw = readAny(weightFile);
  const stripped = new Map<string, HostTensor>();
  for (const [k, v] of raw) stripped.set(k.startsWith('bert.') ? k.slice(5) : k, v);
  const H = base?.hiddenSize ?? config.hiddenSize;
  if (H === null) throw new CheckpointError(`${configFile}: no hidden_size and no base config to take it from`);
  if (config.hiddenSize !== null && config.hiddenSize !== H) {
    throw new CheckpointError(`${configFile}: adapter hidden_size ${config.hiddenSize} does not match the base model's ${H}`);
  }
  const B = Math.floor(H / config.reductionFactor);
  let numLayers = base?.numLayers;
  if (numLayers === undefined) {
    numLayers = 0;
    while (stripped.has(`encoder.layer.${numLayers}.output.adapters.${config.name}.adapter_up.bias`)) numLayers++;
    if (numLayers === 0) throw new CheckpointError(`${weightFile}: no tensors for adapter "${config.name}" (name from ${configFile})`);
  }
  const layers: AdapterLayerWeights[] = [];
  for (let i = 0; i < numLayers; i++) {
    const p = `encoder.layer.${i}.output.adapters.${config.name}.`;
    const get = (suffix: string, shape: number[]) => {
      const key = p + suffix;
      return take(stripped, stripped.has(key) ? key : `bert.${key}`, shape, weightFile);
    };
    layers.push({
      downW: get('adapter_down.0.weight', [B, H]),
      downB: get('adapter_down.0.bias', [B]),
      upW: get('adapter_up.weight', [H, B]),
      upB: get('adapter_up.bias', [H]),
    });
  }
  return { config: { ...config, bottleneck: B, hiddenSize: H }, layers, configFile, weightFile };
}
