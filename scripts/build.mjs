#!/usr/bin/env node
// One build for everything: `node scripts/build.mjs [--production] [--watch]`.
//   dist/extension.js   extension host (node, cjs)            entry extension/host/extension.ts
//   dist/worker.js      embedding worker (node, cjs)           entry extension/worker/worker.ts
//   dist/cli.js         the `related-papers` CLI (node, cjs)   entry extension/cli/main.ts
//   dist/webview/main.js  the panel UI (browser, iife)         entry webview/main.ts
// Native modules stay external: they are shipped in node_modules (see .vscodeignore) and loaded lazily.
// apache-arrow is external too because @lancedb/lancedb (external) requires it: bundling a second copy
// would break its `instanceof` schema checks.
import * as esbuild from 'esbuild';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const external = ['vscode', 'onnxruntime-node', '@lancedb/lancedb', 'apache-arrow'];

const exists = (p) => fs.existsSync(path.join(root, p));
const node = (entry, outfile, extra = {}) => ({
  entryPoints: [path.join(root, entry)],
  outfile: path.join(root, outfile),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external,
  sourcemap: true,
  minify: production,
  logLevel: 'warning',
  ...extra,
});

const builds = [
  node('extension/host/extension.ts', 'dist/extension.js'),
  node('extension/worker/worker.ts', 'dist/worker.js'),
  node('extension/cli/main.ts', 'dist/cli.js', { banner: { js: '#!/usr/bin/env node' } }),
  {
    entryPoints: [path.join(root, 'webview/main.ts')],
    outfile: path.join(root, 'dist/webview/main.js'),
    bundle: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    sourcemap: true,
    minify: production,
    logLevel: 'warning',
    loader: { '.css': 'css' },
  },
  {
    // the codicon font for the panel's action buttons (webview/render.ts), next to main.js so the webview's
    // localResourceRoots (dist/webview) and CSP (font-src/style-src = cspSource) already cover it
    entryPoints: [path.join(root, 'node_modules/@vscode/codicons/dist/codicon.css')],
    outfile: path.join(root, 'dist/webview/codicon.css'),
    bundle: true,
    loader: { '.ttf': 'file' },
    assetNames: '[name]',
    minify: production,
    logLevel: 'warning',
  },
];
// (The extension-host test suite is bundled by its own runner, test/vscode/runTests.ts.)

const missing = builds.filter((b) => !fs.existsSync(b.entryPoints[0]));
for (const b of missing) console.warn(`build: skipping ${path.relative(root, b.entryPoints[0])} (not present)`);
const active = builds.filter((b) => !missing.includes(b));

const t0 = Date.now();
if (watch) {
  for (const b of active) {
    const ctx = await esbuild.context(b);
    await ctx.watch();
  }
  console.log(`build: watching ${active.length} bundles`);
} else {
  await Promise.all(active.map((b) => esbuild.build(b)));
  const cli = path.join(root, 'dist/cli.js');
  if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
  console.log(`build: ${active.length} bundles in ${Date.now() - t0} ms${production ? ' (production)' : ''}`);
}
