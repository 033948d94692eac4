/**
 * Hand-assembled pickle bytes and torch-style zips for the checkpoint tests (a real pickle writer would need
 * Python). Opcodes follow Python's pickletools documentation.
 */
import { zipSync } from 'fflate';

export class PickleAsm {
  private parts: number[] = [];
  op(...bytes: number[]): this { this.parts.push(...bytes); return this; }
  ch(c: string): this { return this.op(c.charCodeAt(0)); }
  proto(v = 2): this { return this.op(0x80, v); }
  global(module: string, name: string): this { return this.ch('c').raw(`${module}\n${name}\n`); }
  raw(s: string): this { return this.op(...Buffer.from(s, 'latin1')); }
  str(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4); len.writeUInt32LE(b.length);
    return this.ch('X').op(...len, ...b);
  }
  int(v: number): this { return v < 256 ? this.op(0x4b, v) : this.ch('J').op(...(() => { const b = Buffer.alloc(4); b.writeInt32LE(v); return b; })()); }
  mark(): this { return this.ch('('); }
  tuple(): this { return this.ch('t'); }
  reduce(): this { return this.ch('R'); }
  bytes(): Uint8Array { return Uint8Array.from([...this.parts, 0x2e]); }
}

export interface FakeTensor { key: string; storage: string; storageType: string; numel: number; offset: number; size: number[]; stride: number[] }

/** A state-dict pickle: OrderedDict of `_rebuild_tensor_v2` entries, protocol 2, like torch.save writes. */
export function stateDictPickle(tensors: FakeTensor[]): Uint8Array {
  const p = new PickleAsm().proto().global('collections', 'OrderedDict').ch(')').reduce().mark();
  for (const t of tensors) {
    p.str(t.key).global('torch._utils', '_rebuild_tensor_v2').mark();
    p.mark().str('storage').global('torch', t.storageType).str(t.storage).str('cpu').int(t.numel).tuple().ch('Q');
    p.int(t.offset);
    p.mark(); t.size.forEach((s) => p.int(s)); p.tuple();
    p.mark(); t.stride.forEach((s) => p.int(s)); p.tuple();
    p.op(0x89).global('collections', 'OrderedDict').ch(')').reduce();
    p.tuple().reduce();
  }
  return p.ch('u').bytes();
}

/** Zips a pickle and storages the way torch.save does (stored, `<prefix>/data.pkl`, `<prefix>/data/<key>`). */
export function torchZip(prefix: string, pickle: Uint8Array, storages: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = {
    [`${prefix}/data.pkl`]: pickle,
    [`${prefix}/byteorder`]: Buffer.from('little'),
    [`${prefix}/version`]: Buffer.from('3\n'),
  };
  for (const [k, v] of Object.entries(storages)) files[`${prefix}/data/${k}`] = v;
  return zipSync(files, { level: 0 });
}
