/**
 * Index locations on object storage (`s3://bucket/prefix`, also gs:// and az://): recognising the
 * URI, building LanceDB's storageOptions from the standard AWS environment variables plus explicit
 * `key=value` options, and turning LanceDB's multi-line object-store errors into ONE actionable line.
 *
 * WHY our own defaults for timeouts/retries: LanceDB's object store retries a refused connection
 * for up to 180 s (and its namespace layer retries again on top), which looks like a frozen panel.
 */

/** Schemes LanceDB opens through its object store (anything else is a local folder). */
const OBJECT_STORE_URI = /^(s3|s3a|gs|az|abfss?):\/\/[^/]+/i;

export function isObjectStoreUri(location: string): boolean {
  return OBJECT_STORE_URI.test(location);
}

/**
 * Defaults that make an unreachable store fail in seconds, not minutes. Explicit options (and the
 * env-derived ones) win. Keys are LanceDB's (lance object store) storage option names.
 */
export const STORAGE_TIMEOUT_DEFAULTS: Readonly<Record<string, string>> = {
  connect_timeout: '5s',
  timeout: '60s',
  client_max_retries: '2',
  client_retry_timeout: '15',
};

/** Environment variable → storage option (what the AWS SDKs and `object_store` read). */
const ENV_TO_OPTION: readonly [string, string][] = [
  ['AWS_ACCESS_KEY_ID', 'aws_access_key_id'],
  ['AWS_SECRET_ACCESS_KEY', 'aws_secret_access_key'],
  ['AWS_SESSION_TOKEN', 'aws_session_token'],
  ['AWS_DEFAULT_REGION', 'region'],
  ['AWS_REGION', 'region'],
  ['AWS_ENDPOINT_URL', 'endpoint'],
  ['AWS_ENDPOINT', 'endpoint'],
];

/**
 * storageOptions for `uri`: AWS env vars (later entries of ENV_TO_OPTION win, so AWS_REGION beats
 * AWS_DEFAULT_REGION and AWS_ENDPOINT beats AWS_ENDPOINT_URL), then `explicit`. An `http://`
 * endpoint (MinIO, Ceph, a test server) needs allow_http, which is then set unless given.
 */
export function storageOptionsFor(
  uri: string,
  env: Readonly<Record<string, string | undefined>> = process.env,
  explicit: Readonly<Record<string, string>> = {},
): Record<string, string> {
  const out: Record<string, string> = { ...STORAGE_TIMEOUT_DEFAULTS };
  if (/^s3a?:/i.test(uri)) {
    for (const [name, option] of ENV_TO_OPTION) {
      const v = env[name];
      if (v !== undefined && v !== '') out[option] = v;
    }
  }
  for (const [k, v] of Object.entries(explicit)) out[k.toLowerCase()] = v;
  if (out.endpoint && /^http:\/\//i.test(out.endpoint) && out.allow_http === undefined) out.allow_http = 'true';
  return out;
}

/** Parses repeated `--storage-option key=value` arguments. Throws a one-line Error for a bad one. */
export function parseStorageOptions(args: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const a of args) {
    const eq = a.indexOf('=');
    if (eq <= 0) throw new Error(`--storage-option expects key=value, not "${a}"`);
    const key = a.slice(0, eq).trim().toLowerCase();
    if (!/^[a-z0-9_.-]+$/.test(key)) throw new Error(`--storage-option: "${key}" is not an option name`);
    out[key] = a.slice(eq + 1);
  }
  return out;
}

/** A failure to reach or use object storage, already phrased for the user (one line). */
export class ObjectStoreError extends Error {
  constructor(message: string, readonly uri: string) {
    super(message);
    this.name = 'ObjectStoreError';
  }
}

/**
 * One actionable line for a LanceDB object-store error (they span many lines and name Rust source
 * files). The classification is by the texts object_store / reqwest / S3 put into the message.
 */
export function describeObjectStoreError(e: unknown, uri: string, options: Readonly<Record<string, string>> = {}): string {
  const raw = e instanceof Error ? e.message : String(e);
  const where = options.endpoint ? `${uri} (endpoint ${options.endpoint})` : uri;
  const bucket = /^[a-z0-9]+:\/\/([^/]+)/i.exec(uri)?.[1] ?? '';
  if (/NoSuchBucket|bucket does not exist|specified bucket does not exist/i.test(raw)) {
    return `object storage ${where}: bucket "${bucket}" does not exist; create it or fix the URI`;
  }
  if (/InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|\b403\b|Forbidden|credential|No credentials/i.test(raw)) {
    return `object storage ${where}: access denied; check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or --storage-option aws_access_key_id=…)`;
  }
  if (/region is missing|missing region/i.test(raw)) {
    return `object storage ${where}: no region; set AWS_REGION (or --storage-option region=…)`;
  }
  const refused = /Connection refused|ConnectionRefused/i.test(raw);
  const timedOut = /timed out|timeout|deadline/i.test(raw);
  const dns = /dns error|failed to lookup|Name or service not known|no such host/i.test(raw);
  if (refused || timedOut || dns || /error sending request|tcp connect error|HTTP error|Connect/i.test(raw)) {
    const why = refused ? 'connection refused' : dns ? 'host not found' : timedOut ? 'timed out' : 'no connection';
    return `object storage ${where} is unreachable (${why}); check the network, AWS_ENDPOINT and the URI`;
  }
  if (/http:\/\/.*not allowed|allow_http|HTTP.*not permitted/i.test(raw)) {
    return `object storage ${where}: plain http is refused; pass --storage-option allow_http=true`;
  }
  // Unknown kind: keep LanceDB's first line, without its Rust source locations.
  const first = raw.split('\n')[0].replace(/,?\s*\/[^\s]*\.rs:\d+:\d+/g, '').slice(0, 240);
  return `object storage ${where}: ${first}`;
}
