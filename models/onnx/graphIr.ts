/**
 * A tiny in-memory ONNX graph representation (nodes + initializers) that the SPECTER2 builder fills, the int8
 * pass rewrites, and `serializeModel` turns into ModelProto bytes with protobufjs.
 */
import * as os from 'node:os';
import { AttrType, DataType, ModelProto } from './onnxProto';

export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };
export interface OnnxNode {
  opType: string;
  domain: '' | 'com.microsoft';
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrValue>;
  name: string;
}
export interface OnnxInitializer { name: string; dataType: number; dims: number[]; raw: Uint8Array }
export interface OnnxValueInfo { name: string; elemType: number; dims: Array<number | string> }

export const OPSET = 17;
export const MS_OPSET = 1;

if (os.endianness() !== 'LE') throw new Error('ONNX raw tensor data is little-endian; big-endian hosts are not supported');

export class OnnxGraph {
  nodes: OnnxNode[] = [];
  initializers = new Map<string, OnnxInitializer>();
  inputs: OnnxValueInfo[] = [];
  outputs: OnnxValueInfo[] = [];
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  node(opType: string, inputs: string[], outputs: string[] | number = 1, attrs: Record<string, AttrValue> = {},
    domain: '' | 'com.microsoft' = ''): string[] {
    const outs = typeof outputs === 'number'
      ? Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()))
      : outputs;
    this.nodes.push({ opType, domain, inputs, outputs: outs, attrs, name: this.fresh(`n_${opType}`) });
    return outs;
  }

  /** Shorthand for a single-output node. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, domain: '' | 'com.microsoft' = ''): string {
    return this.node(opType, inputs, 1, attrs, domain)[0]!;
  }

  init(name: string, dataType: number, dims: number[], data: ArrayBufferView): string {
    if (this.initializers.has(name)) throw new Error(`duplicate initializer ${name}`);
    this.initializers.set(name, { name, dataType, dims, raw: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }
  f32(name: string, dims: number[], data: Float32Array | number[]): string {
    return this.init(name, DataType.FLOAT, dims, data instanceof Float32Array ? data : Float32Array.from(data));
  }
  i64(name: string, dims: number[], data: number[]): string {
    return this.init(name, DataType.INT64, dims, BigInt64Array.from(data.map((v) => BigInt(v))));
  }
}

function encodeAttr(name: string, v: AttrValue): Record<string, unknown> {
  if (typeof v === 'number') return { name, type: AttrType.INT, i: v };
  if (typeof v === 'string') return { name, type: AttrType.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) return { name, type: AttrType.INTS, ints: v };
  if ('float' in v) return { name, type: AttrType.FLOAT, f: v.float };
  return { name, type: AttrType.FLOATS, floats: v.floats };
}

function valueInfo(v: OnnxValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: v.elemType,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

export function serializeModel(g: OnnxGraph, docString: string): Uint8Array {
  const usesMs = g.nodes.some((n) => n.domain === 'com.microsoft');
  const msg = ModelProto.fromObject({
    irVersion: 8,
    producerName: 'related-papers',
    producerVersion: '1',
    docString,
    opsetImport: [{ domain: '', version: OPSET }, ...(usesMs ? [{ domain: 'com.microsoft', version: MS_OPSET }] : [])],
    graph: {
      name: 'specter2',
      node: g.nodes.map((n) => ({
        input: n.inputs, output: n.outputs, name: n.name, opType: n.opType, domain: n.domain,
        attribute: Object.entries(n.attrs).map(([k, v]) => encodeAttr(k, v)),
      })),
      initializer: [...g.initializers.values()].map((t) => ({ name: t.name, dataType: t.dataType, dims: t.dims, rawData: t.raw })),
      input: g.inputs.map(valueInfo),
      output: g.outputs.map(valueInfo),
    },
  });
  return ModelProto.encode(msg).finish();
}
