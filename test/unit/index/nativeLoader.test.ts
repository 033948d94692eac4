import { test } from 'node:test';
import assert from 'node:assert/strict';
import { avx2FromCpuinfo, loadLanceDb, loadNative, loadOnnxRuntime, NativeUnavailableError } from '../../../extension/core/index/nativeLoader';
import { IndexStore } from '../../../extension/core/index/store';
import { tempDir } from './fixtures';

test('AVX2 is read from the flags line of /proc/cpuinfo', () => {
  assert.equal(avx2FromCpuinfo('processor: 0\nflags\t\t: fpu sse4_2 avx avx2 fma\n'), true);
  assert.equal(avx2FromCpuinfo('processor: 0\nflags\t\t: fpu sse4_2 avx\n'), false);
  assert.equal(avx2FromCpuinfo('processor: 0\nFeatures: neon\n'), undefined);
});

test('a CPU without AVX2 gets a typed error and the module is never required', () => {
  let required = 0;
  const res = loadNative('lancedb', { cpu: { avx2: false, source: 'test' }, requireFn: () => { required++; return {}; }, env: {} });
  assert.equal(required, 0);
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.equal(res.error.reason, 'cpu');
  assert.equal(res.error.module, 'lancedb');
  assert.match(res.error.userMessage, /^LanceDB's native module could not be loaded on this CPU \(no AVX2\); related-paper search/);
});

test('unknown CPU capability → try; a throwing require becomes a load error, not a crash', () => {
  const res = loadNative('onnxruntime', {
    cpu: { avx2: undefined, source: 'test' },
    env: {},
    requireFn: () => { throw new Error('libonnxruntime.so.1: cannot open shared object file\n    at stack'); },
  });
  assert.equal(res.ok, false);
  if (res.ok) return;
  assert.equal(res.error.reason, 'load');
  assert.match(res.error.userMessage, /ONNX Runtime's native module could not be loaded \(libonnxruntime\.so\.1: cannot open shared object file\); related-paper search falls back to lexical/);
  assert.ok(!res.error.userMessage.includes('at stack'), 'no stack trace in the user message');
});

test('the real modules load on this machine', () => {
  const l = loadLanceDb();
  assert.equal(l.ok, true);
  if (l.ok) assert.equal(typeof l.module.connect, 'function');
  assert.equal(loadOnnxRuntime().ok, true);
});

test('RELATED_PAPERS_SIMULATE_NATIVE_FAILURE makes the store refuse cleanly, and the caller recovers', async () => {
  const dir = tempDir();
  process.env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE = 'lancedb:cpu';
  try {
    await assert.rejects(IndexStore.open({ dir, workspace: '/ws', space: null }), (e: unknown) => {
      assert.ok(e instanceof NativeUnavailableError);
      assert.equal(e.info.reason, 'cpu');
      assert.match(e.message, /no AVX2/);
      return true;
    });
    const sim = loadNative('onnxruntime', { env: { RELATED_PAPERS_SIMULATE_NATIVE_FAILURE: 'lancedb,onnxruntime' } });
    assert.equal(sim.ok, false);
  } finally {
    delete process.env.RELATED_PAPERS_SIMULATE_NATIVE_FAILURE;
  }
  const store = await IndexStore.open({ dir, workspace: '/ws', space: null });
  assert.equal(await store.count(), 0);
  store.close();
});
