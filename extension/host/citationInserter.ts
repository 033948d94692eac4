/** Applies a planned citation (`core/editor/citation.ts`) as ONE TextEditor.edit, so one Undo restores it. */
import * as vscode from 'vscode';
import { CitationError, planCitation } from '../core/editor/citation';
import { CursorFollower } from './cursorFollower';
import { notCitableReason } from './paperHit';
import type { PaperHit } from './serviceApi';
import { readSettings } from './settings';

/** An error meant for the user (shown as is, without a stack). */
export class UserError extends Error {
  override name = 'UserError';
}

export type InsertOutcome = 'inserted' | 'merged' | 'already-cited';

/**
 * `lookup` finds the indexed entry of `key`: a key that was generated for an entry without one is refused
 * (the panel does not offer Insert for it; this also covers the palette command and a stale panel).
 */
export async function insertCitation(
  editor: vscode.TextEditor | undefined,
  key: string,
  lookup?: (key: string) => PaperHit | undefined,
): Promise<InsertOutcome> {
  const refusal = notCitableReason(key, lookup?.(key));
  if (refusal) throw new UserError(refusal);
  if (!editor) throw new UserError('No document to insert into: put the cursor in a LaTeX, Markdown, Typst or text file first.');
  const doc = editor.document;
  const lang = CursorFollower.languageOf(doc);
  if (!lang || lang === 'bibtex') {
    throw new UserError(`Cannot insert a citation into ${doc.languageId} files: open a LaTeX, Markdown, Typst or text document.`);
  }
  const { citationCommand } = readSettings(doc.uri);
  let plan;
  try {
    plan = planCitation(doc.getText(), lang, doc.offsetAt(editor.selection.active), key, { latexCommand: citationCommand });
  } catch (e) {
    if (e instanceof CitationError) throw new UserError(e.message);
    throw e;
  }
  if (plan.alreadyCited) return 'already-cited';
  const start = doc.positionAt(plan.offset);
  const end = doc.positionAt(plan.offset + plan.deleteLength);
  const version = doc.version;
  const ok = await editor.edit(
    (b) => (plan.deleteLength === 0 ? b.insert(start, plan.insertText) : b.replace(new vscode.Range(start, end), plan.insertText)),
    { undoStopBefore: true, undoStopAfter: true },
  );
  if (!ok) throw new UserError(`The editor refused the edit (document changed from version ${version}); try again.`);
  if (!plan.merged) {
    // a new citation: continue typing after it
    const after = doc.positionAt(plan.offset + plan.insertText.length);
    editor.selection = new vscode.Selection(after, after);
  }
  await vscode.window.showTextDocument(doc, { viewColumn: editor.viewColumn, preserveFocus: false });
  return plan.merged ? 'merged' : 'inserted';
}
