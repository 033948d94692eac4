/**
 * Extension entry point (bundled to dist/extension.js). Activation is cheap: the UI layer is wired
 * here; the services load the worker, LanceDB and the model only when first needed.
 */
import type * as vscode from 'vscode';
import { activateWith, type RelatedPapersApi } from './activate';
import { createServices } from './services';

export function activate(context: vscode.ExtensionContext): RelatedPapersApi {
  return activateWith(context, createServices);
}

export function deactivate(): void {
  // Everything is disposed through context.subscriptions.
}
