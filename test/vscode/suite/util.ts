/** Helpers for the extension-host suite (runs inside VS Code: `vscode` is the real API). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'related-papers.related-papers';

export interface Contributes {
  commands: { command: string; title: string }[];
  configuration: { properties: Record<string, { default?: unknown; scope?: string }> };
  viewsContainers: { activitybar: { id: string; title: string }[] };
  views: Record<string, { id: string; type?: string; name: string }[]>;
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not loaded (extensionDevelopmentPath wrong?)`);
  return ext;
}

/** The services behind the UI, as `activate` returns them (the API the extension exposes to its tests). */
export async function services(): Promise<import('../../../extension/host/serviceApi').Services> {
  const api = (await extension().activate()) as { services: () => import('../../../extension/host/serviceApi').Services };
  return api.services();
}

export function contributes(): Contributes {
  return (extension().packageJSON as { contributes: Contributes }).contributes;
}

export function workspaceFolder(): string {
  const f = vscode.workspace.workspaceFolders?.[0];
  if (!f) throw new Error('the suite needs a workspace folder (test/vscode/runTests.ts opens a copy of examples/)');
  return f.uri.fsPath;
}

export function workspaceFile(...parts: string[]): string {
  const p = path.join(workspaceFolder(), ...parts);
  if (!fs.existsSync(p)) throw new Error(`missing ${p} in the test workspace`);
  return p;
}

/** Rejects with a message naming `what` when `p` takes longer than `ms` (a command awaiting a dialog hangs). */
export async function within<T>(p: Thenable<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms / 1000}s`)), ms); });
  try { return await Promise.race([Promise.resolve(p), timeout]); } finally { clearTimeout(timer); }
}

/** Resolves with the diagnostics of `uri` once `accept` holds for them (checked now and on every change). */
export function diagnosticsFor(uri: vscode.Uri, accept: (d: readonly vscode.Diagnostic[]) => boolean, ms: number): Promise<readonly vscode.Diagnostic[]> {
  return within(new Promise<readonly vscode.Diagnostic[]>((resolve) => {
    const check = () => {
      const d = vscode.languages.getDiagnostics(uri);
      if (accept(d)) { sub.dispose(); resolve(d); return true; }
      return false;
    };
    const sub = vscode.languages.onDidChangeDiagnostics((e) => { if (e.uris.some((u) => u.toString() === uri.toString())) check(); });
    check();
  }), ms, `diagnostics for ${path.basename(uri.fsPath)}`);
}

/** 1-based line of the first line matching `re` in `file`. */
export function lineOf(file: string, re: RegExp): number {
  const i = fs.readFileSync(file, 'utf8').split('\n').findIndex((l) => re.test(l));
  if (i < 0) throw new Error(`no line matching ${re} in ${file}`);
  return i + 1;
}
