/**
 * Loads @retorquere/bibtex-parser synchronously in every environment this project runs in.
 *
 * WHY this exists: the package's CommonJS build is broken on Node 20 — it `require`s `unicode2latex`, whose CJS build
 * `require`s `tiny-merge-patch`, an ESM-only package whose `exports` has no `require` condition
 * (ERR_PACKAGE_PATH_NOT_EXPORTED); its CJS `prepositions` import also has a default-interop bug. Its ESM build is fine.
 *  1. In the esbuild bundle the static `import` in `./bibtexParserStatic` resolves with the `import` condition, so the
 *     ESM build is bundled and step 1 succeeds.
 *  2. Unbundled in plain Node ≥ 20.19, `require()` of the ESM entry file works natively (require(esm)).
 *  3. Under tsx (tests, dev CLI) tsx rewrites required ESM files to CJS, which re-hits the `tiny-merge-patch` problem;
 *     for the duration of that one `require` we resolve exactly that package to its ESM entry file, then restore.
 * The public API stays synchronous (`parseBibliography` is sync by contract).
 */
import Module from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface BibtexCreator {
  name?: string;
  lastName?: string;
  firstName?: string;
  prefix?: string;
  suffix?: string;
}
export interface BibtexParsedEntry {
  type: string;
  key: string;
  fields: Record<string, unknown>;
}
export interface BibtexParserModule {
  parse(
    input: string,
    options?: { sentenceCase?: false; english?: boolean; applyCrossRef?: boolean; unsupported?: 'ignore'; caseProtection?: boolean | 'strict' | 'as-needed' },
  ): { entries: BibtexParsedEntry[]; errors: { error: string }[] };
}

let loaded: BibtexParserModule | undefined;
let loadError: string | undefined;

export function bibtexParser(): BibtexParserModule {
  if (loaded) return loaded;
  if (loadError) throw new Error(loadError);
  const attempts: string[] = [];
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = (require('./bibtexParserStatic') as { bibtexParserStatic: BibtexParserModule }).bibtexParserStatic;
    return loaded;
  } catch (err) {
    attempts.push(`static import: ${(err as Error).message.split('\n')[0]}`);
  }
  let esmEntry: string;
  try {
    esmEntry = path.join(path.dirname(require.resolve('@retorquere/bibtex-parser')), '..', 'esm', 'index.js');
  } catch (err) {
    loadError = `@retorquere/bibtex-parser is not installed: ${(err as Error).message.split('\n')[0]}`;
    throw new Error(loadError);
  }
  try {
    loaded = require(esmEntry) as BibtexParserModule;
    return loaded;
  } catch (err) {
    attempts.push(`require(esm): ${(err as Error).message.split('\n')[0]}`);
  }
  const M = Module as unknown as { _resolveFilename: ResolveFilename };
  const original = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request, parent, ...rest) {
    try {
      return original.call(this, request, parent, ...rest);
    } catch (err) {
      const esmOnly = request === 'tiny-merge-patch' ? esmOnlyEntry(request, parent?.paths ?? []) : undefined;
      if (esmOnly) return esmOnly;
      throw err;
    }
  };
  try {
    loaded = require(esmEntry) as BibtexParserModule;
    return loaded;
  } catch (err) {
    attempts.push(`require(esm) with resolver shim: ${(err as Error).message.split('\n')[0]}`);
    loadError = `could not load @retorquere/bibtex-parser (${attempts.join('; ')})`;
    throw new Error(loadError);
  } finally {
    M._resolveFilename = original;
  }
}

type ResolveFilename = (request: string, parent: { paths?: string[] } | undefined, ...rest: unknown[]) => string;

function esmOnlyEntry(pkgName: string, searchPaths: string[]): string | undefined {
  for (const dir of searchPaths) {
    const manifest = path.join(dir, pkgName, 'package.json');
    if (!fs.existsSync(manifest)) continue;
    const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { exports?: { '.'?: { import?: string } }; module?: string };
    const rel = pkg.exports?.['.']?.import ?? pkg.module;
    if (rel) return path.join(dir, pkgName, rel);
  }
  return undefined;
}
