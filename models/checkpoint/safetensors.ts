/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
 * u64-LE header length, JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__"?},
 * then the raw little-endian tensor bytes. The format is small enough that a hand-written reader is clearer
 * than a dependency (there is no well-kept JS reader that returns typed arrays without extra baggage).
 */
import * as fs from 'node:fs';
import type { DType, HostTensor } from '../types';
import { CheckpointError } from './errors';

const ST_TO_DTYPE: Record<string, DType> = {
  F32: 'float32', F16: 'float16', I64: 'int64', I32: 'int32', U8: 'uint8', I8: 'int8', BOOL: 'bool',
};
const DTYPE_TO_ST: Record<DType, string> = {
  float32: 'F32', float16: 'F16', int64: 'I64', int32: 'I32', uint8: 'U8', int8: 'I8', bool: 'BOOL',
};
export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, int64: 8, int32: 4, uint8: 1, int8: 1, bool: 1,
};

/**
 * A typed array of `dtype` over `bytes` (little-endian). Views the same memory when it is suitably aligned and
 * `copy` is false (saves a second copy of a 440 MB checkpoint); otherwise copies into a fresh buffer.
 */
export function typedFromBytes(dtype: DType, bytes: Uint8Array, copy = true): HostTensor['data'] {
  let src = bytes;
  if (copy || bytes.byteOffset % DTYPE_BYTES[dtype] !== 0) {
    src = new Uint8Array(bytes.byteLength);
    src.set(bytes);
  }
  const { buffer, byteOffset, byteLength } = src;
  switch (dtype) {
    case 'float32': return new Float32Array(buffer, byteOffset, byteLength / 4);
    case 'int64': return new BigInt64Array(buffer, byteOffset, byteLength / 8);
    case 'int32': return new Int32Array(buffer, byteOffset, byteLength / 4);
    case 'float16': return new Uint16Array(buffer, byteOffset, byteLength / 2);
    case 'int8': return new Int8Array(buffer, byteOffset, byteLength);
    case 'uint8': case 'bool': return src;
  }
}

export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Parses a safetensors buffer (tensors may view `buf`'s memory); `where` names the file in errors. */
export function parseSafetensors(buf: Uint8Array, where: string): Map<string, HostTensor> {
  if (buf.byteLength < 8) throw new CheckpointError(`${where}: not a safetensors file (only ${buf.byteLength} bytes)`);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(dv.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > buf.byteLength) {
    throw new CheckpointError(`${where}: corrupt safetensors header length ${headerLen} (file has ${buf.byteLength} bytes)`);
  }
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.subarray(8, 8 + headerLen)).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new CheckpointError(`${where}: safetensors header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const out = new Map<string, HostTensor>();
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = raw as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = typeof info.dtype === 'string' ? ST_TO_DTYPE[info.dtype] : undefined;
    if (!dtype) throw new CheckpointError(`${where}: tensor "${name}" has unsupported dtype ${JSON.stringify(info.dtype)}`);
    const shape = info.shape;
    const offs = info.data_offsets;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0) ||
        !Array.isArray(offs) || offs.length !== 2 || !offs.every((d) => Number.isInteger(d) && d >= 0)) {
      throw new CheckpointError(`${where}: tensor "${name}" has a malformed shape/data_offsets entry`);
    }
    const [b, e] = offs as [number, number];
    const expected = numel(shape as number[]) * DTYPE_BYTES[dtype];
    if (e - b !== expected || dataStart + e > buf.byteLength) {
      throw new CheckpointError(`${where}: tensor "${name}" byte range [${b}, ${e}) does not fit its shape [${shape.join(', ')}] or the file (truncated?)`);
    }
    out.set(name, { dtype, shape: [...(shape as number[])], data: typedFromBytes(dtype, buf.subarray(dataStart + b, dataStart + e), false) });
  }
  return out;
}

export function readSafetensors(path: string): Map<string, HostTensor> {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`cannot read ${path}: ${(e as Error).message}`);
  }
  return parseSafetensors(buf, path);
}

/**
 * Writes tensors in sorted-name order with `{"__metadata__": {"format": "pt"}}`, header padded with spaces to a
 * multiple of 8 (as the reference writer does). Streams tensor by tensor so a 440 MB checkpoint is not
 * concatenated in memory.
 */
export function writeSafetensors(path: string, tensors: Map<string, HostTensor>): void {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const name of names) {
    const t = tensors.get(name)!;
    const bytes = numel(t.shape) * DTYPE_BYTES[t.dtype];
    if (t.data.byteLength !== bytes) throw new CheckpointError(`writeSafetensors: tensor "${name}" data has ${t.data.byteLength} bytes, shape needs ${bytes}`);
    header[name] = { dtype: DTYPE_TO_ST[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  const jsonLen = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonLen % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const lenBuf = Buffer.alloc(8);
  lenBuf.writeBigUInt64LE(BigInt(headerBytes.byteLength));
  const fd = fs.openSync(path, 'w');
  try {
    fs.writeSync(fd, lenBuf);
    fs.writeSync(fd, headerBytes);
    for (const name of names) {
      const d = tensors.get(name)!.data;
      fs.writeSync(fd, new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    }
  } finally {
    fs.closeSync(fd);
  }
}
