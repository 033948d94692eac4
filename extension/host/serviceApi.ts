/**
 * The contract between the VS Code UI layer (panel, commands, status bar) and the services that
 * index, embed and rank. The UI depends only on this interface; `services.ts` implements it.
 */
import type * as vscode from 'vscode';

/** One ranked paper, ready for display. Every string here came from a bibliography: treat it as hostile. */
export interface PaperHit {
  key: string;
  title: string;
  authors: string[];
  year?: number;
  venue?: string;
  abstract: string;
  hasAbstract: boolean;
  doi?: string;
  url?: string;
  file: string;
  line: number;
  /** Fused relevance in [0, 1] (for the score bar). */
  score: number;
  /** Cosine similarity when the vector path contributed, else undefined (lexical-only hit). */
  cosine?: number;
  /**
   * Optional (added by the UI layer): true when `key` was generated because the entry has none (Markdown
   * reading-list items, key-less BibTeX/CSL entries; the index row's `synthetic_key`). No bibliography
   * defines such a key, so it must not be inserted as a citation.
   */
  syntheticKey?: boolean;
}

export type ModelState =
  | { kind: 'ready'; modelId: string; precision: 'fp32' | 'int8' }
  | { kind: 'loading' }
  | { kind: 'missing'; message: string }
  | { kind: 'error'; message: string };

export interface IndexStatus {
  /** Number of entries in the index. */
  entries: number;
  /** Number of bibliography files found. */
  files: number;
  model: ModelState;
  /** True when results are lexical only (no model, or model failed). */
  lexicalOnly: boolean;
  /** Present while an indexing run is going on. */
  indexing?: { done: number; total: number; message?: string };
  /** Set when storage (LanceDB) or the native runtime could not load. */
  storageError?: string;
  /**
   * Optional (added by the UI layer): false until the workspace has been searched for bibliographies once, so
   * the panel says "looking for bibliographies" rather than "no bibliography found" at startup. When absent the
   * UI infers it (a status with `indexing`, files or entries has been seen).
   */
  scanned?: boolean;
}

export interface QueryOptions {
  k: number;
  /** Keys not to return (e.g. already cited in the paragraph). */
  excludeKeys?: string[];
  minScore?: number;
  signal?: AbortSignal;
}

export interface Services extends vscode.Disposable {
  status(): IndexStatus;
  readonly onDidChangeStatus: vscode.Event<IndexStatus>;
  /** Free text / cursor context → ranked entries (adhoc_query vector + full text, fused). */
  suggest(text: string, opts: QueryOptions): Promise<PaperHit[]>;
  /** Entries similar to the entry `key` (its proximity vector). */
  similar(key: string, opts: QueryOptions): Promise<PaperHit[]>;
  /** Metadata of one entry, for "Open entry" and for marking cited keys. */
  lookup(key: string): PaperHit | undefined;
  /** Full (re)index of the workspace bibliographies with progress + cancellation. */
  reindex(progress?: (done: number, total: number, message?: string) => void, token?: AbortSignal): Promise<void>;
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
}
