/**
 * Writes a state dict in the `torch.save` zip layout (`<prefix>/data.pkl` protocol-2 pickle of an OrderedDict of
 * `torch._utils._rebuild_tensor_v2` calls, `<prefix>/data/<i>` raw storages, `byteorder`, `version`), i.e. the
 * format of the hub's `pytorch_model.bin` / `pytorch_adapter.bin`. Used to make random checkpoints with the real
 * file layout; the pickle only references the four globals the real files use.
 */
import * as fs from 'node:fs';
import { zipSync } from 'fflate';
import type { DType, HostTensor } from '../types';

const STORAGE: Record<DType, string> = {
  float32: 'FloatStorage', float16: 'HalfStorage', int64: 'LongStorage', int32: 'IntStorage',
  int8: 'CharStorage', uint8: 'ByteStorage', bool: 'BoolStorage',
};

class PickleWriter {
  private chunks: number[] = [];
  op(...b: number[]): void { for (const x of b) this.chunks.push(x); }
  global(module: string, name: string): void { this.op(0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1')); }
  str(s: string): void {
    const b = Buffer.from(s, 'utf8');
    this.op(0x58, b.length & 0xff, (b.length >>> 8) & 0xff, (b.length >>> 16) & 0xff, b.length >>> 24, ...b);
  }
  int(v: number): void {
    if (v >= 0 && v < 256) this.op(0x4b, v);
    else if (v >= 0 && v < 65536) this.op(0x4d, v & 0xff, v >>> 8);
    else { const b = Buffer.alloc(4); b.writeInt32LE(v); this.op(0x4a, ...b); }
  }
  tuple(items: number[]): void { this.op(0x28); items.forEach((i) => this.int(i)); this.op(0x74); }
  bytes(): Uint8Array { return Uint8Array.from(this.chunks); }
}

export function writeTorchCheckpoint(path: string, tensors: Map<string, HostTensor>, prefix = 'archive'): void {
  const p = new PickleWriter();
  p.op(0x80, 2);
  p.global('collections', 'OrderedDict');
  p.op(0x29, 0x52, 0x28); // EMPTY_TUPLE REDUCE MARK
  const files: Record<string, Uint8Array> = {};
  let i = 0;
  for (const [key, t] of tensors) {
    const storageKey = String(i++);
    const n = t.shape.reduce((a, b) => a * b, 1);
    p.str(key);
    p.global('torch._utils', '_rebuild_tensor_v2');
    p.op(0x28); // MARK (args)
    p.op(0x28); p.str('storage'); p.global('torch', STORAGE[t.dtype]); p.str(storageKey); p.str('cpu'); p.int(n); p.op(0x74, 0x51); // persistent id
    p.int(0);
    p.tuple(t.shape);
    p.tuple(t.shape.map((_, d) => t.shape.slice(d + 1).reduce((a, b) => a * b, 1)));
    p.op(0x89); // requires_grad False
    p.global('collections', 'OrderedDict'); p.op(0x29, 0x52); // backward_hooks
    p.op(0x74, 0x52); // TUPLE REDUCE
    files[`${prefix}/data/${storageKey}`] = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  }
  p.op(0x75, 0x2e); // SETITEMS STOP
  files[`${prefix}/data.pkl`] = p.bytes();
  files[`${prefix}/byteorder`] = Buffer.from('little');
  files[`${prefix}/version`] = Buffer.from('3\n');
  fs.writeFileSync(path, zipSync(files, { level: 0 }));
}
