/** Status bar item: index size and state ("$(book) 1,234 papers"); clicking reveals the panel. */
import * as vscode from 'vscode';
import type { IndexStatus } from './serviceApi';
import { statusBarText } from './statusText';

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('relatedPapers.status', vscode.StatusBarAlignment.Right, 100);

  /** `onShown`: called on every update (activation timing records the first). */
  constructor(focusCommand: string, private readonly onShown?: () => void) {
    this.item.name = 'Related Papers';
    this.item.command = focusCommand;
  }

  update(s: IndexStatus, scanned = true): void {
    const { text, tooltip } = statusBarText(s, scanned);
    this.item.text = text;
    this.item.tooltip = tooltip;
    this.item.backgroundColor = s.storageError !== undefined ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
    this.onShown?.();
  }

  dispose(): void {
    this.item.dispose();
  }
}
