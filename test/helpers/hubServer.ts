/**
 * A local stand-in for the Hugging Face hub (node:http on 127.0.0.1, random ports) serving real
 * files under the hub's URL layout, with fault injection for download tests.
 *
 *   HEAD/GET /<owner>/<name>/resolve/<rev>/<path>
 *     regular file: 200, ETag "<git blob sha1>", X-Repo-Commit, Range support
 *     LFS file:     302 → a separate "CDN" server, with X-Linked-Etag "<sha256>", X-Linked-Size,
 *                   X-Repo-Commit (like huggingface.co); the CDN sends its own unrelated ETag
 *   renamed repo: 307 with a relative Location to the new name (see `renamed`)
 *   404 with X-Error-Code/X-Error-Message for unknown repos, revisions or files.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { ADAPTER_REPOS, BASE_REPO, type Manifest, type ManifestEntry } from '../../models/acquire/manifest';
import type { AdapterName } from '../../models/types';
import { ADAPTERS } from '../../models/types';

export interface HubFile {
  repo: string;
  commit: string;
  path: string;
  data: Buffer;
  lfs: boolean;
}

export type Fault =
  /** Declare the full Content-Length, send `afterBytes`, then close the socket cleanly (FIN). */
  | { kind: 'truncate'; afterBytes: number }
  /** Send `afterBytes`, then reset the connection (RST). */
  | { kind: 'reset'; afterBytes: number }
  /** Send the right length with one byte flipped. */
  | { kind: 'corrupt' }
  /** Answer with this HTTP status and no body. */
  | { kind: 'status'; status: number };

export interface RequestLogEntry {
  server: 'hub' | 'cdn';
  method: string;
  url: string;
  range: string | null;
  status: number;
  /** Body bytes actually written. */
  bytesSent: number;
  /** `<repo>/<path>` of the file served, when any. */
  file: string | null;
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
export const gitBlobSha1 = (b: Buffer) => createHash('sha1').update(`blob ${b.length}\0`).update(b).digest('hex');
const fakeCommit = (repo: string) => createHash('sha1').update(`commit:${repo}`).digest('hex');

export class HubServer {
  readonly log: RequestLogEntry[] = [];
  private faults = new Map<string, Fault[]>();
  /** Renamed repos: old name → new name, answered with a relative 307 like the hub does. */
  readonly renamed = new Map<string, string>();
  private byKey = new Map<string, HubFile>();
  private bySha = new Map<string, HubFile>();

  private constructor(
    private readonly hub: http.Server,
    private readonly cdn: http.Server,
    readonly endpoint: string,
    readonly cdnOrigin: string,
    readonly files: HubFile[],
    /** `repo → ref → commit` (every repo gets `main`). */
    readonly refs: Map<string, Map<string, string>>,
  ) {
    for (const f of files) {
      this.byKey.set(`${f.repo}@${f.commit}/${f.path}`, f);
      this.bySha.set(sha256(f.data), f);
    }
  }

  static async start(files: HubFile[]): Promise<HubServer> {
    const refs = new Map<string, Map<string, string>>();
    for (const f of files) refs.set(f.repo, new Map([['main', f.commit]]));
    let self: HubServer | null = null;
    const hub = http.createServer((req, res) => self!.handleHub(req, res));
    const cdn = http.createServer((req, res) => self!.handleCdn(req, res));
    const listen = (s: http.Server) => new Promise<number>((r) => s.listen(0, '127.0.0.1', () => r((s.address() as AddressInfo).port)));
    const [hp, cp] = await Promise.all([listen(hub), listen(cdn)]);
    self = new HubServer(hub, cdn, `http://127.0.0.1:${hp}`, `http://127.0.0.1:${cp}`, files, refs);
    return self;
  }

  /** Queue `fault` for the next `times` byte-serving requests of `<repo>/<path>`. */
  injectFault(repo: string, filePath: string, fault: Fault, times = 1): void {
    const key = `${repo}/${filePath}`;
    const q = this.faults.get(key) ?? [];
    for (let i = 0; i < times; i++) q.push(fault);
    this.faults.set(key, q);
  }

  /** Body bytes sent for one file (all requests, or only those logged after `since`). */
  bytesSent(repo: string, filePath: string, since = 0): number {
    return this.log.slice(since).filter((l) => l.file === `${repo}/${filePath}` && l.method === 'GET').reduce((s, l) => s + l.bytesSent, 0);
  }

  async close(): Promise<void> {
    for (const s of [this.hub, this.cdn]) {
      s.closeAllConnections();
      await new Promise<void>((r) => s.close(() => r()));
    }
  }

  private handleHub(req: http.IncomingMessage, res: http.ServerResponse): void {
    const entry = this.logEntry('hub', req);
    const m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec((req.url ?? '').split('?')[0]);
    if (!m) return this.notFound(res, entry, 'EntryNotFound', 'bad path');
    const repo = m[1];
    const rev = decodeURIComponent(m[2]);
    const filePath = m[3].split('/').map(decodeURIComponent).join('/');
    const moved = this.renamed.get(repo);
    if (moved) {
      entry.status = 307;
      res.writeHead(307, { Location: `/${moved}/resolve/${m[2]}/${m[3]}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    const refs = this.refs.get(repo);
    if (!refs) return this.notFound(res, entry, 'RepositoryNotFound', `Repository ${repo} not found`);
    const commit = /^[0-9a-f]{40}$/.test(rev) ? rev : refs.get(rev);
    if (!commit) return this.notFound(res, entry, 'RevisionNotFound', `Invalid rev id: ${rev}`);
    const file = this.byKey.get(`${repo}@${commit}/${filePath}`);
    if (!file) return this.notFound(res, entry, 'EntryNotFound', `${filePath} does not exist on "${rev}"`);
    entry.file = `${repo}/${filePath}`;
    res.setHeader('X-Repo-Commit', commit);
    if (file.lfs) {
      const sha = sha256(file.data);
      res.writeHead(302, {
        Location: `${this.cdnOrigin}/cdn/${sha}?name=${encodeURIComponent(path.basename(filePath))}`,
        'X-Linked-Etag': `"${sha}"`,
        'X-Linked-Size': String(file.data.length),
        ETag: `"${sha}"`,
        'Content-Length': '0',
      });
      entry.status = 302;
      res.end();
      return;
    }
    this.serveBytes(req, res, entry, file, `"${gitBlobSha1(file.data)}"`);
  }

  private handleCdn(req: http.IncomingMessage, res: http.ServerResponse): void {
    const entry = this.logEntry('cdn', req);
    const m = /^\/cdn\/([0-9a-f]{64})/.exec(req.url ?? '');
    const file = m ? this.bySha.get(m[1]) : undefined;
    if (!file) return this.notFound(res, entry, 'EntryNotFound', 'no such object');
    entry.file = `${file.repo}/${file.path}`;
    // An S3-style ETag (md5) that must NOT be mistaken for the file's sha256.
    this.serveBytes(req, res, entry, file, `"${createHash('md5').update(file.data).digest('hex')}"`);
  }

  private serveBytes(req: http.IncomingMessage, res: http.ServerResponse, entry: RequestLogEntry, file: HubFile, etag: string): void {
    const total = file.data.length;
    let start = 0;
    let end = total - 1;
    let status = 200;
    const range = req.headers.range;
    if (range) {
      const rm = /^bytes=(\d+)-(\d*)$/.exec(range);
      if (!rm || Number(rm[1]) >= total) {
        entry.status = 416;
        res.writeHead(416, { 'Content-Range': `bytes */${total}` });
        res.end();
        return;
      }
      start = Number(rm[1]);
      if (rm[2]) end = Math.min(total - 1, Number(rm[2]));
      status = 206;
    }
    const fault = req.method === 'GET' ? this.faults.get(entry.file!)?.shift() : undefined;
    if (fault?.kind === 'status') {
      entry.status = fault.status;
      res.writeHead(fault.status, { 'Content-Length': '0' });
      res.end();
      return;
    }
    let body = file.data.subarray(start, end + 1);
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    const headers: http.OutgoingHttpHeaders = { 'Content-Length': String(body.length), 'Accept-Ranges': 'bytes', ETag: etag, 'Content-Type': 'application/octet-stream' };
    if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${total}`;
    entry.status = status;
    res.writeHead(status, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    if (fault?.kind === 'truncate' || fault?.kind === 'reset') {
      const cut = body.subarray(0, Math.min(fault.afterBytes, body.length));
      entry.bytesSent = cut.length;
      res.write(cut, () => {
        if (fault.kind === 'reset') res.socket?.resetAndDestroy();
        else res.socket?.end();
      });
      return;
    }
    entry.bytesSent = body.length;
    res.end(body);
  }

  private notFound(res: http.ServerResponse, entry: RequestLogEntry, code: string, message: string): void {
    entry.status = 404;
    res.writeHead(404, { 'X-Error-Code': code, 'X-Error-Message': message, 'Content-Length': '0' });
    res.end();
  }

  private logEntry(server: 'hub' | 'cdn', req: http.IncomingMessage): RequestLogEntry {
    const e: RequestLogEntry = { server, method: req.method ?? '', url: req.url ?? '', range: req.headers.range ?? null, status: 0, bytesSent: 0, file: null };
    this.log.push(e);
    return e;
  }
}

/** The files of a fixture model folder (`base/`, `adapters/<name>/`) as hub repos, SPECTER2-named. */
export function fixtureHubFiles(fixtureDir: string, baseFiles: readonly string[] = ['config.json', 'pytorch_model.bin', 'vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']): HubFile[] {
  const files: HubFile[] = [];
  const add = (repo: string, dir: string, name: string) =>
    files.push({ repo, commit: fakeCommit(repo), path: name, data: fs.readFileSync(path.join(dir, name)), lfs: /\.(bin|safetensors)$/.test(name) });
  for (const f of baseFiles) add(BASE_REPO, path.join(fixtureDir, 'base'), f);
  for (const a of ADAPTERS) for (const f of ['adapter_config.json', 'pytorch_adapter.bin']) add(ADAPTER_REPOS[a], path.join(fixtureDir, 'adapters', a), f);
  return files;
}

/** A manifest pinning the hub files by commit, real size and sha256 (or leaving hashes null). */
export function manifestFor(files: HubFile[], opts: { withHashes?: boolean; revision?: 'commit' | 'main' } = {}): Manifest {
  return files.map((f): ManifestEntry => {
    const adapter = (Object.entries(ADAPTER_REPOS) as [AdapterName, string][]).find(([, r]) => r === f.repo)?.[0];
    return {
      repo: f.repo,
      revision: opts.revision === 'main' ? 'main' : f.commit,
      path: f.path,
      size: opts.withHashes === false ? null : f.data.length,
      sha256: opts.withHashes === false ? null : sha256(f.data),
      role: adapter ? `adapter:${adapter}` : 'base',
    };
  });
}
