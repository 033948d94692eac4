/**
 * Reader for `torch.save` zip checkpoints (`pytorch_model.bin`, `pytorch_adapter.bin`): records
 * `<prefix>/data.pkl` (the state-dict pickle, run by the safe VM in unpickler.ts), `<prefix>/data/<key>`
 * (raw storages), `<prefix>/byteorder`. The prefix is whatever single top-level folder the writer chose
 * (`archive/`, `pytorch_model/`, ...).
 */
import * as fs from 'node:fs';
import { unzipSync } from 'fflate';
import type { DType, HostTensor } from '../types';
import { CheckpointError } from './errors';
import { numel, typedFromBytes } from './safetensors';
import { PickleDict, STORAGE_TYPES, type StorageRef, type TensorRef, PickleTuple, unpickle } from './unpickler';

function unzip(path: string): Record<string, Uint8Array> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read ${path}: ${(e as Error).message}`);
  }
  // torch.save stores records uncompressed; a deflated record claiming to expand far beyond the file itself is a
  // zip bomb, refused before anything is inflated.
  const maxExpanded = Math.max(64 << 20, 4 * buf.byteLength);
  let bomb: string | null = null;
  const filter = (f: { name: string; originalSize: number; compression: number }) => {
    if (f.compression !== 0 && f.originalSize > maxExpanded) bomb ??= `${f.name} claims ${f.originalSize} bytes uncompressed`;
    return bomb === null;
  };
  try {
    const files = unzipSync(buf, { filter });
    if (bomb) throw new CheckpointError(`${path}: refusing a suspicious zip record (${bomb})`);
    return files;
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(`${path}: not a readable torch zip checkpoint (truncated or corrupt?): ${(e as Error).message}`);
  }
}

/**
 * The tensor's elements (from `offset`, following `stride`) in contiguous row-major order. A contiguous tensor is
 * returned as a view of its storage (no copy of a 440 MB checkpoint); strided views are copied element by element.
 */
function gather(src: Uint8Array, elemBytes: number, offset: number, size: number[], stride: number[]): Uint8Array {
  const n = numel(size);
  const contiguous = size.every((s, i) => s === 1 || stride[i] === size.slice(i + 1).reduce((a, b) => a * b, 1));
  if (contiguous) return src.subarray(offset * elemBytes, (offset + n) * elemBytes);
  const out = new Uint8Array(n * elemBytes);
  const idx = new Array<number>(size.length).fill(0);
  for (let i = 0; i < n; i++) {
    let e = offset;
    for (let d = 0; d < size.length; d++) e += idx[d]! * stride[d]!;
    out.set(src.subarray(e * elemBytes, (e + 1) * elemBytes), i * elemBytes);
    for (let d = size.length - 1; d >= 0; d--) {
      if (++idx[d]! < size[d]!) break;
      idx[d] = 0;
    }
  }
  return out;
}

/** Converts storage dtypes HostTensor lacks (float64, bfloat16, int16) to the nearest supported one. */
function toHostTensor(dtype: string, shape: number[], bytes: Uint8Array): HostTensor {
  const n = numel(shape);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 'float64') {
    const f = new Float32Array(n);
    for (let i = 0; i < n; i++) f[i] = dv.getFloat64(i * 8, true);
    return { dtype: 'float32', shape, data: f };
  }
  if (dtype === 'bfloat16') {
    const u = new Uint32Array(n);
    for (let i = 0; i < n; i++) u[i] = dv.getUint16(i * 2, true) << 16;
    return { dtype: 'float32', shape, data: new Float32Array(u.buffer) };
  }
  if (dtype === 'int16') {
    const d = new Int32Array(n);
    for (let i = 0; i < n; i++) d[i] = dv.getInt16(i * 2, true);
    return { dtype: 'int32', shape, data: d };
  }
  return { dtype: dtype as DType, shape, data: typedFromBytes(dtype as DType, bytes, false) };
}

export function readTorchCheckpoint(path: string): Map<string, HostTensor> {
  const files = unzip(path);
  const names = Object.keys(files);
  const pkl = names.filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (pkl.length !== 1) {
    throw new CheckpointError(`${path}: expected exactly one <prefix>/data.pkl in the torch zip, found ${pkl.length}`);
  }
  const prefix = pkl[0]!.slice(0, -'data.pkl'.length);
  if (names.some((n) => !n.startsWith(prefix))) {
    throw new CheckpointError(`${path}: torch zip has more than one top-level folder`);
  }
  const order = files[`${prefix}byteorder`];
  if (order && Buffer.from(order).toString('latin1').trim() !== 'little') {
    throw new CheckpointError(`${path}: big-endian torch checkpoints are not supported`);
  }

  const persistentLoad = (pid: unknown): StorageRef => {
    const t = pid instanceof PickleTuple ? pid.items : null;
    const type = t?.[1] as { kind?: string; name?: string } | undefined;
    if (!t || t[0] !== 'storage' || type?.kind !== 'storageType' || typeof t[2] !== 'string') {
      throw new CheckpointError(`${path}: unexpected persistent id in data.pkl (expected ('storage', <type>, key, location, numel))`);
    }
    return { kind: 'storage', storageType: type.name!, key: t[2], numel: Number(t[4] ?? 0) };
  };
  const root = unpickle(files[pkl[0]!]!, `${path}:${pkl[0]}`, persistentLoad);
  if (!(root instanceof PickleDict)) throw new CheckpointError(`${path}: data.pkl is not a state dict (OrderedDict)`);

  const out = new Map<string, HostTensor>();
  for (const [key, value] of root.entries) {
    if (typeof key !== 'string') throw new CheckpointError(`${path}: state-dict key is not a string`);
    const t = value as TensorRef;
    if (!t || t.kind !== 'tensor') throw new CheckpointError(`${path}: entry "${key}" is not a tensor`);
    const st = STORAGE_TYPES[t.storage.storageType]!;
    const raw = files[`${prefix}data/${t.storage.key}`];
    if (!raw) throw new CheckpointError(`${path}: storage ${prefix}data/${t.storage.key} for "${key}" is missing`);
    const n = numel(t.size);
    let maxElem = t.offset;
    t.size.forEach((s, i) => { if (s > 0) maxElem += (s - 1) * t.stride[i]!; });
    if (n > 0 && (maxElem + 1) * st.bytes > raw.byteLength) {
      throw new CheckpointError(`${path}: tensor "${key}" reads past the end of its storage (truncated?)`);
    }
    out.set(key, toHostTensor(st.dtype, t.size, gather(raw, st.bytes, t.offset, t.size, t.stride)));
  }
  return out;
}
