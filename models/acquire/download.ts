/**
 * Download the SPECTER2 files of a manifest from a Hugging Face hub endpoint into
 * `to/base/…` and `to/adapters/<name>/…`.
 *
 * Guarantees: nothing that was not completely received AND verified (size + sha256, or the git
 * blob id for small non-LFS files) is ever at a final path. Bytes go to `<final>.part`; a
 * `<final>.part.json` sidecar records what the partial belongs to, so a rerun resumes it with an
 * HTTP Range request only when it is the same file. The finished file is fsynced and renamed into
 * place (atomic on one filesystem).
 *
 * Protocol (as huggingface_hub does it): `HEAD <endpoint>/<repo>/resolve/<revision>/<path>` without
 * following redirects to read X-Repo-Commit, X-Linked-Etag (= sha256 of LFS files), X-Linked-Size
 * and ETag (= git blob sha1 of regular files); then `GET` the same URL, following redirects by
 * hand (LFS files redirect to a CDN). Built on Node's fetch: no extra dependency is needed.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { AdapterName, ModelDir } from '../types';
import { destinationFor, RECORD_FILE, type DownloadRecord, type DownloadRecordFile } from './layout';
import { DEFAULT_MANIFEST, selectEntries, type Manifest, type ManifestEntry } from './manifest';
import { resolveLocal } from './resolve';

export interface DownloadProgress {
  /** Destination-relative path, e.g. `base/pytorch_model.bin`. */
  file: string;
  bytes: number;
  total: number;
  overallBytes: number;
  overallTotal: number;
}

export interface RetryOptions {
  /** Attempts per request after the first (default 5). */
  retries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export interface DownloadOptions {
  to: string;
  manifest?: Manifest;
  adapters: AdapterName[];
  /** Default: `$HF_ENDPOINT` (like huggingface_hub), else https://huggingface.co. */
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?: (e: DownloadProgress) => void;
  /** Human-readable notes (retries, skipped files). */
  onLog?: (message: string) => void;
  fetchImpl?: typeof fetch;
  env?: NodeJS.ProcessEnv;
  retry?: RetryOptions;
}

export type DownloadErrorCode = 'not-found' | 'denied' | 'http' | 'checksum' | 'size' | 'pin-mismatch' | 'unverifiable' | 'network' | 'aborted' | 'busy' | 'bad-endpoint';

export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(message: string, readonly code: DownloadErrorCode, readonly retryable = false) {
    super(message);
  }
}

export const DEFAULT_ENDPOINT = 'https://huggingface.co';

export function resolveEndpoint(explicit: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = (explicit ?? env.HF_ENDPOINT ?? DEFAULT_ENDPOINT).trim().replace(/\/+$/, '');
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new DownloadError(`invalid hub endpoint ${JSON.stringify(raw)} (expected an http(s) URL)`, 'bad-endpoint');
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new DownloadError(`invalid hub endpoint ${raw}: only http(s) is supported`, 'bad-endpoint');
  return raw;
}

export function resolveUrl(endpoint: string, e: Pick<ManifestEntry, 'repo' | 'revision' | 'path'>): string {
  // huggingface_hub quotes the revision with no safe chars (refs/pr/1 → refs%2Fpr%2F1).
  return `${endpoint}/${e.repo}/resolve/${encodeURIComponent(e.revision)}/${e.path.split('/').map(encodeURIComponent).join('/')}`;
}

// ---------------------------------------------------------------------------------------------

interface Plan {
  entry: ManifestEntry;
  url: string;
  /** Destination-relative name for messages/progress. */
  label: string;
  final: string;
  size: number;
  sha256: string | null;
  /** Git blob sha1 (regular, non-LFS files) when no sha256 is known. */
  gitSha1: string | null;
  commit: string | null;
}

const MAX_REDIRECTS = 10;
const WRITE_BATCH = 1 << 20;
const HEX64 = /^[0-9a-f]{64}$/;
const HEX40 = /^[0-9a-f]{40}$/;

function normEtag(v: string | null): string | null {
  if (!v) return null;
  return v.replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
}

function isRedirect(status: number): boolean {
  return status === 301 || status === 302 || status === 303 || status === 307 || status === 308;
}

export async function downloadModel(opts: DownloadOptions): Promise<ModelDir> {
  const env = opts.env ?? process.env;
  const endpoint = resolveEndpoint(opts.endpoint, env);
  const fetchImpl = opts.fetchImpl ?? globalThis.fetch;
  const entries = selectEntries(opts.manifest ?? DEFAULT_MANIFEST, opts.adapters);
  const to = path.resolve(opts.to);
  const ctx: Ctx = {
    fetchImpl,
    signal: opts.signal,
    log: opts.onLog ?? (() => {}),
    retries: opts.retry?.retries ?? 5,
    baseDelayMs: opts.retry?.baseDelayMs ?? 500,
    maxDelayMs: opts.retry?.maxDelayMs ?? 15_000,
  };
  await fs.mkdir(to, { recursive: true });
  const unlock = await acquireLock(to);
  try {
    const plans: Plan[] = [];
    for (const entry of entries) plans.push(await withRetry(ctx, `HEAD ${entry.path}`, () => planEntry(ctx, endpoint, to, entry)));
    const overallTotal = plans.reduce((s, p) => s + p.size, 0);
    let overallDone = 0;
    const recordFiles: DownloadRecordFile[] = [];
    for (const plan of plans) {
      const base = overallDone;
      const report = (bytes: number) =>
        opts.onProgress?.({ file: plan.label, bytes, total: plan.size, overallBytes: base + bytes, overallTotal });
      const sha256 = await fetchFile(ctx, plan, report);
      overallDone += plan.size;
      recordFiles.push({ role: plan.entry.role, repo: plan.entry.repo, revision: plan.entry.revision, commit: plan.commit, path: plan.entry.path, size: plan.size, sha256 });
    }
    await writeRecord(to, endpoint, recordFiles);
  } finally {
    await unlock();
  }
  const resolved = await resolveLocal(to, opts.adapters);
  if (!resolved.ok) throw new DownloadError(`download finished but the folder is not usable: ${resolved.reason}`, 'size');
  return resolved.dir;
}

interface Ctx {
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
  log: (m: string) => void;
  retries: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

function checkAborted(ctx: Ctx): void {
  if (ctx.signal?.aborted) throw new DownloadError('download cancelled; partial files were kept and the next run resumes them', 'aborted');
}

/** Run `fn`, retrying network failures and 5xx/429 with exponential backoff. */
async function withRetry<T>(ctx: Ctx, what: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    checkAborted(ctx);
    try {
      return await fn();
    } catch (e) {
      const err = classify(ctx, e);
      if (!err.retryable || attempt >= ctx.retries) throw err;
      const delay = Math.min(ctx.maxDelayMs, ctx.baseDelayMs * 2 ** attempt) * (0.75 + Math.random() * 0.5);
      ctx.log(`${what}: ${err.message}; retrying in ${Math.round(delay)} ms (${attempt + 1}/${ctx.retries})`);
      await sleep(delay, ctx.signal);
    }
  }
}

function classify(ctx: Ctx, e: unknown): DownloadError {
  if (e instanceof DownloadError) return e;
  if (ctx.signal?.aborted) return new DownloadError('download cancelled; partial files were kept and the next run resumes them', 'aborted');
  // fetch() rejects with TypeError("fetch failed" / "terminated") for resets, refused connections,
  // DNS errors and bodies cut short; the useful part is in `cause`.
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const detail = cause?.code ?? cause?.message ?? (e as Error).message ?? String(e);
  return new DownloadError(`connection error (${detail})`, 'network', true);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function httpError(status: number, url: string, entry: ManifestEntry, res: Response): DownloadError {
  const hubMsg = res.headers.get('x-error-message');
  const extra = hubMsg ? ` — hub says: ${hubMsg}` : '';
  if (status === 404) return new DownloadError(`file ${entry.path} not found at ${url} (revision ${entry.revision})${extra}`, 'not-found');
  if (status === 401 || status === 403) return new DownloadError(`access denied to ${url} (HTTP ${status}); the repository may be gated or private${extra}`, 'denied');
  const retryable = status >= 500 || status === 429 || status === 408;
  return new DownloadError(`HTTP ${status} for ${url}${extra}`, 'http', retryable);
}

const BASE_HEADERS = { 'accept-encoding': 'identity', 'user-agent': 'related-papers (model download)' };

/** Metadata of one file: what the hub says its commit, size and hash are. */
async function planEntry(ctx: Ctx, endpoint: string, to: string, entry: ManifestEntry): Promise<Plan> {
  const url = resolveUrl(endpoint, entry);
  const origin = new URL(endpoint).origin;
  let current = url;
  let commit: string | null = null;
  let linkedEtag: string | null = null;
  let linkedSize: string | null = null;
  let hubEtag: string | null = null;
  let length: string | null = null;
  for (let hop = 0; ; hop++) {
    const res = await ctx.fetchImpl(current, { method: 'HEAD', redirect: 'manual', headers: BASE_HEADERS, signal: ctx.signal });
    commit ??= res.headers.get('x-repo-commit');
    linkedEtag ??= res.headers.get('x-linked-etag');
    linkedSize ??= res.headers.get('x-linked-size');
    if (new URL(current).origin === origin) hubEtag = res.headers.get('etag') ?? hubEtag;
    if (isRedirect(res.status)) {
      const loc = res.headers.get('location');
      if (!loc || hop >= MAX_REDIRECTS) throw new DownloadError(`too many or broken redirects for ${url}`, 'http');
      const next = new URL(loc, current);
      // Like huggingface_hub, metadata comes from the hub itself: an LFS redirect to the CDN already
      // carries X-Linked-Etag/X-Linked-Size, and presigned CDN URLs need not accept HEAD.
      if (next.origin !== origin && (linkedEtag !== null || linkedSize !== null)) break;
      current = next.toString();
      continue;
    }
    if (!res.ok) throw httpError(res.status, current, entry, res);
    length = res.headers.get('content-length');
    break;
  }
  const etag = normEtag(linkedEtag) ?? normEtag(hubEtag);
  const label = path.relative(to, destinationFor(to, entry.role, entry.path)).split(path.sep).join('/');
  const headerSize = linkedSize ?? length;
  const hubSize = headerSize !== null && /^\d+$/.test(headerSize) ? Number(headerSize) : null;
  if (entry.sha256 && etag && HEX64.test(etag) && etag !== entry.sha256) {
    throw new DownloadError(`${label}: the hub's file at ${url} has sha256 ${etag}, but the manifest pins ${entry.sha256} (revision ${entry.revision}); refusing to download a different file`, 'pin-mismatch');
  }
  if (entry.size !== null && hubSize !== null && hubSize !== entry.size) {
    throw new DownloadError(`${label}: the hub reports ${hubSize} bytes at ${url}, but the manifest pins ${entry.size} (revision ${entry.revision})`, 'pin-mismatch');
  }
  const size = entry.size ?? hubSize;
  if (size === null) throw new DownloadError(`${label}: size unknown (not in the manifest and the server at ${url} sent no X-Linked-Size/Content-Length)`, 'unverifiable');
  const sha256 = entry.sha256 ?? (etag && HEX64.test(etag) ? etag : null);
  const gitSha1 = sha256 === null && etag && HEX40.test(etag) ? etag : null;
  if (sha256 === null && gitSha1 === null) {
    throw new DownloadError(`${label}: cannot verify the download: the manifest has no sha256 and the server at ${url} sent no usable ETag`, 'unverifiable');
  }
  return { entry, url, label, final: destinationFor(to, entry.role, entry.path), size, sha256, gitSha1, commit: commit && HEX40.test(commit) ? commit : null };
}

interface Digests {
  sha256: string;
  gitSha1: string;
}

/** sha256 of the bytes and git's blob id (sha1 of "blob <size>\0" + bytes), in one pass. */
async function digestFile(file: string, size: number): Promise<Digests> {
  const a = createHash('sha256');
  const b = createHash('sha1').update(`blob ${size}\0`);
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
    a.update(chunk as Buffer);
    b.update(chunk as Buffer);
  }
  return { sha256: a.digest('hex'), gitSha1: b.digest('hex') };
}

function digestOk(plan: Plan, d: Digests): boolean {
  return plan.sha256 !== null ? d.sha256 === plan.sha256 : d.gitSha1 === plan.gitSha1;
}

async function statSize(p: string): Promise<number | null> {
  try {
    const st = await fs.stat(p);
    return st.isFile() ? st.size : null;
  } catch {
    return null;
  }
}

interface PartMeta {
  url: string;
  size: number;
  sha256: string | null;
  gitSha1: string | null;
}

/** Download (or resume, or skip) one file; returns its verified sha256. */
async function fetchFile(ctx: Ctx, plan: Plan, report: (bytes: number) => void): Promise<string> {
  const { final } = plan;
  const part = `${final}.part`;
  const metaFile = `${final}.part.json`;
  await fs.mkdir(path.dirname(final), { recursive: true });

  if ((await statSize(final)) === plan.size) {
    const d = await digestFile(final, plan.size);
    if (digestOk(plan, d)) {
      ctx.log(`${plan.label}: already present and verified`);
      report(plan.size);
      return d.sha256;
    }
    ctx.log(`${plan.label}: existing file does not match the expected hash; downloading it again`);
  }

  const meta: PartMeta = { url: plan.url, size: plan.size, sha256: plan.sha256, gitSha1: plan.gitSha1 };
  let partSize = await statSize(part);
  if (partSize !== null) {
    let same = false;
    try {
      same = JSON.stringify(JSON.parse(await fs.readFile(metaFile, 'utf8'))) === JSON.stringify(meta);
    } catch {
      same = false;
    }
    if (!same || partSize > plan.size) {
      await fs.rm(part, { force: true });
      partSize = null;
    }
  }
  if (partSize === null) {
    await fs.writeFile(part, '');
    await fs.writeFile(metaFile, JSON.stringify(meta));
  } else if (partSize > 0) {
    ctx.log(`${plan.label}: resuming at byte ${partSize} of ${plan.size}`);
  }

  await withRetry(ctx, plan.label, () => fetchInto(ctx, plan, part, report));

  const d = await digestFile(part, plan.size);
  if (!digestOk(plan, d)) {
    await fs.rm(part, { force: true });
    await fs.rm(metaFile, { force: true });
    const expected = plan.sha256 !== null ? `sha256 ${plan.sha256}` : `git blob id ${plan.gitSha1}`;
    const got = plan.sha256 !== null ? `sha256 ${d.sha256}` : `git blob id ${d.gitSha1}`;
    throw new DownloadError(`checksum mismatch for ${plan.label} from ${plan.url}: expected ${expected}, got ${got}; the partial download was deleted`, 'checksum');
  }
  await fs.rename(part, final);
  await fs.rm(metaFile, { force: true });
  report(plan.size);
  return d.sha256;
}

/** One GET attempt: append the missing range of the file to `part`. Throws retryable errors when cut short. */
async function fetchInto(ctx: Ctx, plan: Plan, part: string, report: (bytes: number) => void): Promise<void> {
  let start = (await statSize(part)) ?? 0;
  if (start === plan.size) return;
  let current = plan.url;
  let res: Response;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...BASE_HEADERS };
    if (start > 0) headers.range = `bytes=${start}-`;
    res = await ctx.fetchImpl(current, { method: 'GET', redirect: 'manual', headers, signal: ctx.signal });
    if (isRedirect(res.status)) {
      const loc = res.headers.get('location');
      await res.body?.cancel().catch(() => {});
      if (!loc || hop >= MAX_REDIRECTS) throw new DownloadError(`too many or broken redirects for ${plan.url}`, 'http');
      current = new URL(loc, current).toString();
      continue;
    }
    break;
  }
  if (res.status === 416 && start > 0) {
    // Our partial is not a prefix the server can continue: start over (next attempt).
    await res.body?.cancel().catch(() => {});
    await fs.truncate(part, 0);
    throw new DownloadError(`server refused to resume ${plan.label} at byte ${start}; restarting`, 'http', true);
  }
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw httpError(res.status, current, plan.entry, res);
  }
  if (start > 0 && res.status === 206) {
    const m = /^bytes (\d+)-\d+\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
    if (!m || Number(m[1]) !== start) {
      await res.body?.cancel().catch(() => {});
      await fs.truncate(part, 0);
      throw new DownloadError(`server answered the resume of ${plan.label} with an unexpected range (${res.headers.get('content-range')}); restarting`, 'http', true);
    }
  } else if (start > 0) {
    // 200: the server ignored Range and sends the whole file.
    await fs.truncate(part, 0);
    start = 0;
  }
  if (!res.body) throw new DownloadError(`empty response body for ${current}`, 'network', true);

  const fh = await fs.open(part, 'a');
  let written = start;
  // Network chunks are ~16–64 kB; writing them in ~1 MiB batches keeps syscalls and progress
  // callbacks few. Whatever arrived before a failure is still flushed (finally) for the resume.
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const buf = pending.length === 1 ? pending[0] : Buffer.concat(pending, pendingBytes);
    pending = [];
    await fh.write(buf);
    written += pendingBytes;
    pendingBytes = 0;
    report(written);
  };
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (written + pendingBytes + chunk.length > plan.size) {
        throw new DownloadError(`${plan.label}: the server sent more than the expected ${plan.size} bytes from ${current}`, 'size');
      }
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= WRITE_BATCH) await flush();
    }
  } finally {
    try {
      await flush();
      await fh.sync();
    } finally {
      await fh.close();
    }
  }
  if (written < plan.size) {
    throw new DownloadError(`connection ended early: got ${written} of ${plan.size} bytes of ${plan.label}`, 'network', true);
  }
}

async function writeRecord(to: string, endpoint: string, files: DownloadRecordFile[]): Promise<void> {
  const file = path.join(to, RECORD_FILE);
  let merged: DownloadRecordFile[] = files;
  try {
    const old = JSON.parse(await fs.readFile(file, 'utf8')) as DownloadRecord;
    if (Array.isArray(old.files)) {
      const key = (f: DownloadRecordFile) => `${f.role}\0${f.path}`;
      const fresh = new Set(files.map(key));
      merged = [...old.files.filter((f) => !fresh.has(key(f))), ...files];
    }
  } catch {
    /* first download into this folder */
  }
  const rec: DownloadRecord = { version: 1, endpoint, files: merged };
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(rec, null, 2) + '\n');
  await fs.rename(tmp, file);
}

/** Folders this process is downloading into (the pid in the lock file cannot tell them apart). */
const lockedHere = new Set<string>();

/** One downloader per folder: two writers appending to the same `.part` would waste the download. */
async function acquireLock(to: string): Promise<() => Promise<void>> {
  const lock = path.join(to, '.download.lock');
  if (lockedHere.has(to)) throw new DownloadError(`another download into ${to} is already running in this process`, 'busy');
  for (let i = 0; i < 2; i++) {
    try {
      await fs.writeFile(lock, String(process.pid), { flag: 'wx' });
      lockedHere.add(to);
      return async () => {
        lockedHere.delete(to);
        await fs.rm(lock, { force: true });
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await fs.readFile(lock, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new DownloadError(`another download into ${to} is running (pid ${pid}); wait for it or remove ${lock}`, 'busy');
      }
      await fs.rm(lock, { force: true }); // stale (dead process or our own leftover)
    }
  }
  throw new DownloadError(`cannot lock ${lock}`, 'busy');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
