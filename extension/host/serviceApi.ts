/**
 * The contract between the VS Code UI layer (panel, commands, status bar) and the services that
 * index, embed and rank. The UI depends only on this interface; `services.ts` implements it.
 */
import type * as vscode from 'vscode';

import type { PaperHit } from '../core/index/paper';
import type { ModelView, StatusView } from '../protocol/webview';

export type { PaperHit };

/**
 * The model and index state the services report. The same shapes travel to the webview, so they are
 * defined once, in the vscode-free protocol module.
 */
export type ModelState = ModelView;
export type IndexStatus = StatusView;

export interface QueryOptions {
  k: number;
  /** Keys not to return (e.g. already cited in the paragraph). */
  excludeKeys?: string[];
  minScore?: number;
  /** Only entries from these bibliography files (absolute paths); absent = every file. */
  files?: readonly string[];
  signal?: AbortSignal;
}

export interface Services extends vscode.Disposable {
  status(): IndexStatus;
  readonly onDidChangeStatus: vscode.Event<IndexStatus>;
  /** Free text / cursor context → ranked entries (adhoc_query vector + full text, fused). */
  suggest(text: string, opts: QueryOptions): Promise<PaperHit[]>;
  /** Entries similar to the entry `key` (its proximity vector). */
  similar(key: string, opts: QueryOptions): Promise<PaperHit[]>;
  /** Optional (added by the panel's file filter): the indexed bibliography files and their entry counts. */
  indexedFiles?(): { file: string; entries: number }[];
  /** Metadata of one entry, for "Open entry" and for marking cited keys (no abstract). */
  lookup(key: string): PaperHit | undefined;
  /** Index and vector-cache tables by model with their size; delete those of models no longer in use. */
  readonly storage?: {
    list(): Promise<import('../core/app/storage').StorageItem[]>;
    delete(items: readonly import('../core/app/storage').StorageItem[]): Promise<number>;
  };
  /** "Not in your library" (opt-in): Semantic Scholar recommendations seeded by the document's cited papers. */
  readonly outside?: {
    feed(citedKeys: readonly string[], signal?: AbortSignal): Promise<import('../core/remote/semanticScholar').S2Paper[] | undefined>;
    paper(paperId: string): import('../core/remote/semanticScholar').S2Paper | undefined;
    add(paperId: string): Promise<string | undefined>;
    dismiss(paperId: string): Promise<void>;
  };
  /** Crashes and restarts of THE worker thread so far. */
  workerHealth?(): { crashes: number; restarts: number };
  /** Key of the indexed entry whose definition starts at or before `line` (1-based) of `file`. */
  entryAt?(file: string, line: number): Promise<string | undefined>;
  /** Full (re)index of the workspace bibliographies with progress + cancellation. */
  reindex(progress?: (done: number, total: number, message?: string) => void, token?: AbortSignal): Promise<void>;
  /**
   * Optional (branch remote): before Insert, make sure `key` is in a local bibliography (a paper only in the
   * lab-shared index is first written to a chosen .bib). Returns the key to cite, undefined = cancelled.
   */
  ensureInLibrary?(key: string): Promise<string | undefined>;
  /** Start the model download (user clicked "Download SPECTER2"). */
  downloadModel(): Promise<void>;
  /**
   * Optional (added by the UI layer): begin discovery/indexing in the background. Called when the panel first
   * becomes visible or a followed document is focused — never at activation. Must be idempotent and cheap
   * to call repeatedly.
   */
  start?(): void;
  /**
   * Optional (added by the UI layer): the full current list of parse diagnostics, fired whenever it changes.
   * The UI publishes them to the Problems panel (`extension/host/diagnostics.ts`).
   */
  readonly onDidChangeDiagnostics?: vscode.Event<import('../core/types').SourceDiagnostic[]>;
  /**
   * Optional (citations in the line, host/providers): the compact catalog of the indexed entries — key, title,
   * family names, year, venue, file, line; no abstracts. A new array whenever the index changed.
   */
  citationCatalog?(): readonly import('../core/citations/catalog').CatalogEntry[];
  /** Optional (host/providers): every stored entry of `key`, with its abstract, read from the store on demand. */
  entriesOf?(key: string): Promise<import('../core/index/store').StoredEntry[]>;
}
