/**
 * Locating `../shared` (fixtures and real corpora that are not copied into the repo).
 * Tests call `sharedPath(...)` and skip with a clear message when it is absent.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

// Each test process (node --test runs one per file) gets its own shared vector cache, so no test sees
// vectors another file or an earlier run embedded (the CLI and the Library default to this variable).
if (!process.env.RELATED_PAPERS_VECTOR_CACHE_KEEP) {
  process.env.RELATED_PAPERS_VECTOR_CACHE = require('node:fs').mkdtempSync(require('node:path').join(require('node:os').tmpdir(), 'rp-test-vcache-'));
  process.env.RELATED_PAPERS_VECTOR_CACHE_KEEP = '1';
}


export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const SHARED_ROOT = process.env.RELATED_PAPERS_SHARED ?? path.resolve(REPO_ROOT, '..', 'shared');

export function sharedPath(...parts: string[]): string {
  return path.join(SHARED_ROOT, ...parts);
}

/** For node:test's `{ skip }` option: false when present, else a message naming what is missing. */
export function skipUnlessShared(...parts: string[]): false | string {
  const p = sharedPath(...parts);
  return fs.existsSync(p) ? false : `needs ${p} (the shared fixtures/corpora folder beside the checkout); not present here`;
}

export const TINY_MODEL = sharedPath('fixtures', 'specter2-tiny');
