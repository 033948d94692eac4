import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAdapterConfig, parseBertConfig, readAdapterConfig, readBertConfig } from '../../../models/checkpoint/config';
import { UnsupportedConfigError } from '../../../models/checkpoint/errors';
import { skipUnlessShared, TINY_MODEL } from '../../helpers/shared';

/** The 30 `config` values of the real SPECTER2 adapters (SeqBnConfig defaults), as in the hub files. */
const SEQBN = {
  adapter_residual_before_ln: false, cross_adapter: false, factorized_phm_W: true, factorized_phm_rule: false,
  hypercomplex_nonlinearity: 'glorot-uniform', init_weights: 'bert', inv_adapter: null, inv_adapter_reduction_factor: null,
  is_parallel: false, learn_phm: true, leave_out: [], ln_after: false, ln_before: false, mh_adapter: false,
  non_linearity: 'relu', original_ln_after: true, original_ln_before: true, output_adapter: true, phm_bias: true,
  phm_c_init: 'normal', phm_dim: 4, phm_init_range: 0.0001, phm_layer: false, phm_rank: 1, reduction_factor: 16,
  residual_before_ln: true, scaling: 1.0, shared_W_phm: false, shared_phm_rule: true, use_gating: false,
};
const file = (config: Record<string, unknown>, name = '[XYZ]') =>
  ({ config, hidden_size: 768, model_class: 'BertAdapterModel', model_name: 'm', model_type: 'bert', name, version: '3.2.0' });

test('adapter config: the SeqBn/pfeiffer values are accepted; the name and bottleneck come from the file', () => {
  const c = parseAdapterConfig(file(SEQBN, '[ANY name]'), 'x.json');
  assert.deepEqual(c, { name: '[ANY name]', reductionFactor: 16, bottleneck: 48, hiddenSize: 768 });
});

test('adapter config: the adapters 1.x superset (dropout, init_weights_seed, stochastic_depth) is accepted', () => {
  const c = parseAdapterConfig(file({ ...SEQBN, dropout: 0.0, init_weights_seed: null, stochastic_depth: 0.0, architecture: 'bottleneck' }), 'x.json');
  assert.equal(c.bottleneck, 48);
});

for (const [flag, value] of [
  ['non_linearity', 'gelu'], ['mh_adapter', true], ['use_gating', true], ['output_adapter', false],
  ['original_ln_before', false], ['original_ln_after', false], ['residual_before_ln', false], ['residual_before_ln', 'post_add'],
  ['ln_before', true], ['ln_after', true], ['adapter_residual_before_ln', true], ['is_parallel', true],
  ['scaling', 2.0], ['scaling', 'learned'], ['phm_layer', true], ['inv_adapter', 'nice'], ['leave_out', [0, 1]],
  ['reduction_factor', { '1': 16 }], ['cross_adapter', true], ['some_future_flag', 'on'],
] as const) {
  test(`adapter config: ${flag} = ${JSON.stringify(value)} is refused naming the flag and value`, () => {
    assert.throws(() => parseAdapterConfig(file({ ...SEQBN, [flag]: value }), 'adapters/x/adapter_config.json'), (e: Error) => {
      assert.ok(e instanceof UnsupportedConfigError, e.message);
      assert.ok(e.message.includes(flag), e.message);
      assert.ok(e.message.includes(JSON.stringify(value)), e.message);
      assert.ok(e.message.includes('adapters/x/adapter_config.json'), e.message);
      return true;
    });
  });
}

test('adapter config: a missing required flag is refused (never assumed)', () => {
  const { use_gating: _, ...rest } = SEQBN;
  assert.throws(() => parseAdapterConfig(file(rest), 'a.json'), /missing "use_gating"/);
  assert.throws(() => parseAdapterConfig({ config: SEQBN }, 'a.json'), /missing the adapter "name"/);
});

test('bert config: hidden_act other than exact "gelu" and non-absolute positions are refused', () => {
  const base = {
    model_type: 'bert', hidden_act: 'gelu', vocab_size: 31090, hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12,
    intermediate_size: 3072, max_position_embeddings: 512, type_vocab_size: 2, layer_norm_eps: 1e-12,
  };
  assert.equal(parseBertConfig(base, 'c.json').numHeads, 12);
  assert.throws(() => parseBertConfig({ ...base, hidden_act: 'gelu_new' }, 'c.json'), /hidden_act = "gelu_new"/);
  assert.throws(() => parseBertConfig({ ...base, position_embedding_type: 'relative_key' }, 'c.json'), /position_embedding_type/);
  assert.throws(() => parseBertConfig({ ...base, num_attention_heads: 7 }, 'c.json'), /not divisible/);
  assert.throws(() => parseBertConfig({ ...base, hidden_size: '768' }, 'c.json'), /"hidden_size" must be a positive integer/);
});

test('fixture configs parse (base config.json with its "adapters" block; all four adapter configs)',
  { skip: skipUnlessShared('fixtures', 'specter2-tiny') }, () => {
    const b = readBertConfig(path.join(TINY_MODEL, 'base', 'config.json'));
    assert.deepEqual(b, { vocabSize: 31090, hiddenSize: 64, numLayers: 2, numHeads: 4, intermediateSize: 128, maxPositions: 512, typeVocabSize: 2, layerNormEps: 1e-12 });
    const names = fs.readdirSync(path.join(TINY_MODEL, 'adapters')).sort()
      .map((a) => readAdapterConfig(path.join(TINY_MODEL, 'adapters', a, 'adapter_config.json')));
    assert.deepEqual(names.map((n) => [n.name, n.bottleneck]), [['[QRY]', 4], ['[CLF]', 4], ['[PRX]', 4], ['[RGN]', 4]]);
  });
