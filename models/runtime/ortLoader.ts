/**
 * onnxruntime-node, loaded on first use. Why lazily: the worker thread also parses bibliographies;
 * if the native binary cannot load (unsupported CPU/platform, a broken install) parsing, diagnostics
 * and lexical search must keep working — only loading a model fails, with this message.
 */
import type * as Ort from 'onnxruntime-node';
import { EngineError } from '../engine/types';

let ort: typeof Ort | undefined;

export function loadOrt(): typeof Ort {
  if (ort) return ort;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    ort = require('onnxruntime-node') as typeof Ort;
  } catch (e) {
    throw new EngineError(`ONNX Runtime (onnxruntime-node) could not be loaded on ${process.platform}-${process.arch}: ${(e as Error).message.split('\n')[0]}`, 'runtime-unavailable');
  }
  return ort;
}

/** Whether onnxruntime-node has been loaded in this thread (tests check that parsing alone never loads it). */
export function ortLoaded(): boolean {
  return ort !== undefined;
}
