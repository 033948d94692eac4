/**
 * The paper rows' right-click menu: VS Code's own webview context menu (`contributes.menus["webview/context"]`),
 * not a menu drawn in the webview. Each row carries `data-vscode-context` (webview/render.ts); VS Code passes
 * that context to the command, which runs the same request as the row's hover button.
 */
import * as vscode from 'vscode';
import { PAPER_MENU_COMMANDS, parsePaperMenuContext, type WebviewMessage } from '../protocol/webview';

const LABELS = { insert: 'Insert citation', copy: 'Copy key', open: 'Open entry', link: 'Open DOI/URL' } as const;

type PaperRequest = Extract<WebviewMessage, { type: 'insert' | 'copy' | 'open' | 'link' }>;

export function registerPaperMenu(
  context: vscode.ExtensionContext,
  run: (request: PaperRequest) => Promise<void>,
  notify: (message: string) => void,
  log: vscode.LogOutputChannel,
): void {
  for (const action of Object.keys(PAPER_MENU_COMMANDS) as (keyof typeof PAPER_MENU_COMMANDS)[]) {
    context.subscriptions.push(
      vscode.commands.registerCommand(PAPER_MENU_COMMANDS[action], async (arg: unknown) => {
        const parsed = parsePaperMenuContext(arg);
        if (!parsed.ok) {
          // the argument comes from the webview's DOM: never act on one we did not write
          log.warn(`${PAPER_MENU_COMMANDS[action]}: ignored a malformed context: ${parsed.error}`);
          return;
        }
        try {
          await run({ type: action, id: 0, key: parsed.value });
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          log.warn(`context menu ${action} failed: ${message}`);
          notify(`${LABELS[action]} failed: ${message}`);
        }
      }),
    );
  }
}
