/**
 * A lab-shared index on object storage, end to end: a real S3-compatible server (s3rver) on
 * 127.0.0.1, the real `related-papers` CLI in a child process (credentials and endpoint from the
 * standard AWS environment variables, as a user would set them), the tiny SPECTER2 model, LanceDB.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closedPort, startS3Server, type S3TestServer } from '../helpers/s3Server';
import { REPO_ROOT, TINY_MODEL, skipUnlessShared } from '../helpers/shared';
import { bibEntry, TOPICS } from '../unit/index/fixtures';

const skip = skipUnlessShared('fixtures', 'specter2-tiny');
let s3: S3TestServer;
let tmp: string;

before(async () => {
  s3 = await startS3Server(['lab']);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rp-s3-'));
});
after(async () => {
  await s3?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** The CLI entry from source, in its own process: real exit code, real stderr. */
function cli(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<{ code: number | null; out: string; err: string; ms: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'extension/cli/main.ts'), ...args], {
      cwd: REPO_ROOT,
      env: { ...cleanEnv(), RELATED_PAPERS_CACHE: path.join(tmp, 'cache'), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, out, err, ms: Date.now() - t0 }); });
  });
}

/** The parent's environment without any AWS configuration of the machine running the tests. */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_') && k !== 'LANCEDB_LOG') env[k] = v;
  return env;
}

test('index --db s3://bucket/prefix builds the table on object storage; query --db s3://… reads it; a re-run embeds nothing', { skip }, async () => {
  const bib = path.join(tmp, 'lab.bib');
  fs.writeFileSync(bib, TOPICS.map(([k, t, a]) => bibEntry(k, t, a || undefined)).join('\n'));
  const db = 's3://lab/shared/index';
  const first = await cli(['index', bib, '--db', db, '--model-dir', TINY_MODEL, '--json'], s3.env);
  assert.equal(first.code, 0, first.err);
  const s = JSON.parse(first.out);
  assert.equal(s.entries, TOPICS.length);
  assert.equal(s.embedded, TOPICS.filter(([, t, a]) => t || a).length);

  // The table really is in the bucket (s3rver keeps objects as files under its folder), not on local disk.
  assert.ok(!fs.existsSync(path.resolve('s3:')), 'no local folder named after the URI');

  const again = await cli(['index', bib, '--db', db, '--model-dir', TINY_MODEL, '--json'], s3.env);
  assert.equal(again.code, 0, again.err);
  assert.equal(JSON.parse(again.out).embedded, 0, 'the second machine reuses what is stored');
  assert.equal(JSON.parse(again.out).unchanged, TOPICS.length);

  const [key, title] = TOPICS[1]; // "Deep residual learning for image recognition": words no other entry has
  const q = await cli(['query', '--db', db, '--model-dir', TINY_MODEL, '--text', title, '--k', '3', '--json'], s3.env);
  assert.equal(q.code, 0, q.err);
  const res = JSON.parse(q.out);
  assert.equal(res.mode, 'hybrid');
  assert.equal(res.results[0].key, key, 'the entry whose title is the query ranks first');

  // Lexical read without a model (another lab member without SPECTER2), and --storage-option overriding env.
  const envNoEndpoint = { ...s3.env };
  delete (envNoEndpoint as Record<string, string | undefined>).AWS_ENDPOINT;
  const lex = await cli(['query', '--db', db, '--text', title, '--json', '--storage-option', `endpoint=${s3.endpoint}`], envNoEndpoint);
  assert.equal(lex.code, 0, lex.err);
  assert.equal(JSON.parse(lex.out).results[0].key, key);
});

test('an unreachable endpoint: exit 1, one actionable line on stderr, no stack trace, no hang', async () => {
  const port = await closedPort();
  const bib = path.join(tmp, 'one.bib');
  fs.writeFileSync(bib, bibEntry('solo', 'A paper'));
  const r = await cli(['index', bib, '--db', 's3://lab/x', '--json'], { ...s3.env, AWS_ENDPOINT: `http://127.0.0.1:${port}` }, 60_000);
  assert.equal(r.code, 1, `exit code (stderr: ${r.err})`);
  assert.equal(r.out, '');
  const lines = r.err.trim().split('\n');
  assert.equal(lines.length, 1, `one line, got:\n${r.err}`);
  assert.match(lines[0], /^related-papers: index: object storage s3:\/\/lab\/x \(endpoint http:\/\/127\.0\.0\.1:\d+\) is unreachable \(connection refused\); check/);
  assert.doesNotMatch(r.err, /\.rs:\d+|at .*\(.*:\d+:\d+\)|LanceError/);
  assert.ok(r.ms < 45_000, `gave up after ${r.ms} ms`);

  const q = await cli(['query', '--db', 's3://lab/x', '--text', 'x'], { ...s3.env, AWS_ENDPOINT: `http://127.0.0.1:${port}` }, 60_000);
  assert.equal(q.code, 1, q.err);
  assert.equal(q.err.trim().split('\n').length, 1, q.err);
  assert.match(q.err, /unreachable/);
});

test('wrong credentials: exit 1 and the line names the variables to fix', async () => {
  const bib = path.join(tmp, 'one.bib');
  fs.writeFileSync(bib, bibEntry('solo', 'A paper'));
  const r = await cli(['index', bib, '--db', 's3://lab/y', '--json'], { ...s3.env, AWS_ACCESS_KEY_ID: 'nobody' }, 60_000);
  assert.equal(r.code, 1, r.err);
  assert.equal(r.err.trim().split('\n').length, 1, r.err);
  assert.match(r.err, /access denied; check AWS_ACCESS_KEY_ID \/ AWS_SECRET_ACCESS_KEY/);
});

test('--storage-option must be key=value, and only with an object-store --db', async () => {
  const bib = path.join(tmp, 'one.bib');
  fs.writeFileSync(bib, bibEntry('solo', 'A paper'));
  const bad = await cli(['index', bib, '--db', 's3://lab/z', '--storage-option', 'novalue'], s3.env);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--storage-option expects key=value, not "novalue"/);
  const local = await cli(['index', bib, '--db', path.join(tmp, 'localdb'), '--storage-option', 'a=b'], s3.env);
  assert.equal(local.code, 2);
  assert.match(local.err, /only to an object-store --db/);
});

test('query on a prefix without an index: exit 1 with what to do, and nothing is created there', async () => {
  const q = await cli(['query', '--db', 's3://lab/nothing-here', '--text', 'x', '--json'], s3.env);
  assert.equal(q.code, 1, q.err);
  assert.equal(q.err.trim().split('\n').length, 1, q.err);
  assert.match(q.err, /no index table .*build it with related-papers index --db s3:\/\/lab\/nothing-here/);
  const again = await cli(['query', '--db', 's3://lab/nothing-here', '--text', 'x', '--json'], s3.env);
  assert.equal(again.code, 1, 'still nothing there: the first query created no table');
});
