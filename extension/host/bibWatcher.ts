/**
 * Watches the workspace's bibliography files and reports settled changes in batches.
 * Why debounce: editors and exporters write in bursts (Better BibTeX auto-export writes a temp file
 * and renames it over the .bib; a save can fire change+create); one batch per quiet period keeps
 * the index from re-parsing the same file several times.
 */
import * as vscode from 'vscode';
import { isBibliographyPath } from '../core/bib/formats';

export interface WatchBatch {
  /** Created or changed files that still exist. */
  changed: string[];
  /** Deleted files (or renamed away). */
  deleted: string[];
}

export class BibWatcher implements vscode.Disposable {
  private readonly watcher: vscode.FileSystemWatcher;
  private readonly changed = new Set<string>();
  private readonly deleted = new Set<string>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly onBatch: (b: WatchBatch) => void,
    /** THE file rule (core/bib/fileFilter.ts via the services); a deleted file is always reported. */
    private readonly accepts: (uri: vscode.Uri) => boolean = (u) => isBibliographyPath(u.fsPath) !== undefined,
    private readonly debounceMs = 750,
    glob = '**/*.{bib,bibtex,biblatex,json,yaml,yml,md,markdown,qmd,rmd,Rmd}',
  ) {
    this.watcher = vscode.workspace.createFileSystemWatcher(glob);
    this.watcher.onDidCreate((u) => this.note(u, false));
    this.watcher.onDidChange((u) => this.note(u, false));
    this.watcher.onDidDelete((u) => this.note(u, true));
  }

  private note(uri: vscode.Uri, deleted: boolean): void {
    if (uri.scheme !== 'file' || !isBibliographyPath(uri.fsPath)) return;
    // A file outside the rule is not indexed; its deletion still is reported (it may have been indexed before the rule changed).
    if (!deleted && !this.accepts(uri)) return;
    const p = uri.fsPath;
    // A rename-over shows as delete + create of the same path: the last event wins.
    if (deleted) { this.changed.delete(p); this.deleted.add(p); } else { this.deleted.delete(p); this.changed.add(p); }
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.flush(), this.debounceMs);
  }

  private flush(): void {
    const batch = { changed: [...this.changed], deleted: [...this.deleted] };
    this.changed.clear();
    this.deleted.clear();
    if (batch.changed.length || batch.deleted.length) this.onBatch(batch);
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.watcher.dispose();
  }
}
