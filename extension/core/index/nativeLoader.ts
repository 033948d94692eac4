/**
 * Lazy, guarded loading of the two native dependencies (@lancedb/lancedb, onnxruntime-node).
 *
 * WHY lazy: a prebuilt native addon compiled for AVX2 dies with SIGILL (not a catchable exception)
 * on CPUs without it, and a missing/mismatched binary throws at require time. Loading them at
 * module top level would take the whole extension host (or CLI) down. So: check the CPU first,
 * then `require` inside a function, and turn every failure into a typed error with a message a
 * user can act on. Callers fall back (lexical search only / no model) and keep working.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { execFileSync } from 'node:child_process';
import type * as LanceDbModule from '@lancedb/lancedb';

export type NativeModuleName = 'lancedb' | 'onnxruntime';

export interface NativeLoadError {
  module: NativeModuleName;
  reason: 'cpu' | 'load';
  /** One sentence for a notification / status bar tooltip. */
  userMessage: string;
  /** Underlying error text for logs. */
  detail: string;
}

export type NativeLoadResult<T> = { ok: true; module: T } | { ok: false; error: NativeLoadError };

/** What the CPU check found: `true`/`false` when known, `undefined` when it could not tell (→ try anyway). */
export interface CpuCheck { avx2: boolean | undefined; source: string }

export interface NativeLoaderOptions {
  /** Injected for tests; defaults to Node's `require`. */
  requireFn?: (id: string) => unknown;
  /** Injected for tests; defaults to `detectCpu()`. */
  cpu?: CpuCheck;
  /** Defaults to process.env (reads RELATED_PAPERS_SIMULATE_NATIVE_FAILURE). */
  env?: NodeJS.ProcessEnv;
}

/** Below this many cores Lance's own default compute pool is 1 thread (cores − 2 I/O reserved, at least 1). */
const LANCE_DEFAULT_POOL_OK_CORES = 4;
const PACKAGE: Record<NativeModuleName, string> = { lancedb: '@lancedb/lancedb', onnxruntime: 'onnxruntime-node' };
const LABEL: Record<NativeModuleName, string> = { lancedb: "LanceDB's native module", onnxruntime: "ONNX Runtime's native module" };
const FALLBACK: Record<NativeModuleName, string> = {
  lancedb: 'related-paper search and suggestions are off until it can load (bibliography checks and diagnostics keep working)',
  onnxruntime: 'related-paper search falls back to lexical (keyword) matching without the SPECTER2 model',
};

/** Parses the `flags` line of /proc/cpuinfo (Linux) for avx2. Exported for tests. */
export function avx2FromCpuinfo(cpuinfo: string): boolean | undefined {
  const m = /^flags\s*:(.*)$/m.exec(cpuinfo);
  if (!m) return undefined;
  return m[1].split(/\s+/).includes('avx2');
}

export function detectCpu(): CpuCheck {
  if (process.arch !== 'x64') return { avx2: undefined, source: `arch ${process.arch} (no AVX2 requirement checked)` };
  try {
    if (process.platform === 'linux') {
      return { avx2: avx2FromCpuinfo(fs.readFileSync('/proc/cpuinfo', 'utf8')), source: '/proc/cpuinfo' };
    }
    if (process.platform === 'darwin') {
      const out = execFileSync('sysctl', ['-n', 'machdep.cpu.leaf7_features'], { encoding: 'utf8', timeout: 2000 });
      return { avx2: /\bAVX2\b/i.test(out), source: 'sysctl machdep.cpu.leaf7_features' };
    }
  } catch {
    // Unknown is not a failure: the brief says "unknown → try".
  }
  return { avx2: undefined, source: `${os.platform()} (not checked)` };
}

/** `RELATED_PAPERS_SIMULATE_NATIVE_FAILURE=lancedb,onnxruntime` (or `lancedb:cpu`) simulates a failure for tests/manual QA. */
function simulated(env: NodeJS.ProcessEnv, name: NativeModuleName): 'cpu' | 'load' | undefined {
  const spec = env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE;
  if (!spec) return undefined;
  for (const part of spec.split(',').map((s) => s.trim())) {
    const [mod, kind] = part.split(':');
    if (mod === name || mod === 'all') return kind === 'cpu' ? 'cpu' : 'load';
  }
  return undefined;
}

function failure(name: NativeModuleName, reason: 'cpu' | 'load', detail: string): NativeLoadResult<never> {
  const why = reason === 'cpu' ? 'on this CPU (no AVX2)' : `(${firstLine(detail)})`;
  return {
    ok: false,
    error: { module: name, reason, detail, userMessage: `${LABEL[name]} could not be loaded ${why}; ${FALLBACK[name]}.` },
  };
}

function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}

/** Loads one native module, never throwing. Not cached: callers (see `loadLanceDb`) cache. */
export function loadNative<T>(name: NativeModuleName, opts: NativeLoaderOptions = {}): NativeLoadResult<T> {
  const env = opts.env ?? process.env;
  const sim = simulated(env, name);
  if (sim) return failure(name, sim, `simulated by RELATED_PAPERS_SIMULATE_NATIVE_FAILURE=${env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE}`);
  const cpu = opts.cpu ?? detectCpu();
  if (cpu.avx2 === false) return failure(name, 'cpu', `AVX2 not reported by ${cpu.source}`);
  // LanceDB's Rust logger prints routine notices ("No existing dataset … will be created") as WARN
  // on stderr, which reads like a problem in CLI output; errors still show. A user's setting wins.
  if (name === 'lancedb' && process.env.LANCEDB_LOG === undefined) process.env.LANCEDB_LOG = 'error';
  // Lance's compute pool is cores − 2 (LANCE_IO_CORE_RESERVATION), but at least 1 thread: ONE on a
  // 2- or 3-core machine. With one thread the full-text index build deadlocks (0 % CPU, every thread
  // parked) once it writes more than one posting-list batch: the producer blocks the only pool thread
  // while the consumer needs that pool to flush (lancedb/lancedb#3568, fixed upstream by
  // lance-format/lance#7423, not in LanceDB 0.31). bench/scale.ts reproduces it at 100k rows with
  // LANCE_CPU_THREADS=1 (the first build hung > 120 s at 0 % CPU) while 2 and 4 threads never hung in
  // 5 + 5 builds each, at about the same speed (medians 4.5 s vs 4.0 s at load 10; 1.3 s vs 6.2 s in an
  // earlier run). So: at least 2 (the deadlock needs a 1-thread pool), and no more than the cores
  // (threads beyond them only compete with ONNX Runtime's). A user's setting wins. Must be set before
  // the addon's runtime starts (before the first require).
  if (name === 'lancedb' && process.env.LANCE_CPU_THREADS === undefined && os.cpus().length < LANCE_DEFAULT_POOL_OK_CORES) {
    process.env.LANCE_CPU_THREADS = String(Math.max(2, os.cpus().length));
  }
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const req = opts.requireFn ?? ((id: string) => require(id));
  try {
    return { ok: true, module: req(PACKAGE[name]) as T };
  } catch (e) {
    return failure(name, 'load', e instanceof Error ? e.message : String(e));
  }
}

export type LanceDb = typeof LanceDbModule;
let lanceCache: NativeLoadResult<LanceDb> | undefined;

/**
 * Cached for the process (a native addon either loads or it does not). A simulated failure
 * (env var) is checked on every call so tests can switch it on and off. Options bypass the cache.
 */
export function loadLanceDb(opts?: NativeLoaderOptions): NativeLoadResult<LanceDb> {
  if (opts) return loadNative<LanceDb>('lancedb', opts);
  if (simulated(process.env, 'lancedb')) return loadNative<LanceDb>('lancedb');
  lanceCache ??= loadNative<LanceDb>('lancedb');
  return lanceCache;
}

/** onnxruntime-node through the same guard (the model runtime may use this or its own loader). */
export function loadOnnxRuntime(opts?: NativeLoaderOptions): NativeLoadResult<unknown> {
  return loadNative<unknown>('onnxruntime', opts);
}

/** Thrown by code that needs LanceDB and cannot go on without it; carries the user message. */
export class NativeUnavailableError extends Error {
  constructor(readonly info: NativeLoadError) {
    super(info.userMessage);
    this.name = 'NativeUnavailableError';
  }
}

/** LanceDB, or NativeUnavailableError with the user message (what every store opener needs). */
export function requireLanceDb(): LanceDb {
  const loaded = loadLanceDb();
  if (!loaded.ok) throw new NativeUnavailableError(loaded.error);
  return loaded.module;
}
