/**
 * `related-papers model download --to DIR [--manifest FILE] [--adapters a,b] [--endpoint URL]`
 * (argv = the arguments after `model download`). Progress goes to stderr, the result to stdout;
 * failures are one line on stderr with exit code 1 (download) or 2 (usage).
 */
import { parseArgs } from 'node:util';
import { ADAPTERS, type AdapterName } from '../types';
import { downloadModel, DownloadError, resolveEndpoint, type DownloadProgress } from './download';
import { loadManifest, ManifestError, type Manifest } from './manifest';

export interface DownloadCommandIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
  /** Cancels the download (the CLI otherwise cancels on SIGINT). */
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  /** Test hook: forwarded to downloadModel. */
  fetchImpl?: typeof fetch;
  retry?: { retries?: number; baseDelayMs?: number };
}

export const DOWNLOAD_USAGE =
  'usage: related-papers model download --to DIR [--manifest FILE] [--adapters proximity,adhoc_query] [--endpoint URL]\n';
const DEFAULT_ADAPTERS: AdapterName[] = ['proximity', 'adhoc_query'];

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

export async function modelDownloadCommand(argv: string[], io: DownloadCommandIO): Promise<number> {
  const fail = (msg: string, code: number) => {
    io.stderr.write(`related-papers: ${msg.split('\n')[0]}\n`);
    return code;
  };
  let values: { to?: string; manifest?: string; adapters?: string; endpoint?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { to: { type: 'string' }, manifest: { type: 'string' }, adapters: { type: 'string' }, endpoint: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    return fail(`model download: ${(e as Error).message}`, 2);
  }
  if (values.help) {
    io.stdout.write(DOWNLOAD_USAGE);
    return 0;
  }
  if (!values.to) return fail('model download: --to DIR is required', 2);
  let adapters = DEFAULT_ADAPTERS;
  if (values.adapters !== undefined) {
    const list = values.adapters.split(',').map((s) => s.trim()).filter(Boolean);
    const bad = list.filter((a) => !(ADAPTERS as readonly string[]).includes(a));
    if (bad.length) return fail(`model download: --adapters: unknown adapter ${bad.map((b) => JSON.stringify(b)).join(', ')} (known: ${ADAPTERS.join(', ')})`, 2);
    adapters = [...new Set(list)] as AdapterName[];
  }
  const env = io.env ?? process.env;
  let endpoint: string;
  try {
    endpoint = resolveEndpoint(values.endpoint, env);
  } catch (e) {
    return fail(`model download: --endpoint: ${(e as Error).message}`, 2);
  }
  let manifest: Manifest | undefined;
  if (values.manifest) {
    try {
      manifest = await loadManifest(values.manifest);
    } catch (e) {
      return fail(`model download: --manifest: ${(e as Error).message}`, 2);
    }
  }

  const controller = new AbortController();
  const onSigint = () => controller.abort();
  const external = io.signal;
  if (external) external.addEventListener('abort', onSigint, { once: true });
  else process.once('SIGINT', onSigint);

  let currentFile = '';
  let lastLine = 0;
  const progress = (e: DownloadProgress) => {
    const now = Date.now();
    if (e.file !== currentFile) {
      currentFile = e.file;
      io.stderr.write(`downloading ${e.file} (${mb(e.total)})\n`);
      lastLine = now;
    }
    const finished = e.bytes === e.total;
    if (finished || now - lastLine >= 2000) {
      lastLine = now;
      const pct = e.overallTotal ? Math.floor((100 * e.overallBytes) / e.overallTotal) : 100;
      io.stderr.write(`  ${e.file}: ${mb(e.bytes)} / ${mb(e.total)}  (overall ${pct}% of ${mb(e.overallTotal)})\n`);
    }
  };

  io.stderr.write(`model download: ${adapters.length ? `base + ${adapters.join(', ')}` : 'base only'} from ${endpoint} into ${values.to}\n`);
  try {
    const dir = await downloadModel({
      to: values.to,
      manifest,
      adapters,
      endpoint,
      env,
      signal: controller.signal,
      onProgress: progress,
      onLog: (m) => io.stderr.write(`  ${m}\n`),
      fetchImpl: io.fetchImpl,
      retry: io.retry,
    });
    io.stdout.write(`model ready: ${dir.root} (${dir.modelId})\n`);
    return 0;
  } catch (e) {
    if (e instanceof DownloadError || e instanceof ManifestError) return fail(`model download: ${e.message}`, 1);
    return fail(`model download failed: ${(e as Error).message}`, 1);
  } finally {
    if (external) external.removeEventListener('abort', onSigint);
    else process.removeListener('SIGINT', onSigint);
  }
}
