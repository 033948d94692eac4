/** The Semantic Scholar client against the local stand-in (test/helpers/s2Server.ts) over real HTTP. */
import { test, before, after, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import { S2Client, S2Error, s2IdFor, S2_BATCH_MAX } from '../../../extension/core/remote/semanticScholar';
import { addPaper, standInVector, startS2StandIn, type S2StandIn } from '../../helpers/s2Server';
import { closedPort } from '../../helpers/s3Server';

let s2: S2StandIn;
before(async () => { s2 = await startS2StandIn(); });
after(async () => { await s2.close(); });
beforeEach(() => { s2.clearFailures(); s2.requests.length = 0; s2.mode = 'normal'; s2.delayMs = 0; s2.papers.clear(); });

const fast = (extra: ConstructorParameters<typeof S2Client>[0] = {}) => new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 0, backoffMs: 5, ...extra });

test('s2IdFor: DOI preferred, arXiv version dropped, nothing for entries without ids', () => {
  assert.equal(s2IdFor({ doi: '10.1145/3292500.3330701', arxiv_id: '1810.04805' }), 'DOI:10.1145/3292500.3330701');
  assert.equal(s2IdFor({ doi: null, arxiv_id: '1810.04805v3' }), 'ARXIV:1810.04805');
  assert.equal(s2IdFor({ doi: 'not a doi', arxiv_id: null }), undefined);
  assert.equal(s2IdFor({ doi: null, arxiv_id: null }), undefined);
});

test('batch: vectors for known ids, null → missing, only identifiers in the request body, ≤ 500 ids per call', async () => {
  const ids: string[] = [];
  for (let i = 0; i < 1100; i++) {
    const doi = `10.1000/paper.${i}`;
    if (i % 10 !== 3) addPaper(s2, { doi, title: `Paper ${i}` });
    ids.push(`DOI:${doi}`);
  }
  const c = fast();
  const r = await c.batchVectors(ids);
  assert.equal(r.requests, 3);
  assert.equal(s2.requests.length, 3);
  for (const req of s2.requests) {
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/graph/v1/paper/batch?fields=embedding.specter_v2');
    assert.deepEqual(Object.keys(req.body as object), ['ids']);
    const sent = (req.body as { ids: string[] }).ids;
    assert.ok(sent.length <= S2_BATCH_MAX);
    assert.ok(sent.every((id) => /^DOI:10\.1000\/paper\.\d+$/.test(id)), 'nothing but identifiers');
    assert.equal(req.headers['x-api-key'], undefined);
  }
  assert.equal(r.vectors.size, 990);
  assert.equal(r.missing.length, 110);
  assert.ok(r.missing.includes('DOI:10.1000/paper.3'));
  const v = r.vectors.get('DOI:10.1000/paper.0')!;
  assert.equal(v.length, 768);
  assert.deepEqual([...v], standInVector('DOI:10.1000/paper.0'));
});

test('the API key travels in x-api-key', async () => {
  addPaper(s2, { doi: '10.1/a', title: 'A' });
  await fast({ apiKey: 'secret-key' }).batchVectors(['DOI:10.1/a']);
  assert.equal(s2.requests[0].headers['x-api-key'], 'secret-key');
});

test('wrong model, wrong dimension and non-numbers are refused, not stored; a paper without embedding is missing', async () => {
  addPaper(s2, { doi: '10.1/ok', title: 'ok' });
  addPaper(s2, { doi: '10.1/model', title: 'm', model: 'specter_v1' });
  addPaper(s2, { doi: '10.1/dim', title: 'd', vector: standInVector('x', 512) });
  addPaper(s2, { doi: '10.1/nan', title: 'n', vector: [...standInVector('y').slice(0, 767), Number.NaN] });
  addPaper(s2, { doi: '10.1/none', title: 'none', vector: null });
  const r = await fast().batchVectors(['DOI:10.1/ok', 'DOI:10.1/model', 'DOI:10.1/dim', 'DOI:10.1/nan', 'DOI:10.1/none']);
  assert.deepEqual([...r.vectors.keys()], ['DOI:10.1/ok']);
  assert.deepEqual(r.missing, ['DOI:10.1/none']);
  assert.deepEqual(r.refused.map((x) => x.id), ['DOI:10.1/model', 'DOI:10.1/dim', 'DOI:10.1/nan']);
  assert.match(r.refused[0].reason, /model is "specter_v1", not specter_v2/);
  assert.match(r.refused[1].reason, /512 dimensions, not 768/);
  assert.match(r.refused[2].reason, /component 767 is not a finite number/);
});

test('malformed answers are one clear error each (not an array, wrong length, truncated JSON, HTML, wrong types)', async () => {
  addPaper(s2, { doi: '10.1/a', title: 'A' });
  addPaper(s2, { doi: '10.1/b', title: 'B' });
  const ids = ['DOI:10.1/a', 'DOI:10.1/b'];
  for (const [mode, re] of [['not-an-array', /not an array of 2/], ['wrong-length', /not an array of 2/], ['truncated-json', /not valid JSON/], ['html', /not valid JSON/]] as const) {
    s2.mode = mode;
    await assert.rejects(fast().batchVectors(ids), (e: unknown) => e instanceof S2Error && e.kind === 'bad-response' && re.test(e.message), mode);
  }
  s2.mode = 'wrong-types';
  const r = await fast().batchVectors(ids);
  assert.equal(r.vectors.size, 0);
  assert.equal(r.refused.length, 2);
});

test('429 with Retry-After is waited out and retried; 5xx retried with back-off; persistent failure is an error', async () => {
  addPaper(s2, { doi: '10.1/a', title: 'A' });
  const slept: number[] = [];
  const sleep = async (ms: number) => { slept.push(ms); };
  s2.failNext(429, 1, '2');
  s2.failNext(503, 2);
  const c = fast({ sleep, backoffMs: 100 });
  const r = await c.batchVectors(['DOI:10.1/a']);
  assert.equal(r.vectors.size, 1);
  assert.equal(s2.requests.length, 4);
  assert.equal(slept[0], 2000, 'Retry-After: 2 → 2 s');
  // Back-off doubles with each attempt (the 429 was attempt 0): ≈200 ms, then ≈400 ms (±25 % jitter).
  assert.ok(slept[1] >= 150 && slept[1] <= 250, `back-off after attempt 1 ≈200 ms, was ${slept[1]}`);
  assert.ok(slept[2] >= 300 && slept[2] <= 500, `back-off after attempt 2 ≈400 ms, was ${slept[2]}`);

  s2.failNext(500, 3);
  await assert.rejects(fast({ sleep, maxRetries: 2 }).batchVectors(['DOI:10.1/a']), /HTTP 500 after 3 attempts/);
  s2.failNext(429, 2, '1');
  await assert.rejects(fast({ sleep, maxRetries: 1 }).batchVectors(['DOI:10.1/a']), /rate limit reached \(HTTP 429\); an API key raises the limit/);
  s2.failNext(429, 1, '3600');
  await assert.rejects(fast({ sleep }).batchVectors(['DOI:10.1/a']), (e: unknown) => e instanceof S2Error && e.kind === 'rate-limited');
});

test('requests keep the minimum interval (rate limit) between them', async () => {
  addPaper(s2, { doi: '10.1/a', title: 'A' });
  const c = new S2Client({ baseUrl: s2.baseUrl, minIntervalMs: 150 });
  await Promise.all([c.batchVectors(['DOI:10.1/a']), c.batchVectors(['DOI:10.1/a']), c.batchVectors(['DOI:10.1/a'])]);
  const at = s2.requests.map((r) => r.at);
  assert.equal(at.length, 3);
  for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 140, `gap ${at[i] - at[i - 1]} ms`);
  assert.equal(new S2Client({}).constructor.name, 'S2Client');
});

test('timeouts and cancellation: a slow server times out; an AbortSignal cancels at once', async () => {
  addPaper(s2, { doi: '10.1/a', title: 'A' });
  s2.delayMs = 2000;
  const t0 = Date.now();
  await assert.rejects(fast({ timeoutMs: 200, maxRetries: 0 }).batchVectors(['DOI:10.1/a']), /unreachable .*no answer within 0 s|no answer within/);
  assert.ok(Date.now() - t0 < 1500);
  const ctl = new AbortController();
  const p = fast().batchVectors(['DOI:10.1/a'], { signal: ctl.signal });
  setTimeout(() => ctl.abort(), 100);
  const t1 = Date.now();
  await assert.rejects(p, (e: unknown) => e instanceof S2Error && e.kind === 'cancelled');
  assert.ok(Date.now() - t1 < 1500);
});

test('no network: unreachable endpoint says so in one line', async () => {
  const port = await closedPort();
  await assert.rejects(new S2Client({ baseUrl: `http://127.0.0.1:${port}`, minIntervalMs: 0, backoffMs: 1, maxRetries: 1 }).batchVectors(['DOI:10.1/a']),
    (e: unknown) => e instanceof S2Error && e.kind === 'unavailable' && /^Semantic Scholar is unreachable at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\)$/.test(e.message));
  assert.throws(() => new S2Client({ baseUrl: 'ftp://x' }), /must be an http\(s\) URL/);
});

test('recommendations: seeds sent as positive/negative ids, hostile fields validated', async () => {
  s2.recommended = [
    { paperId: 'p1', title: '<img src=x onerror=alert(1)> Graph attention', abstract: 'A'.repeat(50_000), year: 2018, venue: 'ICLR', authors: [{ name: 'Veličković, Petar' }, { name: 42 as unknown as string }], externalIds: { DOI: '10.1/gat', ArXiv: '1710.10903' }, url: 'javascript:alert(1)', bibtex: '@inproceedings{gat, title={Graph attention}}' },
    { paperId: 'p2', title: 'Dismissed', externalIds: {} },
    { paperId: '', title: 'no id' },
    { paperId: 'p3', title: 12 as unknown as string },
    { paperId: 'p4', title: 'Plain', bibtex: 'not bibtex', year: '2020' as unknown as number },
  ];
  const papers = await fast().recommendations(['DOI:10.1/seed'], ['p2'], { limit: 10 });
  const req = s2.requests[0];
  assert.match(req.url, /^\/recommendations\/v1\/papers\?fields=title,abstract,year,venue,authors,externalIds,url,citationStyles&limit=10$/);
  assert.deepEqual(req.body, { positivePaperIds: ['DOI:10.1/seed'], negativePaperIds: ['p2'] });
  assert.deepEqual(papers.map((p) => p.paperId), ['p1', 'p4']);
  const [gat, plain] = papers;
  assert.equal(gat.title, '<img src=x onerror=alert(1)> Graph attention', 'kept as text; rendering escapes it');
  assert.equal(gat.abstract!.length, 10_000);
  assert.deepEqual(gat.authors, ['Veličković, Petar']);
  assert.equal(gat.doi, '10.1/gat');
  assert.equal(gat.arxivId, '1710.10903');
  assert.equal(gat.url, null, 'only https URLs');
  assert.match(gat.bibtex!, /^@inproceedings\{gat/);
  assert.equal(plain.bibtex, null);
  assert.equal(plain.year, null);
});
