/** Typed access to the `relatedPapers.*` settings (declared in package.json `contributes.configuration`). */
import * as vscode from 'vscode';

export const SECTION = 'relatedPapers';

export interface UiSettings {
  contextBefore: number;
  contextAfter: number;
  maxResults: number;
  minScore: number;
  citationCommand: string;
  debounceMs: number;
}

function intIn(v: unknown, lo: number, hi: number, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.min(hi, Math.max(lo, Math.round(v))) : dflt;
}

export function readSettings(scope?: vscode.ConfigurationScope): UiSettings {
  const c = vscode.workspace.getConfiguration(SECTION, scope);
  const minScore = c.get<number>('minScore', 0);
  return {
    contextBefore: intIn(c.get('contextSentences.before'), 0, 20, 1),
    contextAfter: intIn(c.get('contextSentences.after'), 0, 20, 0),
    maxResults: intIn(c.get('maxResults'), 1, 200, 20),
    minScore: typeof minScore === 'number' && Number.isFinite(minScore) ? Math.min(1, Math.max(0, minScore)) : 0,
    citationCommand: c.get<string>('citationCommand', '\\cite') || '\\cite',
    debounceMs: intIn(c.get('debounceMs'), 50, 5000, 400),
  };
}
