/**
 * WordPiece tokenizer vs the reference (transformers BertTokenizerFast on the real scivocab):
 * every golden case id for id, the padded batch, plus hand-written cases for rules the golden
 * file does not pin down (code-point word length, config handling, truncation length).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { WordPieceTokenizer, TokenizerConfigError, paperText, optionsFromConfig } from '../../../models/tokenizer/wordpiece';
import { padBatch } from '../../../models/runtime/batching';
import { TINY_MODEL, skipUnlessShared } from '../../helpers/shared';

interface GoldenCase {
  id: string;
  title: string;
  abstract: string | null;
  text: string;
  input_ids: number[];
  num_tokens: number;
  num_tokens_untruncated: number;
  truncated: boolean;
}
interface Golden {
  cases: GoldenCase[];
  batch_check: { ids: string[]; input_ids: number[][]; attention_mask: number[][] };
}

const skip = skipUnlessShared('fixtures', 'specter2-tiny', 'golden.json');
const golden = (): Golden => JSON.parse(fs.readFileSync(path.join(TINY_MODEL, 'golden.json'), 'utf8')) as Golden;
let shared: Promise<WordPieceTokenizer> | null = null;
const fixtureTokenizer = () => (shared ??= WordPieceTokenizer.fromDir(path.join(TINY_MODEL, 'base')));

test('golden: every case reproduces input_ids and untruncated length exactly', { skip }, async () => {
  const tok = await fixtureTokenizer();
  const g = golden();
  assert.equal(g.cases.length, 27);
  for (const c of g.cases) {
    assert.equal(paperText(c.title, c.abstract), c.text, `${c.id}: paperText`);
    const enc = tok.encode(c.text);
    assert.deepEqual(enc.ids, c.input_ids, `${c.id}: input_ids`);
    assert.equal(enc.ids.length, c.num_tokens, `${c.id}: num_tokens`);
    assert.equal(enc.untruncatedLength, c.num_tokens_untruncated, `${c.id}: untruncated length`);
    assert.equal(enc.untruncatedLength > 512, c.truncated, `${c.id}: truncated flag`);
  }
});

test('golden: the truncated case is really long and cut to 512', { skip }, async () => {
  const tok = await fixtureTokenizer();
  const c = golden().cases.find((x) => x.truncated)!;
  const enc = tok.encode(c.text);
  assert.equal(enc.ids.length, 512);
  assert.ok(enc.untruncatedLength > 1000);
  assert.equal(enc.ids[511], tok.sepId);
});

test('golden: padded batch rows (ids and mask, padding included)', { skip }, async () => {
  const tok = await fixtureTokenizer();
  const g = golden();
  const byId = new Map(g.cases.map((c) => [c.id, c]));
  const rows = g.batch_check.ids.map((id) => tok.encode(byId.get(id)!.text).ids);
  rows.forEach((r, i) => assert.deepEqual(r, g.batch_check.input_ids[i].slice(0, r.length), `row ${i} (${g.batch_check.ids[i]})`));
  const seq = Math.max(...rows.map((r) => r.length));
  assert.equal(seq, g.batch_check.input_ids[0].length);
  const b = padBatch(rows, seq, tok.padId);
  assert.deepEqual(Array.from(b.ids, Number), g.batch_check.input_ids.flat());
  assert.deepEqual(Array.from(b.mask, Number), g.batch_check.attention_mask.flat());
});

test('fixture vocab: the empty line at id 30106 is kept (later ids not shifted)', { skip }, async () => {
  const tok = await fixtureTokenizer();
  assert.equal(tok.vocabSize, 31090);
  const lines = fs.readFileSync(path.join(TINY_MODEL, 'base', 'vocab.txt'), 'utf8').split('\n');
  assert.equal(lines[30106], '');
  assert.deepEqual(tok.idsToTokens([30105, 30107, 31089]), [lines[30105], lines[30107], lines[31089]]);
  assert.deepEqual([tok.padId, tok.clsId, tok.sepId], [0, 102, 103]);
});

test('fixture vocab: per-code-point lower-casing of capital sigma and dotted capital I', { skip }, async () => {
  const tok = await fixtureTokenizer();
  // A word-final Σ must become σ (not the final form ς, which JS toLowerCase would produce).
  assert.deepEqual(tok.idsToTokens(tok.encode('ΣΟΦΟΣ').ids), ['[CLS]', 'σ', '##ο', '##φ', '##ο', '##σ', '[SEP]']);
  assert.notDeepEqual(tok.encode('ΣΟΦΟΣ').ids, tok.encode('σοφος').ids, 'the final form ς is a different token');
  // İ lower-cases to i + U+0307; accent stripping drops U+0307.
  assert.deepEqual(tok.encode('İon').ids, tok.encode('ion').ids);
});

// --- hand-written vocabulary: rules with exact expectations we can state by hand -------------
const SMALL = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]', 'un', '##aff', '##able', 'aff', '😀', '##😀', 'e', '##e', ',', 'x', '中', '文', '', 'after'];
const small = (opts = {}) => WordPieceTokenizer.fromVocab(SMALL.join('\n') + '\n', opts);
const toks = (t: WordPieceTokenizer, s: string, max?: number) => t.idsToTokens(t.encode(s, max).ids).slice(1, -1);

test('WordPiece greedy longest match with ## continuation; unmatched remainder → one [UNK]', () => {
  const t = small();
  assert.deepEqual(toks(t, 'unaffable'), ['un', '##aff', '##able']);
  assert.deepEqual(toks(t, 'UNAFFABLE'), ['un', '##aff', '##able']);
  assert.deepEqual(toks(t, 'unaffablez aff'), ['[UNK]', 'aff']);
  assert.equal(t.vocabSize, SMALL.length);
  assert.deepEqual(t.idsToTokens([18]), ['after'], 'empty line keeps its id, later ids unshifted');
});

test('word length limit counts code points, not UTF-16 units', () => {
  const t = small();
  // 100 astral emoji = 200 UTF-16 units but 100 code points: still tokenised.
  assert.deepEqual(toks(t, '😀'.repeat(100)), ['😀', ...Array(99).fill('##😀')]);
  assert.deepEqual(toks(t, '😀'.repeat(101)), ['[UNK]']);
  assert.deepEqual(toks(t, 'e'.repeat(100)).length, 100);
  assert.deepEqual(toks(t, 'e'.repeat(101)), ['[UNK]']);
  // Accents are stripped before counting: 100 × (e + combining acute) is 100 chars after rule 4.
  assert.deepEqual(toks(t, 'e\u0301'.repeat(100)).length, 100);
});

test('cleaning, whitespace, punctuation and CJK splitting', () => {
  const t = small();
  assert.deepEqual(toks(t, 'un\u200baff\u00adable\u0007\u{E000}'), ['un', '##aff', '##able'], 'Cf/Cc/Co chars removed, words joined');
  // Unassigned code points are kept (reference fast tokenizer: is_other() = Cc|Cf|Co), so the word is unknown.
  assert.deepEqual(toks(t, 'x\u0378x x'), ['[UNK]', 'x']);
  assert.deepEqual(toks(t, 'x\u00a0x\u2028x\u3000x\r\nx'), ['x', 'x', 'x', 'x', 'x'], 'unicode whitespace separates');
  assert.deepEqual(toks(t, 'x,x'), ['x', ',', 'x']);
  assert.deepEqual(toks(t, 'x$x'), ['x', '[UNK]', 'x'], 'ASCII symbol $ is punctuation');
  assert.deepEqual(toks(t, 'x≤x'), ['[UNK]'], 'math symbol ≤ is not punctuation');
  assert.deepEqual(toks(t, 'x中文x'), ['x', '中', '文', 'x']);
  assert.deepEqual(toks(small({ tokenizeChineseChars: false }), 'x中文x'), ['[UNK]']);
  // Astral ideographs are split by code point; U+2B820–2B91F are not (the reference's range starts at 2B920).
  assert.deepEqual(toks(t, 'x\u{20000}x\u{2F800}x'), ['x', '[UNK]', 'x', '[UNK]', 'x']);
  assert.deepEqual(toks(t, 'x\u{2B920}x'), ['x', '[UNK]', 'x']);
  assert.deepEqual(toks(t, 'x\u{2B820}x'), ['[UNK]']);
});

test('literal special tokens are matched first and case-sensitively', () => {
  const t = small();
  assert.deepEqual(toks(t, 'x[SEP]x[MASK][PAD]'), ['x', '[SEP]', 'x', '[MASK]', '[PAD]']);
  assert.deepEqual(toks(t, '[sep]'), ['[UNK]', '[UNK]', '[UNK]']);
  // A special token hidden by a removable char is NOT special (split happens on the raw text).
  assert.deepEqual(toks(t, '[SE\u200bP]'), ['[UNK]', '[UNK]', '[UNK]']);
});

test('truncation keeps [CLS] … [SEP] within maxLength and reports the full length', () => {
  const t = small();
  const e = t.encode('x '.repeat(20), 8);
  assert.equal(e.ids.length, 8);
  assert.equal(e.untruncatedLength, 22);
  assert.deepEqual([e.ids[0], e.ids[7]], [t.clsId, t.sepId]);
  assert.throws(() => t.encode('x', 1), RangeError);
  // Hostile size: 1M tokens are counted exactly, only maxLength ids are kept.
  const huge = t.encode('x, '.repeat(500_000));
  assert.equal(huge.ids.length, 512);
  assert.equal(huge.untruncatedLength, 1_000_002);
  assert.equal(huge.ids[511], t.sepId);
  assert.deepEqual(t.encode('').ids, [t.clsId, t.sepId]);
});

test('settings: cased and no-strip variants behave like HF; unsupported settings are refused', () => {
  const cased = small({ lowercase: false });
  assert.deepEqual(toks(cased, 'UN x'), ['[UNK]', 'x']);
  assert.deepEqual(toks(cased, 'é'), ['[UNK]'], 'strip_accents follows do_lower_case');
  const noStrip = small({ stripAccents: false });
  assert.deepEqual(toks(noStrip, 'É'), ['[UNK]']);
  assert.deepEqual(toks(small(), 'É'), ['e']);
  assert.throws(() => optionsFromConfig({ tokenizer_class: 'RobertaTokenizer' }), /tokenizer_class/);
  assert.throws(() => optionsFromConfig({ do_basic_tokenize: false }), /do_basic_tokenize/);
  assert.throws(() => optionsFromConfig({ never_split: ['foo'] }), /never_split/);
  assert.throws(() => optionsFromConfig({ do_lower_case: 'yes' }), /do_lower_case/);
  assert.throws(() => optionsFromConfig({ additional_special_tokens: ['[X]'] }), /additional_special_tokens/);
  assert.throws(() => optionsFromConfig({ added_tokens_decoder: { '31090': { content: '<new>', special: false } } }), /added token "<new>"/);
  assert.doesNotThrow(() => optionsFromConfig({ added_tokens_decoder: { '0': { content: '[PAD]', special: true }, '103': { content: '[SEP]', special: true } } }));
  assert.deepEqual(optionsFromConfig({ do_lower_case: true, strip_accents: null, tokenize_chinese_chars: true, sep_token: '[SEP]' }), {
    sepToken: '[SEP]', lowercase: true, stripAccents: null, tokenizeChineseChars: true,
  });
  assert.throws(() => WordPieceTokenizer.fromVocab('a\nb\n'), (e: unknown) => e instanceof TokenizerConfigError && /\[UNK\]/.test(e.message));
});

test('fromDir: missing vocab or bad config gives a message naming the file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tok-'));
  try {
    await assert.rejects(WordPieceTokenizer.fromDir(dir), /vocab\.txt/);
    fs.writeFileSync(path.join(dir, 'vocab.txt'), SMALL.join('\n') + '\n');
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"do_lower_case": false,');
    await assert.rejects(WordPieceTokenizer.fromDir(dir), /tokenizer_config\.json: invalid JSON/);
    fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), '{"do_lower_case": false}');
    const t = await WordPieceTokenizer.fromDir(dir);
    assert.deepEqual(toks(t, 'UN un'), ['[UNK]', 'un']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
