/**
 * The layout is the architecture: these tests read every import of the source tree and fail on an
 * import against the one-way flow (files → parse → embed (worker) → store → rank → messages → UI).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|(?:^|[^.\w])(?:import|require)\(\s*['"]([^'"]+)['"]\s*\)/g;

function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !e.name.endsWith('.d.ts')) out.push(p);
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

/** Every relative import of a file, resolved to a repo-relative path (without extension). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = m[1] ?? m[2];
    if (!spec) continue;
    if (spec.startsWith('.')) out.push(path.relative(ROOT, path.resolve(path.dirname(file), spec)).split(path.sep).join('/'));
    else out.push(`pkg:${spec}`);
  }
  return out;
}

function violations(dir: string, forbidden: (target: string) => boolean): string[] {
  const bad: string[] = [];
  for (const f of sources(dir)) for (const t of importsOf(f)) if (forbidden(t)) bad.push(`${path.relative(ROOT, f)} → ${t}`);
  return bad;
}

test('models/ is a library: it imports nothing from extension/, webview/ or vscode', () => {
  assert.deepEqual(violations('models', (t) => t.startsWith('extension/') || t.startsWith('webview/') || t === 'pkg:vscode'), []);
});

test('the core has no vscode import and never reaches into the host, the CLI or the webview', () => {
  assert.deepEqual(violations('extension/core', (t) => t === 'pkg:vscode' || /^extension\/(host|cli)\//.test(t) || t.startsWith('webview/')), []);
});

test('the worker thread and the protocols have no vscode import; the worker does not depend on the host', () => {
  assert.deepEqual(violations('extension/worker', (t) => t === 'pkg:vscode' || /^extension\/(host|cli)\//.test(t)), []);
  assert.deepEqual(violations('extension/protocol', (t) => t === 'pkg:vscode' || /^extension\/(host|cli|worker)\//.test(t)), []);
});

test('the CLI shares the core and never imports the vscode layer', () => {
  assert.deepEqual(violations('extension/cli', (t) => t === 'pkg:vscode' || t.startsWith('extension/host/')), []);
});

test('the webview bundle imports only itself and the webview protocol (a browser context)', () => {
  assert.deepEqual(violations('webview', (t) => !(t.startsWith('webview/') || t === 'extension/protocol/webview' || t.startsWith('pkg:@vscode/webview-ui-toolkit') || t.startsWith('pkg:@vscode/codicons'))), []);
});

test('the checks see real imports (a self-test: the host does import vscode and the core)', () => {
  const host = sources('extension/host').flatMap(importsOf);
  assert.ok(host.includes('pkg:vscode'));
  assert.ok(host.some((t) => t.startsWith('extension/core/')));
});
