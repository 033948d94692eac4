/** Bibliography parse problems → the Problems panel. */
import * as vscode from 'vscode';
import type { SourceDiagnostic } from '../core/types';

const SEVERITY: Record<SourceDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

/**
 * Replace everything in `collection` with `diags` (the services always report the full current list, so a
 * fixed file loses its problems). Lines are 1-based in SourceDiagnostic; the range covers the whole line.
 */
export function publishDiagnostics(collection: vscode.DiagnosticCollection, diags: readonly SourceDiagnostic[]): void {
  const byFile = new Map<string, vscode.Diagnostic[]>();
  for (const d of diags) {
    const line = Math.max(0, (Number.isFinite(d.line) ? d.line : 1) - 1);
    const message = d.key ? `${d.message} (entry ${d.key})` : d.message;
    const diag = new vscode.Diagnostic(new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER), message, SEVERITY[d.severity]);
    diag.source = 'Related Papers';
    if (d.key) diag.code = d.key;
    const list = byFile.get(d.file) ?? [];
    list.push(diag);
    byFile.set(d.file, list);
  }
  collection.clear();
  for (const [file, list] of byFile) collection.set(vscode.Uri.file(file), list);
}
