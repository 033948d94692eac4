/**
 * A minimal, SAFE pickle virtual machine for PyTorch state dicts (`torch.save` → `data.pkl`).
 *
 * Why hand-written: a pickle is a program; Python's unpickler calls any importable callable it names
 * (`os.system`, `subprocess.Popen`, ...). No maintained JS library unpickles torch state dicts while refusing
 * arbitrary globals, so this VM implements just the opcodes and an ALLOW-LIST of globals a state dict needs:
 * `collections.OrderedDict`, `torch._utils._rebuild_tensor_v2`, `torch._utils._rebuild_parameter` (returns its
 * first argument) and the `torch.*Storage` type markers. Any other GLOBAL / STACK_GLOBAL / INST, and any REDUCE /
 * NEWOBJ / OBJ of something that is not an allowed callable, raises `UnsafePickleError` — no code is ever run;
 * "calling" an allowed global just builds plain data (a Map, a tensor descriptor).
 */
import type { DType } from '../types';
import { CheckpointError, UnsafePickleError } from './errors';

/** `torch.<X>Storage` → dtype of its elements and the element size in the file. */
export const STORAGE_TYPES: Record<string, { dtype: DType | 'float64' | 'bfloat16' | 'int16'; bytes: number }> = {
  FloatStorage: { dtype: 'float32', bytes: 4 },
  DoubleStorage: { dtype: 'float64', bytes: 8 },
  HalfStorage: { dtype: 'float16', bytes: 2 },
  BFloat16Storage: { dtype: 'bfloat16', bytes: 2 },
  LongStorage: { dtype: 'int64', bytes: 8 },
  IntStorage: { dtype: 'int32', bytes: 4 },
  ShortStorage: { dtype: 'int16', bytes: 2 },
  CharStorage: { dtype: 'int8', bytes: 1 },
  ByteStorage: { dtype: 'uint8', bytes: 1 },
  BoolStorage: { dtype: 'bool', bytes: 1 },
};

export interface StorageTypeRef { kind: 'storageType'; name: string }
export interface GlobalRef { kind: 'global'; fullName: 'collections.OrderedDict' | 'torch._utils._rebuild_tensor_v2' | 'torch._utils._rebuild_parameter' }
/** What `persistentLoad` returns: opaque to the VM, handed to `_rebuild_tensor_v2`. */
export interface StorageRef { kind: 'storage'; storageType: string; key: string; numel: number }
export interface TensorRef { kind: 'tensor'; storage: StorageRef; offset: number; size: number[]; stride: number[] }
export class PickleDict { kind = 'dict' as const; entries = new Map<unknown, unknown>() }
export class PickleTuple { constructor(readonly items: unknown[]) {} }

export type PickleValue = unknown;

const ALLOWED_CALLABLES = new Set(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_parameter']);

function resolveGlobal(module: string, name: string, where: string): GlobalRef | StorageTypeRef {
  const full = `${module}.${name}`;
  if (ALLOWED_CALLABLES.has(full)) return { kind: 'global', fullName: full as GlobalRef['fullName'] };
  if (module === 'torch' && Object.hasOwn(STORAGE_TYPES, name)) return { kind: 'storageType', name };
  throw new UnsafePickleError(full, where);
}

function describe(v: unknown): string {
  if (v && typeof v === 'object' && 'kind' in v) {
    const k = v as { kind: string; name?: string; fullName?: string };
    return k.fullName ?? (k.name ? `torch.${k.name}` : k.kind);
  }
  return typeof v;
}

function asInt(v: unknown, what: string, where: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new CheckpointError(`${where}: ${what} is not an integer`);
}
function asIntTuple(v: unknown, what: string, where: string): number[] {
  if (!(v instanceof PickleTuple)) throw new CheckpointError(`${where}: ${what} is not a tuple`);
  return v.items.map((x) => asInt(x, what, where));
}

/** "Calls" an allowed global: only builds data. */
function callAllowed(fn: unknown, args: unknown, where: string): unknown {
  if (!fn || typeof fn !== 'object' || (fn as { kind?: string }).kind !== 'global') {
    throw new UnsafePickleError(describe(fn), where);
  }
  const a = args instanceof PickleTuple ? args.items : [];
  switch ((fn as GlobalRef).fullName) {
    case 'collections.OrderedDict':
      return new PickleDict();
    case 'torch._utils._rebuild_parameter':
      return a[0];
    case 'torch._utils._rebuild_tensor_v2': {
      const storage = a[0] as StorageRef;
      if (!storage || storage.kind !== 'storage') throw new CheckpointError(`${where}: _rebuild_tensor_v2 without a storage`);
      return {
        kind: 'tensor', storage,
        offset: asInt(a[1], 'storage offset', where),
        size: asIntTuple(a[2], 'tensor size', where),
        stride: asIntTuple(a[3], 'tensor stride', where),
      } satisfies TensorRef;
    }
  }
}

const MARK = Symbol('mark');

/**
 * Runs the pickle in `data`. `persistentLoad` receives the persistent id (a tuple, already unpickled) and
 * returns a StorageRef. `where` names the file for error messages.
 */
export function unpickle(data: Uint8Array, where: string, persistentLoad: (pid: unknown) => StorageRef): PickleValue {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  const stack: unknown[] = [];
  const memo = new Map<number, unknown>();
  const fail = (msg: string): never => { throw new CheckpointError(`${where}: corrupt pickle at byte ${pos}: ${msg}`); };
  const need = (n: number) => { if (pos + n > data.byteLength) fail('unexpected end of data'); };
  const u8 = () => { need(1); return data[pos++]!; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => { need(8); const v = Number(dv.getBigUint64(pos, true)); pos += 8; return v; };
  const bytes = (n: number) => { need(n); const b = data.subarray(pos, pos + n); pos += n; return b; };
  const utf8 = (n: number) => Buffer.from(bytes(n)).toString('utf8');
  const line = () => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail('unterminated text line');
    const s = Buffer.from(data.subarray(pos, end)).toString('latin1');
    pos = end + 1;
    return s;
  };
  const pop = () => { if (stack.length === 0) fail('stack underflow'); return stack.pop(); };
  const top = () => { if (stack.length === 0) fail('stack underflow'); return stack[stack.length - 1]; };
  const popMark = (): unknown[] => {
    const i = stack.lastIndexOf(MARK);
    if (i < 0) fail('MARK not found');
    const items = stack.splice(i);
    items.shift();
    return items;
  };
  const setItems = (target: unknown, kv: unknown[]) => {
    if (!(target instanceof PickleDict)) fail('SETITEM(S) on a non-dict');
    for (let i = 0; i + 1 < kv.length; i += 2) (target as PickleDict).entries.set(kv[i], kv[i + 1]);
  };
  const appendItems = (target: unknown, items: unknown[]) => {
    if (!Array.isArray(target)) fail('APPEND(S) on a non-list');
    (target as unknown[]).push(...items);
  };
  const signedLE = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[b.length - 1]! & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    const op = u8();
    switch (op) {
      case 0x80: u8(); break; // PROTO
      case 0x95: u64(); break; // FRAME (length only; data is contiguous)
      case 0x2e: return pop(); // STOP
      case 0x28: stack.push(MARK); break; // MARK
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: stack.push(top()); break; // DUP
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { const n = u8(); stack.push(signedLE(bytes(n))); break; } // LONG1
      case 0x8b: { const n = i32(); if (n < 0) fail('negative LONG4 length'); stack.push(signedLE(bytes(n))); break; } // LONG4
      case 0x49: { // INT (text)
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
        break;
      }
      case 0x4c: stack.push(Number.parseInt(line().replace(/L$/, ''), 10)); break; // LONG (text)
      case 0x47: { need(8); stack.push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
      case 0x46: stack.push(Number.parseFloat(line())); break; // FLOAT (text)
      case 0x58: stack.push(utf8(u32())); break; // BINUNICODE
      case 0x8c: stack.push(utf8(u8())); break; // SHORT_BINUNICODE
      case 0x8d: stack.push(utf8(u64())); break; // BINUNICODE8
      case 0x54: stack.push(Buffer.from(bytes(i32())).toString('latin1')); break; // BINSTRING
      case 0x55: stack.push(Buffer.from(bytes(u8())).toString('latin1')); break; // SHORT_BINSTRING
      case 0x42: stack.push(bytes(u32()).slice()); break; // BINBYTES
      case 0x43: stack.push(bytes(u8()).slice()); break; // SHORT_BINBYTES
      case 0x8e: stack.push(bytes(u64()).slice()); break; // BINBYTES8
      case 0x29: stack.push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x74: stack.push(new PickleTuple(popMark())); break; // TUPLE
      case 0x85: stack.push(new PickleTuple([pop()])); break; // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); stack.push(new PickleTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); stack.push(new PickleTuple([a, b, c])); break; } // TUPLE3
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x6c: stack.push(popMark()); break; // LIST
      case 0x61: { const v = pop(); appendItems(top(), [v]); break; } // APPEND
      case 0x65: { const items = popMark(); appendItems(top(), items); break; } // APPENDS
      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x64: { const d = new PickleDict(); setItems(d, popMark()); stack.push(d); break; } // DICT
      case 0x73: { const v = pop(); const k = pop(); setItems(top(), [k, v]); break; } // SETITEM
      case 0x75: { const kv = popMark(); setItems(top(), kv); break; } // SETITEMS
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x70: memo.set(Number.parseInt(line(), 10), top()); break; // PUT
      case 0x94: memo.set(memo.size, top()); break; // MEMOIZE
      case 0x68: case 0x6a: case 0x67: { // BINGET, LONG_BINGET, GET
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(idx)) fail(`memo key ${idx} missing`);
        stack.push(memo.get(idx));
        break;
      }
      case 0x63: { const module = line(); const name = line(); stack.push(resolveGlobal(module, name, where)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop(); const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module as string, name as string, where));
        break;
      }
      case 0x69: { // INST module\nname\n — instantiates a class: refused unless allowed
        const module = line(); const name = line();
        const fn = resolveGlobal(module, name, where);
        stack.push(callAllowed(fn, new PickleTuple(popMark()), where));
        break;
      }
      case 0x52: { const args = pop(); const fn = pop(); stack.push(callAllowed(fn, args, where)); break; } // REDUCE
      case 0x81: { const args = pop(); const cls = pop(); stack.push(callAllowed(cls, args, where)); break; } // NEWOBJ
      case 0x92: { pop(); const args = pop(); const cls = pop(); stack.push(callAllowed(cls, args, where)); break; } // NEWOBJ_EX
      case 0x6f: { const items = popMark(); const cls = items.shift(); stack.push(callAllowed(cls, new PickleTuple(items), where)); break; } // OBJ
      case 0x62: { // BUILD: set state. Only OrderedDict gets state (its `_metadata`), which is irrelevant to weights.
        pop();
        const target = top();
        if (!(target instanceof PickleDict)) throw new UnsafePickleError(`BUILD on ${describe(target)}`, where);
        break;
      }
      case 0x51: stack.push(persistentLoad(pop())); break; // BINPERSID
      case 0x50: stack.push(persistentLoad(line())); break; // PERSID
      case 0x82: case 0x83: case 0x84: // EXT1/2/4: copyreg extension registry (arbitrary callables)
        throw new UnsafePickleError('copyreg extension code', where);
      default:
        fail(`unsupported opcode 0x${op.toString(16)}`);
    }
  }
}
