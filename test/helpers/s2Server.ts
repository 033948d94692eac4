/**
 * A local stand-in for the Semantic Scholar API on 127.0.0.1, following its public documentation:
 *   POST /graph/v1/paper/batch?fields=…        body {"ids": [...]} (≤ 500) → array aligned with ids,
 *        null for unknown ids; `embedding.specter_v2` → {"embedding": {"model": "specter_v2", "vector": [768]}}
 *   POST /recommendations/v1/papers?fields=…&limit=N   body {"positivePaperIds", "negativePaperIds"}
 *        → {"recommendedPapers": [...]}
 *   errors as S2 sends them: 400 {"error": …}, 429 with Retry-After, 5xx.
 * Test controls: queued failures, a delay per request, hostile payload modes; every request is
 * recorded (path, headers, body) so tests can check exactly what left the "machine".
 */
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';

export interface StandInPaper {
  paperId: string;
  title: string;
  abstract?: string | null;
  year?: number | null;
  venue?: string | null;
  authors?: { authorId?: string; name: string }[];
  externalIds?: Record<string, string>;
  url?: string;
  /** Omit for a paper S2 knows but has no embedding for. */
  vector?: number[] | null;
  /** Overrides the embedding model name (a hostile/changed API). */
  model?: string;
  bibtex?: string;
}

export interface RecordedRequest { method: string; url: string; headers: http.IncomingHttpHeaders; body: unknown; at: number }

export type Mode = 'normal' | 'not-an-array' | 'wrong-length' | 'truncated-json' | 'html' | 'wrong-types';

export interface S2StandIn {
  baseUrl: string;
  requests: RecordedRequest[];
  /** id ("DOI:…", "ARXIV:…", or paperId) → paper. */
  papers: Map<string, StandInPaper>;
  /** The next N requests answer this status (429 with `retryAfter` seconds, or 5xx). */
  failNext(status: number, times?: number, retryAfter?: string): void;
  /** Drops queued failures (between tests). */
  clearFailures(): void;
  delayMs: number;
  mode: Mode;
  /** Recommendations returned for any seeds (in this order). */
  recommended: StandInPaper[];
  close(): Promise<void>;
}

/** The deterministic 768-d unit vector the stand-in serves for an id (tests compare stored vectors to it). */
export function standInVector(id: string, dim = 768): number[] {
  const out: number[] = [];
  let block = Buffer.alloc(0);
  for (let i = 0; out.length < dim; i++) {
    if (i % 8 === 0) block = createHash('sha256').update(`${id}#${i / 8}`).digest();
    out.push(block.readInt32LE((i % 8) * 4) / 2 ** 31);
  }
  const norm = Math.hypot(...out);
  return out.map((x) => Math.fround(x / norm));
}

export async function startS2StandIn(): Promise<S2StandIn> {
  const requests: RecordedRequest[] = [];
  const failures: { status: number; retryAfter?: string }[] = [];
  const state: Pick<S2StandIn, 'delayMs' | 'mode' | 'recommended'> = { delayMs: 0, mode: 'normal', recommended: [] };
  const papers = new Map<string, StandInPaper>();

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body: unknown = null;
      try { body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null; } catch { body = '<invalid json>'; }
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body, at: Date.now() });
      const answer = () => handle(req, res, body);
      if (state.delayMs > 0) setTimeout(answer, state.delayMs);
      else answer();
    });
  });

  function send(res: http.ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    if (res.destroyed) return;
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof payload === 'string' ? payload : JSON.stringify(payload));
  }

  function paperJson(p: StandInPaper, fields: string[]): Record<string, unknown> {
    const o: Record<string, unknown> = { paperId: p.paperId };
    for (const f of fields) {
      if (f === 'embedding.specter_v2' || f === 'embedding') {
        o.embedding = p.vector === undefined || p.vector === null ? null : { model: p.model ?? 'specter_v2', vector: p.vector };
      } else if (f === 'citationStyles') {
        o.citationStyles = p.bibtex ? { bibtex: p.bibtex } : null;
      } else if (f in p) {
        o[f] = (p as unknown as Record<string, unknown>)[f];
      } else {
        o[f] = null;
      }
    }
    return o;
  }

  function handle(req: http.IncomingMessage, res: http.ServerResponse, body: unknown) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    const failure = failures.shift();
    if (failure) {
      return send(res, failure.status, { message: failure.status === 429 ? 'Too Many Requests' : 'Internal Server Error' },
        failure.retryAfter !== undefined ? { 'retry-after': failure.retryAfter } : {});
    }
    if (req.method !== 'POST') return send(res, 405, { error: 'Method not allowed' });
    if (url.pathname === '/graph/v1/paper/batch') {
      const ids = (body as { ids?: unknown } | null)?.ids;
      if (!Array.isArray(ids) || ids.some((x) => typeof x !== 'string')) return send(res, 400, { error: 'Body must be {"ids": [string]}' });
      if (ids.length > 500) return send(res, 400, { error: 'Cannot process more than 500 ids' });
      const answer = ids.map((id: string) => { const p = papers.get(id); return p ? paperJson(p, fields) : null; });
      switch (state.mode) {
        case 'not-an-array': return send(res, 200, { data: answer });
        case 'wrong-length': return send(res, 200, answer.slice(1));
        case 'truncated-json': return send(res, 200, JSON.stringify(answer).slice(0, 50));
        case 'html': return send(res, 200, '<html><body>Service temporarily unavailable</body></html>', { 'content-type': 'text/html' });
        case 'wrong-types': return send(res, 200, answer.map((a) => (a ? { ...a, embedding: { model: 'specter_v2', vector: 'not numbers' } } : 42)));
        default: return send(res, 200, answer);
      }
    }
    if (url.pathname === '/recommendations/v1/papers') {
      const b = body as { positivePaperIds?: unknown; negativePaperIds?: unknown } | null;
      if (!Array.isArray(b?.positivePaperIds) || b.positivePaperIds.length === 0) return send(res, 400, { error: 'positivePaperIds is required' });
      const limit = Math.min(500, Number(url.searchParams.get('limit') ?? 100));
      const negative = new Set(Array.isArray(b.negativePaperIds) ? b.negativePaperIds : []);
      const list = state.recommended.filter((p) => !negative.has(p.paperId)).slice(0, limit).map((p) => paperJson(p, fields));
      return send(res, 200, { recommendedPapers: list });
    }
    return send(res, 404, { error: `Not found: ${url.pathname}` });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const standIn: S2StandIn = {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    papers,
    failNext(status, times = 1, retryAfter) {
      for (let i = 0; i < times; i++) failures.push({ status, retryAfter });
    },
    clearFailures() { failures.length = 0; },
    get delayMs() { return state.delayMs; },
    set delayMs(v) { state.delayMs = v; },
    get mode() { return state.mode; },
    set mode(v) { state.mode = v; },
    get recommended() { return state.recommended; },
    set recommended(v) { state.recommended = v; },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  return standIn;
}

/** Adds a paper known by DOI (and optionally arXiv id) with its deterministic vector. */
export function addPaper(s: S2StandIn, p: { doi?: string; arxiv?: string; title: string; vector?: number[] | null; model?: string }): StandInPaper {
  const paperId = createHash('sha1').update(p.doi ?? p.arxiv ?? p.title).digest('hex');
  const id = p.doi ? `DOI:${p.doi}` : `ARXIV:${p.arxiv}`;
  const paper: StandInPaper = {
    paperId,
    title: p.title,
    externalIds: { ...(p.doi ? { DOI: p.doi } : {}), ...(p.arxiv ? { ArXiv: p.arxiv } : {}) },
    vector: p.vector === undefined ? standInVector(id) : p.vector,
    ...(p.model ? { model: p.model } : {}),
  };
  if (p.doi) s.papers.set(`DOI:${p.doi}`, paper);
  if (p.arxiv) s.papers.set(`ARXIV:${p.arxiv}`, paper);
  s.papers.set(paperId, paper);
  return paper;
}
