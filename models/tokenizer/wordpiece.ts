/**
 * BERT "uncased" tokenizer (BasicTokenizer + WordPiece) reproducing, id for id, what
 * `transformers.BertTokenizerFast` / `BertTokenizer` produce for SPECTER2 (scivocab-uncased).
 *
 * Why hand-written instead of `@huggingface/tokenizers` / transformers.js: those lower-case whole
 * words with JavaScript's `String.prototype.toLowerCase`, which applies the Unicode Final_Sigma rule
 * (`ΣΟΦΟΣ` → `σοφος`), whereas the reference (Rust `tokenizers`, `char::to_lowercase`) lower-cases
 * code point by code point (`σοφοσ`). That changes token ids (`##ς` 30478 vs `##σ` 30190), and ids
 * decide the embedding. The rest of the algorithm is small, so we own it and test it against the
 * golden ids of the reference implementation (test/unit/models/tokenizer.test.ts).
 *
 * Pipeline for one input string (numbers refer to the fixture README's rules):
 *  7. split on literal special tokens (`[SEP]`, `[CLS]`, …; case-sensitive) before anything else;
 *  1. drop U+0000, U+FFFD and every Cc/Cf/Co char except \t \n \r (which act as whitespace);
 *  3. lower-case per code point;  4. NFD + drop category Mn;
 *  2/5. split into words on whitespace, each CJK ideograph and each punctuation char
 *     (Unicode P* plus ASCII non-alphanumeric printables) being its own word;
 *  6. WordPiece (greedy longest match, `##` continuation, >100 code points or no match → [UNK]);
 *  8. `[CLS] … [SEP]`, content truncated to `maxLength - 2`.
 *
 * Speed: everything is done with a handful of compiled, whole-string regexes (no per-char regex
 * calls), ASCII-only strings skip NFD, and WordPiece results are memoised per word (paper
 * vocabularies are Zipfian, so the cache hit rate on a bibliography is high).
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';

/** Settings of the BERT pre-processing (names follow `tokenizer_config.json`). */
export interface WordPieceOptions {
  /** `do_lower_case` (default true). */
  lowercase?: boolean;
  /** `strip_accents`; null/undefined = follow `lowercase` (HF semantics). */
  stripAccents?: boolean | null;
  /** `tokenize_chinese_chars` (default true). */
  tokenizeChineseChars?: boolean;
  unkToken?: string;
  clsToken?: string;
  sepToken?: string;
  padToken?: string;
  maskToken?: string;
  /** `max_input_chars_per_word` of WordPiece (default 100, counted in code points). */
  maxInputCharsPerWord?: number;
  /** Used in error messages (e.g. the vocab file path). */
  source?: string;
}

export interface Encoding {
  /** `[CLS] …content… [SEP]`, at most `maxLength` ids. */
  ids: number[];
  /** Length the encoding would have had without truncation (incl. [CLS]/[SEP]). */
  untruncatedLength: number;
}

/** The exact text SPECTER2 embeds for a paper: `title + "[SEP]" + (abstract ?? "")`, no spaces added. */
export function paperText(title: string, abstract?: string | null): string {
  return title + '[SEP]' + (abstract ?? '');
}

export class TokenizerConfigError extends Error {
  override name = 'TokenizerConfigError';
}

// ---------------------------------------------------------------------------------------------
// Character classes (compiled once).

/**
 * Rule 1: chars removed before anything else: U+FFFD and categories Cc, Cf, Co (U+0000 is Cc),
 * except \t \n \r. Unassigned code points (Cn) are KEPT: the reference fast tokenizer's
 * `is_control` is `unicode_categories::is_other()` = Cc|Cf|Co only (the slow Python tokenizer would
 * drop Cn too; the two only disagree on unassigned code points). Lone surrogates (Cs) cannot reach
 * the Rust reference at all; we drop them like the U+FFFD a decoder would have produced.
 */
const CLEAN_RE = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/gu;
const HAS_CLEANABLE_RE = /(?![\t\n\r])[\p{Cc}\p{Cf}\p{Co}\p{Cs}\uFFFD]/u;
/** Anything outside printable ASCII and \t\n\r needs the Unicode steps (NFD, Mn removal). */
const NON_ASCII_RE = /[^\x00-\x7F]/;
const MN_RE = /\p{Mn}/gu;

/** Rule 5: Unicode punctuation plus every ASCII non-alphanumeric printable (BERT's `_is_punctuation`). */
const PUNCT = String.raw`\p{P}\x21-\x2F\x3A-\x40\x5B-\x60\x7B-\x7E`;
/**
 * Rule 2: the CJK ideograph ranges of the reference's `is_chinese_char` (not kana / hangul), by code
 * point (astral ones included). The Rust reference reads `0x2B920..=0x2CEAF` where Google's BERT has
 * `0x2B820`: U+2B820–U+2B91F are not split by the fast tokenizer, so they are not split here either.
 */
const CJK = String.raw`\u4E00-\u9FFF\u3400-\u4DBF\uF900-\uFAFF\u{20000}-\u{2A6DF}\u{2A700}-\u{2B73F}\u{2B740}-\u{2B81F}\u{2B920}-\u{2CEAF}\u{2F800}-\u{2FA1F}`;
/**
 * One regex does the whole pre-tokenisation: a punctuation char, a CJK char, or a run of anything
 * else that is not whitespace. After cleaning, JavaScript's `\s` is exactly BERT's whitespace set
 * (Zs + \t\n\r + U+2028/2029; the other `\s` members \v \f U+FEFF were removed as controls).
 */
const WORDS_CJK_RE = new RegExp(`[${PUNCT}]|[${CJK}]|[^\\s${PUNCT}${CJK}]+`, 'gu');
const WORDS_RE = new RegExp(`[${PUNCT}]|[^\\s${PUNCT}]+`, 'gu');

const CAPITAL_SIGMA_RE = /\u03A3/g;

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Number of code points of a JS string (surrogate pairs count once). */
function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xdc00 && c <= 0xdfff && i > 0) {
      const p = s.charCodeAt(i - 1);
      if (p >= 0xd800 && p <= 0xdbff) n--;
    }
  }
  return n;
}

const WORD_CACHE_LIMIT = 200_000;

/** Collects `[CLS]` + content ids up to `room`, counting every content id. */
interface Sink {
  ids: number[];
  room: number;
  count: number;
}
function emit(sink: Sink, id: number): void {
  if (sink.count < sink.room) sink.ids.push(id);
  sink.count++;
}

export class WordPieceTokenizer {
  readonly vocabSize: number;
  readonly clsId: number;
  readonly sepId: number;
  readonly padId: number;
  readonly unkId: number;
  readonly maskId: number;

  private readonly vocab: Map<string, number>;
  /** Continuation pieces keyed WITHOUT the `##` prefix (saves a string concat per lookup). */
  private readonly cont: Map<string, number>;
  private readonly maxPieceLen: number;
  private readonly lowercase: boolean;
  private readonly stripAccents: boolean;
  private readonly wordsRe: RegExp;
  private readonly specialRe: RegExp | null;
  private readonly specialIds: Map<string, number>;
  private readonly maxCharsPerWord: number;
  private readonly cache = new Map<string, number[]>();

  private constructor(lines: string[], opts: WordPieceOptions) {
    const src = opts.source ?? 'vocab';
    this.vocab = new Map();
    this.cont = new Map();
    let maxLen = 1;
    for (let id = 0; id < lines.length; id++) {
      // Like HF's load_vocab: later duplicates win; the empty line (id 30106 in scivocab) is kept.
      const tok = lines[id];
      this.vocab.set(tok, id);
      if (tok.startsWith('##')) this.cont.set(tok.slice(2), id);
      if (tok.length > maxLen) maxLen = tok.length;
    }
    this.vocabSize = lines.length;
    this.maxPieceLen = maxLen;

    const need = (tok: string, role: string): number => {
      const id = this.vocab.get(tok);
      if (id === undefined) throw new TokenizerConfigError(`${src}: ${role} token ${JSON.stringify(tok)} is not in the vocabulary`);
      return id;
    };
    const unk = opts.unkToken ?? '[UNK]';
    const cls = opts.clsToken ?? '[CLS]';
    const sep = opts.sepToken ?? '[SEP]';
    const pad = opts.padToken ?? '[PAD]';
    const mask = opts.maskToken ?? '[MASK]';
    this.unkId = need(unk, 'unk');
    this.clsId = need(cls, 'cls');
    this.sepId = need(sep, 'sep');
    this.padId = need(pad, 'pad');
    this.maskId = need(mask, 'mask');

    this.lowercase = opts.lowercase ?? true;
    this.stripAccents = opts.stripAccents ?? this.lowercase;
    this.wordsRe = (opts.tokenizeChineseChars ?? true) ? WORDS_CJK_RE : WORDS_RE;
    this.maxCharsPerWord = opts.maxInputCharsPerWord ?? 100;

    // Rule 7: the five special tokens are matched literally in the raw text, longest first.
    this.specialIds = new Map([pad, unk, cls, sep, mask].map((t) => [t, this.vocab.get(t)!]));
    const alts = [...this.specialIds.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    this.specialRe = alts.length ? new RegExp(alts.join('|'), 'g') : null;
  }

  /** Build from the text of a `vocab.txt` (one token per `\n`-terminated line; id = 0-based line). */
  static fromVocab(vocabText: string, opts: WordPieceOptions = {}): WordPieceTokenizer {
    const lines = vocabText.split('\n');
    // The file ends with "\n", which yields one trailing "" that is not a token.
    if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines.length === 0) throw new TokenizerConfigError(`${opts.source ?? 'vocab'}: vocabulary is empty`);
    return new WordPieceTokenizer(lines, opts);
  }

  /**
   * Load `vocab.txt` plus (when present) `tokenizer_config.json` and `special_tokens_map.json` from a
   * model's base folder. Settings this implementation does not reproduce are refused, never ignored.
   */
  static async fromDir(baseDir: string): Promise<WordPieceTokenizer> {
    const vocabPath = path.join(baseDir, 'vocab.txt');
    let vocabText: string;
    try {
      vocabText = await fs.readFile(vocabPath, 'utf8');
    } catch (e) {
      throw new TokenizerConfigError(`cannot read ${vocabPath}: ${(e as Error).message}`);
    }
    const opts: WordPieceOptions = { source: vocabPath };
    const cfg = await readJsonIfPresent(path.join(baseDir, 'tokenizer_config.json'));
    const map = await readJsonIfPresent(path.join(baseDir, 'special_tokens_map.json'));
    if (cfg) Object.assign(opts, optionsFromConfig(cfg.value, cfg.file));
    if (map) Object.assign(opts, specialTokensFrom(map.value, map.file));
    return WordPieceTokenizer.fromVocab(vocabText, opts);
  }

  /**
   * Token ids for one text: `[CLS]`, the content truncated to `maxLength - 2` ids, `[SEP]`
   * (= HF `truncation=True, max_length=maxLength`, right truncation).
   */
  encode(text: string, maxLength = 512): Encoding {
    if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`maxLength must be an integer ≥ 2, got ${maxLength}`);
    // Ids past the truncation point are only counted, not stored: a hostile 10 MB "abstract" costs
    // time proportional to its length but no memory beyond maxLength ids.
    const sink: Sink = { ids: [this.clsId], room: maxLength - 2, count: 0 };
    const re = this.specialRe;
    if (re === null) {
      this.tokenizeSegment(text, sink);
    } else {
      re.lastIndex = 0;
      let last = 0;
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m.index > last) this.tokenizeSegment(text.slice(last, m.index), sink);
        emit(sink, this.specialIds.get(m[0])!);
        last = m.index + m[0].length;
      }
      if (last < text.length) this.tokenizeSegment(last === 0 ? text : text.slice(last), sink);
    }
    sink.ids.push(this.sepId);
    return { ids: sink.ids, untruncatedLength: sink.count + 2 };
  }

  /** WordPiece strings for debugging (`##` continuation prefix kept). */
  idsToTokens(ids: readonly number[]): string[] {
    if (!this.inverse) {
      this.inverse = new Array<string>(this.vocabSize);
      for (const [tok, id] of this.vocab) this.inverse[id] = tok;
    }
    const inv = this.inverse;
    return ids.map((id) => inv[id] ?? `<${id}?>`);
  }
  private inverse: string[] | null = null;

  /** Rules 1–6 on a piece of text that contains no literal special token. */
  private tokenizeSegment(s: string, out: Sink): void {
    if (HAS_CLEANABLE_RE.test(s)) s = s.replace(CLEAN_RE, '');
    if (this.lowercase) {
      // Per-code-point lower-casing: a capital sigma is mapped to σ first so toLowerCase() has no
      // Final_Sigma context left to apply; every other mapping of toLowerCase() is context-free
      // (UnicodeData + unconditional SpecialCasing, e.g. İ → i + U+0307), as in the reference.
      if (s.includes('\u03A3')) s = s.replace(CAPITAL_SIGMA_RE, '\u03C3');
      s = s.toLowerCase();
    }
    if (this.stripAccents && NON_ASCII_RE.test(s)) s = s.normalize('NFD').replace(MN_RE, '');
    const re = this.wordsRe;
    re.lastIndex = 0;
    for (let m = re.exec(s); m !== null; m = re.exec(s)) this.wordPiece(m[0], out);
  }

  /** Rule 6 for one word, memoised. */
  private wordPiece(word: string, out: Sink): void {
    const cached = this.cache.get(word);
    if (cached !== undefined) {
      for (let i = 0; i < cached.length; i++) emit(out, cached[i]);
      return;
    }
    const ids = this.wordPieceUncached(word);
    // Over-long words are [UNK] at once; not caching them keeps hostile input from filling memory.
    if (word.length <= this.maxCharsPerWord) {
      if (this.cache.size >= WORD_CACHE_LIMIT) this.cache.clear();
      this.cache.set(word, ids);
    }
    for (let i = 0; i < ids.length; i++) emit(out, ids[i]);
  }

  private wordPieceUncached(word: string): number[] {
    const whole = this.vocab.get(word);
    if (whole !== undefined) return [whole];
    if (word.length > this.maxCharsPerWord && codePointLength(word) > this.maxCharsPerWord) return [this.unkId];
    const n = word.length;
    const pieces: number[] = [];
    let start = 0;
    while (start < n) {
      let end = Math.min(n, start + this.maxPieceLen);
      let id: number | undefined;
      const map = start === 0 ? this.vocab : this.cont;
      // Greedy longest match. Ends that split a surrogate pair yield lone surrogates, which are never
      // vocabulary entries, so iterating over UTF-16 units gives the same pieces as over code points.
      while (end > start) {
        id = map.get(word.slice(start, end));
        if (id !== undefined) break;
        end--;
      }
      if (id === undefined) return [this.unkId];
      pieces.push(id);
      start = end;
    }
    return pieces;
  }
}

// ---------------------------------------------------------------------------------------------
// Config files.

async function readJsonIfPresent(file: string): Promise<{ file: string; value: Record<string, unknown> } | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new TokenizerConfigError(`cannot read ${file}: ${(e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TokenizerConfigError(`${file}: invalid JSON (${(e as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new TokenizerConfigError(`${file}: expected a JSON object`);
  return { file, value: value as Record<string, unknown> };
}

/** A special token may be written as a string or as an AddedToken object `{content, …}`. */
function tokenString(v: unknown, file: string, key: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  throw new TokenizerConfigError(`${file}: "${key}" must be a string or {"content": string}`);
}

function specialTokensFrom(obj: Record<string, unknown>, file: string): WordPieceOptions {
  const o: WordPieceOptions = {};
  const set = (key: string, field: 'unkToken' | 'clsToken' | 'sepToken' | 'padToken' | 'maskToken') => {
    const t = tokenString(obj[key], file, key);
    if (t !== undefined) o[field] = t;
  };
  set('unk_token', 'unkToken');
  set('cls_token', 'clsToken');
  set('sep_token', 'sepToken');
  set('pad_token', 'padToken');
  set('mask_token', 'maskToken');
  return o;
}

function boolSetting(obj: Record<string, unknown>, key: string, file: string, allowNull = false): boolean | null | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (v === null && allowNull) return null;
  if (typeof v !== 'boolean') throw new TokenizerConfigError(`${file}: "${key}" must be ${allowNull ? 'true, false or null' : 'true or false'}, got ${JSON.stringify(v)}`);
  return v;
}

/** Read the BERT settings of `tokenizer_config.json`; refuse the ones this tokenizer cannot honour. */
export function optionsFromConfig(cfg: Record<string, unknown>, file = 'tokenizer_config.json'): WordPieceOptions {
  const cls = cfg.tokenizer_class;
  if (cls !== undefined && cls !== 'BertTokenizer' && cls !== 'BertTokenizerFast') {
    throw new TokenizerConfigError(`${file}: tokenizer_class ${JSON.stringify(cls)} is not supported (only BertTokenizer / BertTokenizerFast)`);
  }
  if (boolSetting(cfg, 'do_basic_tokenize', file) === false) {
    throw new TokenizerConfigError(`${file}: do_basic_tokenize=false is not supported`);
  }
  const neverSplit = cfg.never_split;
  if (neverSplit !== undefined && neverSplit !== null && !(Array.isArray(neverSplit) && neverSplit.length === 0)) {
    throw new TokenizerConfigError(`${file}: never_split is not supported (got ${JSON.stringify(neverSplit)})`);
  }
  const extra = cfg.additional_special_tokens;
  if (Array.isArray(extra) && extra.length > 0) {
    throw new TokenizerConfigError(`${file}: additional_special_tokens are not supported (got ${extra.length})`);
  }
  const o: WordPieceOptions = { ...specialTokensFrom(cfg, file) };
  // Newer files list the special tokens again under added_tokens_decoder; anything beyond the five
  // BERT specials would be an added token we do not match, so refuse rather than mis-tokenise.
  const added = cfg.added_tokens_decoder;
  if (added && typeof added === 'object') {
    const known = new Set([o.unkToken ?? '[UNK]', o.clsToken ?? '[CLS]', o.sepToken ?? '[SEP]', o.padToken ?? '[PAD]', o.maskToken ?? '[MASK]']);
    for (const [id, v] of Object.entries(added as Record<string, unknown>)) {
      const content = tokenString(v, file, `added_tokens_decoder.${id}`);
      if (content !== undefined && !known.has(content)) {
        throw new TokenizerConfigError(`${file}: added token ${JSON.stringify(content)} (id ${id}) is not supported`);
      }
    }
  }
  const lower = boolSetting(cfg, 'do_lower_case', file);
  if (lower !== undefined && lower !== null) o.lowercase = lower;
  const strip = boolSetting(cfg, 'strip_accents', file, true);
  if (strip !== undefined) o.stripAccents = strip;
  const cjk = boolSetting(cfg, 'tokenize_chinese_chars', file);
  if (cjk !== undefined && cjk !== null) o.tokenizeChineseChars = cjk;
  return o;
}
