/**
 * Semantic Scholar API client: the Graph API batch endpoint for precomputed SPECTER2 vectors and
 * the Recommendations API. Only paper identifiers (`DOI:…`, `ARXIV:…`) are ever sent.
 *
 * - `POST {base}/graph/v1/paper/batch?fields=…` with `{"ids": [...]}`, at most 500 ids per call;
 *   the answer is an array aligned with the ids, `null` for ids S2 does not know.
 * - `POST {base}/recommendations/v1/papers?fields=…&limit=N` with `{positivePaperIds, negativePaperIds}`.
 * - Rate limits (published by S2): with an API key (`x-api-key`) 1 request per second across all
 *   endpoints; without one, requests share a global pool with every other unauthenticated client
 *   and get HTTP 429 under load. The client sends at most one request per `minIntervalMs` (default
 *   1 s with a key, 3 s without) and honours 429 Retry-After; 5xx and network errors are retried
 *   with exponential back-off. Every request has a timeout and follows the caller's AbortSignal.
 * - Responses are untrusted: validated field by field; a vector whose model is not `specter_v2` or
 *   whose dimension is not 768 is refused (counted, never stored).
 */

export const S2_DEFAULT_BASE = 'https://api.semanticscholar.org';
export const S2_BATCH_MAX = 500;
export const S2_MODEL = 'specter_v2';
export const S2_DIM = 768;
/** Vector space id of S2's vectors in our tables: never shared with a local model's vectors. */
export const S2_SPACE = { embedderId: `s2:${S2_MODEL}#proximity`, dim: S2_DIM } as const;

export interface S2ClientOptions {
  baseUrl?: string;
  apiKey?: string;
  fetch?: typeof fetch;
  /** Minimum time between two requests (ms). Default 1000 with an API key, 3000 without. */
  minIntervalMs?: number;
  /** Per-request timeout (ms). Default 30 000. */
  timeoutMs?: number;
  /** Retries of a 429 / 5xx / network failure. Default 4. */
  maxRetries?: number;
  /** First back-off (ms), doubled per retry. Default 1000. */
  backoffMs?: number;
  /** Longest Retry-After honoured (ms); longer → give up with a rate-limit error. Default 120 000. */
  maxRetryAfterMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export type S2ErrorKind = 'unavailable' | 'rate-limited' | 'bad-response' | 'http' | 'cancelled';

export class S2Error extends Error {
  constructor(message: string, readonly kind: S2ErrorKind, readonly status?: number) {
    super(message);
    this.name = 'S2Error';
  }
}

export interface BatchVectorsResult {
  /** id (as sent) → vector, for ids S2 knows and has a valid specter_v2 vector for. */
  vectors: Map<string, Float32Array>;
  /** Ids S2 answered null for, or without an embedding. */
  missing: string[];
  /** Ids whose vector was refused (wrong model, wrong dimension, non-numbers), with the reason. */
  refused: { id: string; reason: string }[];
  requests: number;
}

/** A paper from the Recommendations API, validated; every string is still hostile text to render inertly. */
export interface S2Paper {
  paperId: string;
  title: string;
  abstract: string | null;
  year: number | null;
  venue: string | null;
  authors: string[];
  doi: string | null;
  arxivId: string | null;
  url: string | null;
  /** `citationStyles.bibtex` when S2 sent it (validated: a string that starts with `@`). */
  bibtex: string | null;
}

const MAX_STRING = 10_000;
const MAX_AUTHORS = 100;

/** `DOI:…` for an entry with a DOI, else `ARXIV:…`, else undefined (nothing to ask S2 about). */
export function s2IdFor(e: { doi: string | null | undefined; arxiv_id: string | null | undefined }): string | undefined {
  if (e.doi && /^10\.\d{4,9}\/\S+$/.test(e.doi.trim())) return `DOI:${e.doi.trim()}`;
  if (e.arxiv_id && /^[\w.\-/]+$/.test(e.arxiv_id.trim())) return `ARXIV:${e.arxiv_id.trim().replace(/v\d+$/, '')}`;
  return undefined;
}

export class S2Client {
  private readonly base: string;
  private readonly fetchFn: typeof fetch;
  private readonly minInterval: number;
  private readonly timeoutMs: number;
  private readonly maxRetries: number;
  private readonly backoffMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Requests are serialised; this is when the next may start. */
  private nextAt = 0;
  private chain: Promise<unknown> = Promise.resolve();
  /** Requests sent (including retries): for tests, benchmarks and logs. */
  requestCount = 0;

  constructor(private readonly opts: S2ClientOptions = {}) {
    this.base = (opts.baseUrl || S2_DEFAULT_BASE).replace(/\/+$/, '');
    if (!/^https?:\/\//i.test(this.base)) throw new S2Error(`Semantic Scholar endpoint must be an http(s) URL, not "${this.base}"`, 'http');
    this.fetchFn = opts.fetch ?? fetch;
    this.minInterval = opts.minIntervalMs ?? (opts.apiKey ? 1000 : 3000);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.maxRetries = opts.maxRetries ?? 4;
    this.backoffMs = opts.backoffMs ?? 1000;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
    this.sleep = opts.sleep ?? abortableSleep;
  }

  /** SPECTER2 vectors for these S2 ids (`DOI:…`, `ARXIV:…`), in calls of ≤ 500 ids. */
  async batchVectors(ids: readonly string[], opts: { signal?: AbortSignal } = {}): Promise<BatchVectorsResult> {
    const unique = [...new Set(ids)];
    const out: BatchVectorsResult = { vectors: new Map(), missing: [], refused: [], requests: 0 };
    for (let i = 0; i < unique.length; i += S2_BATCH_MAX) {
      const part = unique.slice(i, i + S2_BATCH_MAX);
      const body = await this.post(`/graph/v1/paper/batch?fields=embedding.specter_v2`, { ids: part }, opts.signal);
      out.requests++;
      if (!Array.isArray(body) || body.length !== part.length) {
        throw new S2Error(`Semantic Scholar batch answer is not an array of ${part.length} entries`, 'bad-response');
      }
      body.forEach((item: unknown, j: number) => {
        const id = part[j];
        const v = validateEmbedding(item);
        if (v === null) out.missing.push(id);
        else if (typeof v === 'string') out.refused.push({ id, reason: v });
        else out.vectors.set(id, v);
      });
    }
    return out;
  }

  /** Recommendations from seed papers (ids as for batchVectors); validated papers, at most `limit`. */
  async recommendations(positive: readonly string[], negative: readonly string[], opts: { limit?: number; signal?: AbortSignal } = {}): Promise<S2Paper[]> {
    const limit = Math.max(1, Math.min(500, Math.floor(opts.limit ?? 20)));
    const fields = 'title,abstract,year,venue,authors,externalIds,url,citationStyles';
    const body = await this.post(`/recommendations/v1/papers?fields=${fields}&limit=${limit}`, {
      positivePaperIds: [...new Set(positive)].slice(0, 500),
      negativePaperIds: [...new Set(negative)].slice(0, 500),
    }, opts.signal);
    const list = (body as { recommendedPapers?: unknown } | null)?.recommendedPapers;
    if (!Array.isArray(list)) throw new S2Error('Semantic Scholar recommendations answer has no recommendedPapers list', 'bad-response');
    return list.map(validatePaper).filter((p): p is S2Paper => p !== null).slice(0, limit);
  }

  /** One POST through the rate limiter, with retries. Resolves to the parsed JSON body. */
  private post(pathAndQuery: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const run = this.chain.then(() => this.postNow(pathAndQuery, payload, signal));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async postNow(pathAndQuery: string, payload: unknown, signal?: AbortSignal): Promise<unknown> {
    const url = `${this.base}${pathAndQuery}`;
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (this.opts.apiKey) headers['x-api-key'] = this.opts.apiKey;
    for (let attempt = 0; ; attempt++) {
      checkAborted(signal);
      const wait = this.nextAt - Date.now();
      if (wait > 0) await this.sleep(wait, signal);
      this.nextAt = Date.now() + this.minInterval;
      this.requestCount++;
      let res: Response;
      const timeout = AbortSignal.timeout(this.timeoutMs);
      try {
        res = await this.fetchFn(url, { method: 'POST', headers, body: JSON.stringify(payload), signal: signal ? AbortSignal.any([signal, timeout]) : timeout });
      } catch (e) {
        if (signal?.aborted) throw new S2Error('Semantic Scholar request cancelled', 'cancelled');
        const why = timeout.aborted ? `no answer within ${Math.round(this.timeoutMs / 1000)} s` : networkReason(e);
        // A refused or timed-out connection is retried less than a 429: offline is the usual cause.
        if (attempt < Math.min(this.maxRetries, 2)) { await this.sleep(this.backoff(attempt), signal); continue; }
        throw new S2Error(`Semantic Scholar is unreachable at ${this.base} (${why})`, 'unavailable');
      }
      if (res.status === 429) {
        await res.body?.cancel().catch(() => undefined);
        const after = retryAfterMs(res.headers.get('retry-after')) ?? this.backoff(attempt);
        if (attempt < this.maxRetries && after <= this.maxRetryAfterMs) { await this.sleep(after, signal); continue; }
        throw new S2Error(`Semantic Scholar rate limit reached (HTTP 429)${this.opts.apiKey ? '' : '; an API key raises the limit'}`, 'rate-limited', 429);
      }
      if (res.status >= 500) {
        await res.body?.cancel().catch(() => undefined);
        if (attempt < this.maxRetries) { await this.sleep(this.backoff(attempt), signal); continue; }
        throw new S2Error(`Semantic Scholar answered HTTP ${res.status} after ${attempt + 1} attempts`, 'http', res.status);
      }
      if (!res.ok) {
        const text = (await res.text().catch(() => '')).slice(0, 200).replace(/\s+/g, ' ');
        const hint = res.status === 403 || res.status === 401 ? ' (check the API key)' : '';
        throw new S2Error(`Semantic Scholar answered HTTP ${res.status}${hint}${text ? `: ${inert(text)}` : ''}`, 'http', res.status);
      }
      try {
        return await res.json();
      } catch (e) {
        if (signal?.aborted) throw new S2Error('Semantic Scholar request cancelled', 'cancelled');
        throw new S2Error(`Semantic Scholar answer is not valid JSON (${(e as Error).message.split('\n')[0].slice(0, 100)})`, 'bad-response');
      }
    }
  }

  private backoff(attempt: number): number {
    // Exponential with ±25 % jitter, so that many clients backing off do not retry in lock-step.
    return Math.round(this.backoffMs * 2 ** attempt * (0.75 + Math.random() * 0.5));
  }
}

/** null = no vector; string = refused (why); Float32Array = a valid specter_v2 vector. */
function validateEmbedding(item: unknown): Float32Array | string | null {
  if (item === null || typeof item !== 'object') return null;
  const emb = (item as { embedding?: unknown }).embedding;
  if (emb === null || emb === undefined) return null;
  if (typeof emb !== 'object') return 'embedding is not an object';
  const { model, vector } = emb as { model?: unknown; vector?: unknown };
  if (model !== S2_MODEL) return `model is ${typeof model === 'string' ? JSON.stringify(model.slice(0, 40)) : typeof model}, not ${S2_MODEL}`;
  if (!Array.isArray(vector)) return 'vector is not an array';
  if (vector.length !== S2_DIM) return `vector has ${vector.length} dimensions, not ${S2_DIM}`;
  const out = new Float32Array(S2_DIM);
  for (let i = 0; i < S2_DIM; i++) {
    const x = vector[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) return `vector component ${i} is not a finite number`;
    out[i] = x;
  }
  return out;
}

function validatePaper(item: unknown): S2Paper | null {
  if (item === null || typeof item !== 'object') return null;
  const o = item as Record<string, unknown>;
  const paperId = str(o.paperId, 100);
  const title = str(o.title);
  if (!paperId || !title) return null;
  const ext = (o.externalIds && typeof o.externalIds === 'object' ? o.externalIds : {}) as Record<string, unknown>;
  const authors = Array.isArray(o.authors) ? o.authors.slice(0, MAX_AUTHORS).map((a) => str((a as { name?: unknown } | null)?.name, 300)).filter((a): a is string => !!a) : [];
  const year = typeof o.year === 'number' && Number.isInteger(o.year) && o.year > 0 && o.year < 3000 ? o.year : null;
  const bib = str((o.citationStyles as { bibtex?: unknown } | null | undefined)?.bibtex, 50_000);
  const url = str(o.url, 2000);
  return {
    paperId,
    title,
    abstract: str(o.abstract),
    year,
    venue: str(o.venue, 500),
    authors,
    doi: str(ext.DOI, 300),
    arxivId: str(ext.ArXiv, 100),
    url: url && /^https:\/\//i.test(url) ? url : null,
    bibtex: bib && /^\s*@\w+\s*[{(]/.test(bib) ? bib : null,
  };
}

/** A bounded, control-character-free string, or null. */
function str(v: unknown, max = MAX_STRING): string | null {
  if (typeof v !== 'string') return null;
  // eslint-disable-next-line no-control-regex
  const s = v.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').trim();
  return s ? s.slice(0, max) : null;
}

function inert(s: string): string {
  return s.replace(/[<>]/g, '');
}

function retryAfterMs(h: string | null): number | undefined {
  if (!h) return undefined;
  const secs = Number(h);
  if (Number.isFinite(secs) && secs >= 0) return secs * 1000;
  const date = Date.parse(h);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function networkReason(e: unknown): string {
  const c = (e as { cause?: { code?: string; message?: string } }).cause;
  return c?.code ?? c?.message ?? (e as Error).message ?? String(e);
}

function checkAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new S2Error('Semantic Scholar request cancelled', 'cancelled');
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new S2Error('Semantic Scholar request cancelled', 'cancelled'));
    const t = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
    const onAbort = () => { clearTimeout(t); reject(new S2Error('Semantic Scholar request cancelled', 'cancelled')); };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
