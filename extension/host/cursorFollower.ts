/**
 * Follows the cursor in writing documents (LaTeX, Markdown/Quarto/R Markdown, Typst, plain text) and in
 * .bib files: debounced (relatedPapers.debounceMs), only while the panel is visible, skipping repeats of
 * the same context. Extraction is pure (`core/editor/context.ts`); stripping is cached per document
 * version so moving the cursor in a large document does not re-scan it.
 */
import * as vscode from 'vscode';
import { bibEntryAt } from '../core/editor/bibEntry';
import { extractContext, type CursorContext } from '../core/editor/context';
import { followedLanguage, type FollowedLanguage } from '../core/editor/language';
import { stripMarkup, type DocLanguage, type Stripped } from '../core/editor/markup';
import type { ResultsController } from './resultsController';
import { readSettings } from './settings';

/** Documents the user writes in (not git/diff/output/search views, whose text is read-only or a copy). */
const FOLLOWED_SCHEMES = new Set(['file', 'untitled', 'vscode-userdata', 'vscode-remote']);

export class CursorFollower implements vscode.Disposable {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly disposables: vscode.Disposable[] = [];
  private cache: { uri: string; version: number; language: DocLanguage; stripped: Stripped } | undefined;
  private lastKey = '';
  /** The last writing editor the cursor was in: where "Insert citation" goes when the panel has focus. */
  private lastEditor: vscode.TextEditor | undefined;

  constructor(
    private readonly controller: ResultsController,
    private readonly isPanelVisible: () => boolean,
    private readonly onFollowedDocument: () => void,
    /** The index's entry at file:line (from the parse's own positions); undefined = not indexed. */
    private readonly entryAt?: (file: string, line: number) => Promise<string | undefined>,
  ) {
    this.disposables.push(
      vscode.window.onDidChangeTextEditorSelection((e) => this.schedule(e.textEditor)),
      vscode.window.onDidChangeActiveTextEditor((e) => e && this.schedule(e)),
      vscode.workspace.onDidCloseTextDocument((d) => {
        if (this.cache?.uri === d.uri.toString()) this.cache = undefined;
      }),
    );
  }

  /** The followed language of a document; undefined for other languages and for non-file views (diffs, output). */
  static languageOf(doc: vscode.TextDocument): FollowedLanguage | undefined {
    if (!FOLLOWED_SCHEMES.has(doc.uri.scheme)) return undefined;
    return followedLanguage(doc.languageId, doc.fileName);
  }

  /** The editor to insert citations into: the active one if it is a writing document, else the last one. */
  targetEditor(): vscode.TextEditor | undefined {
    const active = vscode.window.activeTextEditor;
    const lang = active && CursorFollower.languageOf(active.document);
    if (active && lang && lang !== 'bibtex') return active;
    const last = this.lastEditor;
    if (last && !last.document.isClosed && vscode.window.visibleTextEditors.includes(last)) return last;
    return undefined;
  }

  /** Context at the cursor of `editor` (for "Find related papers" and the follower). */
  contextFor(editor: vscode.TextEditor, language: DocLanguage): CursorContext {
    const doc = editor.document;
    const s = readSettings(doc.uri);
    const stripped = this.stripped(doc, language);
    return extractContext(doc.getText(), doc.offsetAt(editor.selection.active), language, {
      sentencesBefore: s.contextBefore,
      sentencesAfter: s.contextAfter,
      maxChars: 2000,
    }, stripped);
  }

  /**
   * The key of the .bib entry under the cursor: from the index's positions when the file on disk is
   * what the index saw (a binary search), else by a backward scan from the cursor (unsaved edits).
   */
  async bibKeyAt(editor: vscode.TextEditor): Promise<string | undefined> {
    const doc = editor.document;
    if (!doc.isDirty && doc.uri.scheme === 'file' && this.entryAt) {
      const key = await this.entryAt(doc.uri.fsPath, editor.selection.active.line + 1).catch(() => undefined);
      if (key !== undefined) return key;
    }
    return bibEntryAt(doc.getText(), doc.offsetAt(editor.selection.active))?.key;
  }

  /** Run now for the active editor (panel just became visible). */
  refresh(): void {
    this.lastKey = '';
    const e = vscode.window.activeTextEditor ?? this.lastEditor;
    if (e) this.schedule(e, 0);
  }

  private stripped(doc: vscode.TextDocument, language: DocLanguage): Stripped {
    const uri = doc.uri.toString();
    if (this.cache && this.cache.uri === uri && this.cache.version === doc.version && this.cache.language === language) {
      return this.cache.stripped;
    }
    const stripped = stripMarkup(doc.getText(), language);
    this.cache = { uri, version: doc.version, language, stripped };
    return stripped;
  }

  private schedule(editor: vscode.TextEditor, delay?: number): void {
    const lang = CursorFollower.languageOf(editor.document);
    if (!lang) return;
    if (lang !== 'bibtex') this.lastEditor = editor;
    this.onFollowedDocument();
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run(editor, lang);
    }, delay ?? readSettings(editor.document.uri).debounceMs);
  }

  private run(editor: vscode.TextEditor, lang: FollowedLanguage): void {
    if (!this.isPanelVisible() || editor.document.isClosed) return;
    if (lang === 'bibtex') {
      void this.bibKeyAt(editor).then((key) => {
        if (!key || `bib:${key}` === this.lastKey) return;
        this.lastKey = `bib:${key}`;
        void this.controller.similarToEntry(key);
      });
      return;
    }
    const ctx = this.contextFor(editor, lang);
    const key = `${lang}:${ctx.text}\u0001${ctx.paragraphKeys.join(',')}\u0001${ctx.citedKeys.join(',')}`;
    if (key === this.lastKey) return;
    this.lastKey = key;
    void this.controller.followContext(ctx);
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
