/** Status bar item: index size and state ("$(book) 1,234 papers"); clicking reveals the panel. */
import * as vscode from 'vscode';
import type { IndexStatus } from './serviceApi';

const nf = new Intl.NumberFormat('en-US');

/** Text and tooltip for a status (pure, exported for tests of the wording). */
export function statusBarText(s: IndexStatus): { text: string; tooltip: string } {
  if (s.storageError !== undefined) {
    return { text: '$(error) Related Papers', tooltip: `Index storage unavailable: ${s.storageError}` };
  }
  if (s.indexing) {
    return {
      text: `$(sync~spin) Indexing ${nf.format(s.indexing.done)}/${nf.format(s.indexing.total)}`,
      tooltip: s.indexing.message ?? 'Indexing bibliographies',
    };
  }
  const papers = `${nf.format(s.entries)} ${s.entries === 1 ? 'paper' : 'papers'}`;
  const model =
    s.model.kind === 'ready'
      ? `SPECTER2 (${s.model.precision})`
      : s.model.kind === 'loading'
        ? 'loading the model'
        : s.model.kind === 'missing'
          ? `model not downloaded — lexical results only`
          : `model failed — lexical results only: ${s.model.message}`;
  const warn = s.lexicalOnly ? ' $(warning)' : '';
  return {
    text: `$(book) ${papers}${warn}`,
    tooltip: `Related Papers: ${papers} from ${nf.format(s.files)} ${s.files === 1 ? 'file' : 'files'}; ${model}`,
  };
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('relatedPapers.status', vscode.StatusBarAlignment.Right, 100);

  constructor(focusCommand: string) {
    this.item.name = 'Related Papers';
    this.item.command = focusCommand;
  }

  update(s: IndexStatus): void {
    const { text, tooltip } = statusBarText(s);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = s.storageError !== undefined ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
