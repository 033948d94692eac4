import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeObjectStoreError, isObjectStoreUri, parseStorageOptions, storageOptionsFor } from '../../../extension/core/remote/objectStore';

test('object-store URIs are told apart from local folders', () => {
  for (const u of ['s3://lab/index', 'S3://b', 'gs://b/p', 'az://c/p']) assert.equal(isObjectStoreUri(u), true, u);
  for (const u of ['/home/me/db', 'db', 'C:\\db', 'file:///x', 's3:/x', 's3://']) assert.equal(isObjectStoreUri(u), false, u);
});

test('storage options: AWS env vars mapped, explicit options win, http endpoint allows http, timeouts bounded', () => {
  const o = storageOptionsFor('s3://lab/x', {
    AWS_ACCESS_KEY_ID: 'AK', AWS_SECRET_ACCESS_KEY: 'SK', AWS_DEFAULT_REGION: 'eu-west-1', AWS_REGION: 'us-east-2',
    AWS_ENDPOINT: 'http://127.0.0.1:9000', HOME: '/root',
  }, { Timeout: '10s' });
  assert.equal(o.aws_access_key_id, 'AK');
  assert.equal(o.aws_secret_access_key, 'SK');
  assert.equal(o.region, 'us-east-2', 'AWS_REGION beats AWS_DEFAULT_REGION');
  assert.equal(o.endpoint, 'http://127.0.0.1:9000');
  assert.equal(o.allow_http, 'true');
  assert.equal(o.timeout, '10s', 'explicit (case-insensitive key) wins');
  assert.equal(o.connect_timeout, '5s');
  assert.equal(o.home, undefined, 'only AWS variables are taken');
  const https = storageOptionsFor('s3://lab/x', { AWS_ENDPOINT: 'https://minio.lab' }, {});
  assert.equal(https.allow_http, undefined);
  assert.equal(storageOptionsFor('gs://b/x', { AWS_ACCESS_KEY_ID: 'AK' }).aws_access_key_id, undefined, 'AWS vars only for s3');
});

test('--storage-option parsing', () => {
  assert.deepEqual(parseStorageOptions(['region=us-east-1', 'endpoint=http://h:1/a=b']), { region: 'us-east-1', endpoint: 'http://h:1/a=b' });
  assert.throws(() => parseStorageOptions(['novalue']), /expects key=value, not "novalue"/);
  assert.throws(() => parseStorageOptions(['=x']), /expects key=value/);
  assert.throws(() => parseStorageOptions(['a b=x']), /not an option name/);
});

test('LanceDB object-store errors become one actionable line without Rust paths', () => {
  const refused = new Error('lance error: LanceError(IO): Generic S3 error: Error performing list request: Error performing GET http://127.0.0.1:9/lab?x in 100ms, after 1 retries - HTTP error: error sending request, /usr/local/cargo/registry/src/lance-io-8.0.0/src/object_store.rs:836:22\n  Caused by: ... ConnectError("tcp connect error", 127.0.0.1:9, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })');
  const line = describeObjectStoreError(refused, 's3://lab/x', { endpoint: 'http://127.0.0.1:9' });
  assert.equal(line, 'object storage s3://lab/x (endpoint http://127.0.0.1:9) is unreachable (connection refused); check the network, AWS_ENDPOINT and the URI');
  assert.match(describeObjectStoreError(new Error('... <Code>InvalidAccessKeyId</Code> ...'), 's3://lab/x'), /access denied; check AWS_ACCESS_KEY_ID/);
  assert.match(describeObjectStoreError(new Error('<Code>NoSuchBucket</Code>'), 's3://lab/x'), /bucket "lab" does not exist/);
  const other = describeObjectStoreError(new Error('something odd, /usr/src/x.rs:1:2\nsecond line'), 's3://lab/x');
  assert.equal(other, 'object storage s3://lab/x: something odd');
});
