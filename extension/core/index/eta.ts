/**
 * Time left in an embedding run, from the WORK done and left, not the entry count: an entry's cost
 * grows with its token count (a title-only entry is ~15 tokens, a long abstract 512), so "40 % of the
 * entries" can be 20 % of the time. Pure (no I/O, the clock is a parameter): the indexing progress
 * notification shows `formatEta(estimator.remainingMs(now))`.
 *
 * Cost model of one entry of `tokens` tokens (BERT-base encoder, CPU): dense layers cost the same per
 * token, self-attention grows with the sequence, so cost ∝ tokens × (1 + tokens / ATTENTION_SCALE)
 * with ATTENTION_SCALE = 2·hidden + ffn = 2·768 + 3072 (the ratio of attention to dense FLOPs per token,
 * see bench/embed.ts encoderFlops). Plus a fixed per-entry overhead (tokenising, padding, the commit)
 * worth PER_ENTRY_TOKENS tokens. The rate (cost units per ms) is measured on the run itself.
 */

export const ATTENTION_SCALE = 2 * 768 + 3072;
export const PER_ENTRY_TOKENS = 4;

/** Work units of one entry with this many tokens. */
export function entryCost(tokens: number): number {
  const t = Math.max(1, tokens);
  return t * (1 + t / ATTENTION_SCALE) + PER_ENTRY_TOKENS;
}

/**
 * When token counts are not at hand (the host has not tokenised yet): SciBERT's WordPiece gives
 * about one token per 4.5 characters of English scientific prose, plus [CLS]/[SEP]; capped at 512.
 */
export function approxTokens(text: string): number {
  return Math.min(512, 2 + Math.ceil(text.length / 4.5));
}

export interface EtaOptions {
  /**
   * Work done before the estimate is trusted (fraction of the total; default 0.02): the first batch
   * includes warm-up allocations and says little about the rate.
   */
  minFraction?: number;
}

export class EtaEstimator {
  private readonly total: number;
  private done = 0;
  private doneEntries = 0;
  private startedAt: number | undefined;
  private readonly minFraction: number;

  /** `tokens`: the token count of every entry the run will embed. */
  constructor(tokens: readonly number[], opts: EtaOptions = {}) {
    this.total = tokens.reduce((a, t) => a + entryCost(t), 0);
    this.minFraction = opts.minFraction ?? 0.02;
  }

  start(now: number): void {
    this.startedAt = now;
  }

  /** A batch finished: the token counts of its entries. */
  batchDone(tokens: readonly number[], now: number): void {
    this.startedAt ??= now;
    for (const t of tokens) this.done += entryCost(t);
    this.doneEntries += tokens.length;
  }

  /** Fraction of the work (not of the entries) done. */
  get fraction(): number {
    return this.total === 0 ? 1 : Math.min(1, this.done / this.total);
  }

  /** Estimated ms left, or undefined while too little has run to say. */
  remainingMs(now: number): number | undefined {
    if (this.startedAt === undefined || this.total === 0) return this.total === 0 ? 0 : undefined;
    const elapsed = now - this.startedAt;
    if (this.done < this.minFraction * this.total || elapsed <= 0) return undefined;
    const rate = this.done / elapsed;
    return Math.max(0, (this.total - this.done) / rate);
  }
}

/** "about 12 min left" / "about 40 s left" / "less than 10 s left"; "" when unknown. */
export function formatEta(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  const s = ms / 1000;
  if (s < 10) return 'less than 10 s left';
  if (s < 90) return `about ${Math.round(s / 5) * 5} s left`;
  const min = s / 60;
  if (min < 90) return `about ${Math.round(min)} min left`;
  return `about ${(min / 60).toFixed(1)} h left`;
}
