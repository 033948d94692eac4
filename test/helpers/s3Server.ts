/**
 * A real S3-compatible server (the npm package `s3rver`) on 127.0.0.1 for the object-storage tests:
 * an ephemeral port, its own data folder, prefabricated buckets. s3rver knows one account (access
 * key S3RVER) and rejects any other access key id; it does not verify V4 signatures themselves.
 *
 * One correction to s3rver (3.7.1), so that it answers like S3, MinIO and Ceph do: a listing with a
 * delimiter misses every common prefix that has no object directly beneath it (its directory walk
 * prunes deeper folders before looking). LanceDB lists tables that way (`prefix=db/`,
 * `delimiter=/` → `db/name.lance/`), and a table has only nested objects (`_versions/…`, `data/…`),
 * so with the unpatched server `tableNames()` is always empty. The fix lists without the delimiter
 * and folds the keys into common prefixes, which is the S3 definition of the delimiter.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import S3rver from 's3rver';

export interface S3TestServer {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** The AWS environment variables a client needs to reach this server. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startS3Server(buckets: readonly string[]): Promise<S3TestServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory: dir,
    configureBuckets: buckets.map((name) => ({ name, configs: [] })),
  });
  patchDelimiterListing(server);
  const info = (await server.run()) as unknown as net.AddressInfo;
  const endpoint = `http://127.0.0.1:${info.port}`;
  return {
    endpoint,
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    env: { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER', AWS_REGION: 'us-east-1', AWS_ENDPOINT: endpoint },
    async close() {
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A 127.0.0.1 port nothing listens on (bound, then released): connections to it are refused. */
export async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

interface ListResult { objects: { key: string }[]; commonPrefixes: string[]; isTruncated: boolean }
interface ListOptions { delimiter?: string; prefix?: string; startAfter?: string; maxKeys?: number }

function patchDelimiterListing(server: S3rver): void {
  const store = (server as unknown as { store: { listObjects(bucket: string, o: ListOptions): Promise<ListResult> } }).store;
  const list = store.listObjects.bind(store);
  store.listObjects = async (bucket, options) => {
    const { delimiter, prefix = '', maxKeys = Infinity } = options;
    if (!delimiter) return list(bucket, options);
    const all = await list(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    const objects: ListResult['objects'] = [];
    const prefixes = new Set<string>();
    for (const o of all.objects) {
      const idx = o.key.slice(prefix.length).indexOf(delimiter);
      if (idx === -1) objects.push(o);
      else prefixes.add(o.key.slice(0, prefix.length + idx + delimiter.length));
    }
    return { objects: objects.slice(0, maxKeys), commonPrefixes: [...prefixes].sort(), isTruncated: objects.length > maxKeys };
  };
}
