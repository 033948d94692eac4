import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { readSafetensors, writeSafetensors } from '../../../models/checkpoint/safetensors';
import { readTorchCheckpoint } from '../../../models/checkpoint/torchZip';
import { CheckpointError, UnsafePickleError } from '../../../models/checkpoint/errors';
import { loadAdapter, loadBase } from '../../../models/checkpoint/load';
import type { HostTensor } from '../../../models/types';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';
import { PickleAsm, stateDictPickle, torchZip } from './checkpointFixtures';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckpt-test-'));
process.on('exit', () => fs.rmSync(tmp, { recursive: true, force: true }));

test('safetensors: write → read round-trips dtypes, shapes, values; header is 8-byte aligned', () => {
  const t = new Map<string, HostTensor>([
    ['b.weight', { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2.5, 3, 4e-8, 5, Math.PI]) }],
    ['a.ids', { dtype: 'int64', shape: [3], data: BigInt64Array.from([0n, 511n, -7n]) }],
  ]);
  const file = path.join(tmp, 'x.safetensors');
  writeSafetensors(file, t);
  const buf = fs.readFileSync(file);
  const hlen = Number(buf.readBigUInt64LE(0));
  assert.equal(hlen % 8, 0);
  const header = JSON.parse(buf.subarray(8, 8 + hlen).toString());
  assert.deepEqual(Object.keys(header), ['__metadata__', 'a.ids', 'b.weight']);
  assert.deepEqual(header['a.ids'].data_offsets, [0, 24]);
  const back = readSafetensors(file);
  assert.deepEqual(back.get('b.weight'), { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, -2.5, 3, 4e-8, 5, Math.PI]) });
  assert.deepEqual(back.get('a.ids')!.data, BigInt64Array.from([0n, 511n, -7n]));
});

test('safetensors: a truncated file is refused with the path and tensor name', () => {
  const file = path.join(tmp, 'trunc.safetensors');
  writeSafetensors(file, new Map([['w', { dtype: 'float32', shape: [100], data: new Float32Array(100) } as HostTensor]]));
  const full = fs.readFileSync(file);
  fs.writeFileSync(file, full.subarray(0, full.length - 10));
  assert.throws(() => readSafetensors(file), (e: Error) => e instanceof CheckpointError && e.message.includes(file) && e.message.includes('"w"'));
});

test('torch zip: reads a hand-made checkpoint, any prefix, non-contiguous strides and storage offsets', () => {
  const storage = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
  const pkl = stateDictPickle([
    // [2,3] view with stride (1,2) starting at offset 1: element (i,j) = storage[1 + i + 2j]
    { key: 'w.t', storage: '0', storageType: 'FloatStorage', numel: 8, offset: 1, size: [2, 3], stride: [1, 2] },
    { key: 'w.flat', storage: '0', storageType: 'FloatStorage', numel: 8, offset: 4, size: [4], stride: [1] },
    { key: 'ids', storage: '1', storageType: 'LongStorage', numel: 2, offset: 0, size: [1, 2], stride: [2, 1] },
  ]);
  const file = path.join(tmp, 'hand.bin');
  fs.writeFileSync(file, torchZip('weird_prefix', pkl, {
    0: new Uint8Array(storage.buffer), 1: new Uint8Array(BigInt64Array.from([5n, 9n]).buffer),
  }));
  const t = readTorchCheckpoint(file);
  assert.deepEqual([...t.keys()], ['w.t', 'w.flat', 'ids']);
  assert.deepEqual(t.get('w.t'), { dtype: 'float32', shape: [2, 3], data: Float32Array.from([1, 3, 5, 2, 4, 6]) });
  assert.deepEqual(t.get('w.flat')!.data, Float32Array.from([4, 5, 6, 7]));
  assert.deepEqual(t.get('ids'), { dtype: 'int64', shape: [1, 2], data: BigInt64Array.from([5n, 9n]) });
});

for (const [label, pickle] of [
  ['GLOBAL posix.system + REDUCE', (cmd: string) => new PickleAsm().proto(2).global('posix', 'system').str(cmd).op(0x85).reduce().bytes()],
  ['STACK_GLOBAL os.system + REDUCE', (cmd: string) => new PickleAsm().proto(4).str('os').str('system').op(0x93).str(cmd).op(0x85).reduce().bytes()],
  ['builtins.eval hidden inside a state dict', (cmd: string) => new PickleAsm().proto(2).global('collections', 'OrderedDict').ch(')').reduce()
    .str('w').global('builtins', 'eval').str(`__import__('os').system(${JSON.stringify(cmd)})`).op(0x85).reduce().ch('s').bytes()],
] as const) {
  test(`torch zip: a malicious pickle (${label}) is refused and nothing runs`, () => {
    const marker = path.join(tmp, `pwned-${label.replace(/\W+/g, '_')}`);
    const file = path.join(tmp, 'evil.bin');
    fs.writeFileSync(file, torchZip('archive', pickle(`touch ${marker}`)));
    assert.throws(() => readTorchCheckpoint(file), (e: Error) => {
      assert.ok(e instanceof UnsafePickleError, `expected UnsafePickleError, got ${e.name}: ${e.message}`);
      assert.match(e.message, /(posix\.system|os\.system|builtins\.eval)/);
      assert.ok(e.message.includes(file));
      return true;
    });
    assert.equal(fs.existsSync(marker), false, 'the command must never run');
  });
}

test('torch zip: REDUCE on an allowed non-callable (a storage type) is refused too', () => {
  const file = path.join(tmp, 'evil2.bin');
  fs.writeFileSync(file, torchZip('archive', new PickleAsm().proto().global('torch', 'FloatStorage').ch(')').reduce().bytes()));
  assert.throws(() => readTorchCheckpoint(file), (e: Error) => e instanceof UnsafePickleError && e.message.includes('torch.FloatStorage'));
});

test('torch zip: truncated / corrupt files give a clear error naming the file', () => {
  const good = torchZip('archive', stateDictPickle([{ key: 'w', storage: '0', storageType: 'FloatStorage', numel: 4, offset: 0, size: [4], stride: [1] }]),
    { 0: new Uint8Array(16) });
  const truncated = path.join(tmp, 'truncated.bin');
  fs.writeFileSync(truncated, good.subarray(0, Math.floor(good.length / 2)));
  assert.throws(() => readTorchCheckpoint(truncated), (e: Error) => e instanceof CheckpointError && e.message.includes(truncated) && /truncated or corrupt/.test(e.message));
  const garbage = path.join(tmp, 'garbage.bin');
  fs.writeFileSync(garbage, 'this is not a zip at all');
  assert.throws(() => readTorchCheckpoint(garbage), (e: Error) => e instanceof CheckpointError && e.message.includes(garbage));
  // storage shorter than the tensor needs
  const shortStorage = path.join(tmp, 'short.bin');
  fs.writeFileSync(shortStorage, torchZip('archive', stateDictPickle([{ key: 'w', storage: '0', storageType: 'FloatStorage', numel: 4, offset: 0, size: [4], stride: [1] }]), { 0: new Uint8Array(8) }));
  assert.throws(() => readTorchCheckpoint(shortStorage), (e: Error) => e.message.includes('"w"') && e.message.includes(shortStorage));
  // a pickle cut in the middle
  const cutPickle = path.join(tmp, 'cutpickle.bin');
  fs.writeFileSync(cutPickle, torchZip('archive', stateDictPickle([{ key: 'w', storage: '0', storageType: 'FloatStorage', numel: 4, offset: 0, size: [4], stride: [1] }]).subarray(0, 30), { 0: new Uint8Array(16) }));
  assert.throws(() => readTorchCheckpoint(cutPickle), (e: Error) => e instanceof CheckpointError && e.message.includes(cutPickle));
});

test('fixture: model.safetensors and pytorch_model.bin give identical weights (all 40 tensors, bit-exact)',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny', 'base') }, () => {
    const st = readSafetensors(path.join(TINY_MODEL, 'base', 'model.safetensors'));
    const pt = readTorchCheckpoint(path.join(TINY_MODEL, 'base', 'pytorch_model.bin'));
    assert.equal(st.size, 40);
    assert.deepEqual([...pt.keys()].sort(), [...st.keys()].sort());
    for (const [k, t] of pt) assert.deepEqual(t, st.get(k), k);
    assert.deepEqual(pt.get('embeddings.position_ids')!.data, BigInt64Array.from({ length: 512 }, (_, i) => BigInt(i)));
    // and through loadBase with each file explicitly
    const a = loadBase(path.join(TINY_MODEL, 'base'));
    const b = loadBase(path.join(TINY_MODEL, 'base'), { weightFile: path.join(TINY_MODEL, 'base', 'pytorch_model.bin') });
    assert.ok(a.weightFile.endsWith('model.safetensors'));
    assert.equal(a.tensors.size, 5 + 16 * 2);
    for (const [k, t] of a.tensors) assert.deepEqual(t, b.tensors.get(k), k);
  });

test('fixture: adapters load with the name taken from adapter_config.json',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny', 'adapters') }, () => {
    const base = loadBase(path.join(TINY_MODEL, 'base'));
    const names: Record<string, string> = {};
    for (const a of ['proximity', 'adhoc_query', 'classification', 'regression']) {
      const ad = loadAdapter(path.join(TINY_MODEL, 'adapters', a), base.config);
      names[a] = ad.config.name;
      assert.equal(ad.layers.length, 2);
      assert.deepEqual(ad.layers[1]!.downW.shape, [4, 64]);
      assert.deepEqual(ad.layers[1]!.upW.shape, [64, 4]);
    }
    assert.deepEqual(names, { proximity: '[PRX]', adhoc_query: '[QRY]', classification: '[CLF]', regression: '[RGN]' });
  });

test('loadBase / loadAdapter: a missing or mis-shaped tensor names the key and the file', () => {
  const dir = path.join(tmp, 'badbase');
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({
    model_type: 'bert', hidden_act: 'gelu', vocab_size: 10, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 2,
    intermediate_size: 8, max_position_embeddings: 6, type_vocab_size: 2, layer_norm_eps: 1e-12,
  }));
  const f = (shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) });
  const t = new Map<string, HostTensor>([['bert.embeddings.word_embeddings.weight', f([10, 4])], ['bert.embeddings.position_embeddings.weight', f([6, 4])]]);
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  assert.throws(() => loadBase(dir), (e: Error) => e.message.includes('"embeddings.token_type_embeddings.weight"') && e.message.includes('model.safetensors'));
  t.set('bert.embeddings.word_embeddings.weight', f([11, 4]));
  writeSafetensors(path.join(dir, 'model.safetensors'), t);
  assert.throws(() => loadBase(dir), /"embeddings\.word_embeddings\.weight" has shape \[11, 4\], expected \[10, 4\]/);
  fs.rmSync(path.join(dir, 'model.safetensors'));
  assert.throws(() => loadBase(dir), /no weight file found \(looked for model\.safetensors, pytorch_model\.bin\)/);
});

test('random checkpoint: torch-zip and safetensors layouts load to the same weights (writer ↔ reader)', async () => {
  const { writeRandomCheckpoint } = await import('../../../models/checkpoint/randomCheckpoint');
  const opts = { vocabSize: 30, hiddenSize: 8, numLayers: 2, numHeads: 2, intermediateSize: 16, maxPositions: 10, reductionFactor: 4, adapters: ['regression'] as const, seed: 9 };
  const a = writeRandomCheckpoint(path.join(tmp, 'rand-st'), opts);
  const b = writeRandomCheckpoint(path.join(tmp, 'rand-pt'), { ...opts, weightsFormat: 'torch' });
  assert.ok(fs.existsSync(path.join(b.base, 'pytorch_model.bin')) && !fs.existsSync(path.join(b.base, 'model.safetensors')));
  assert.ok(fs.existsSync(path.join(b.adapters.regression!, 'pytorch_adapter.bin')));
  const ba = loadBase(a.base), bb = loadBase(b.base);
  for (const [k, t] of ba.tensors) assert.deepEqual(t, bb.tensors.get(k), k);
  const aa = loadAdapter(a.adapters.regression!, ba.config), ab = loadAdapter(b.adapters.regression!, bb.config);
  assert.equal(aa.config.name, '[RGN]');
  assert.deepEqual(aa.layers, ab.layers);
  assert.deepEqual(aa.layers[0]!.downW.shape, [2, 8]);
});

test('torch zip: a deflated record claiming a huge size (zip bomb) is refused before inflating', async () => {
  const { zipSync } = await import('fflate');
  const zip = Buffer.from(zipSync({ 'archive/data.pkl': new Uint8Array(10), 'archive/data/0': new Uint8Array(4096) }, { level: 9 }));
  // patch the central-directory "uncompressed size" of data/0 to 3 GB
  const cd = zip.lastIndexOf(Buffer.from('archive/data/0')) - 46;
  assert.equal(zip.readUInt32LE(cd), 0x02014b50);
  zip.writeUInt32LE(3_000_000_000, cd + 24);
  const file = path.join(tmp, 'bomb.bin');
  fs.writeFileSync(file, zip);
  assert.throws(() => readTorchCheckpoint(file), (e: Error) => e instanceof CheckpointError && /suspicious zip record/.test(e.message) && e.message.includes(file));
});
