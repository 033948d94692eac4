/**
 * Shared data types of the core (no `vscode` import anywhere under extension/core).
 * Data flows one way: files → parse (BibRecord + Diagnostic) → embed → store → rank.
 */

/** One bibliography entry, normalised from BibTeX/BibLaTeX, CSL-JSON/YAML or a Markdown list. */
export interface BibRecord {
  /** Citation key as written in the source (or a synthetic stable key, see `syntheticKey`). */
  key: string;
  /** Entry type: `article`, `inproceedings`, CSL `article-journal`, `markdown-item`, … (lower-case). */
  type: string;
  /** Title with LaTeX decoded to Unicode and braces removed; may be "" when absent. */
  title: string;
  /** Abstract, decoded like the title; "" when absent. */
  abstract: string;
  /** "Family, Given" or a literal name, in source order. */
  authors: string[];
  /** Four-digit year when known, else undefined. */
  year?: number;
  /** Journal / booktitle / container-title. */
  venue?: string;
  doi?: string;
  url?: string;
  arxivId?: string;
  /** Absolute path of the file the entry came from. */
  file: string;
  /** 1-based line of the entry's first character (the `@` of a BibTeX entry). */
  line: number;
  /** True when the key was synthesised (Markdown reading lists without a key). */
  syntheticKey?: boolean;
}

/** A problem in an input file. Never thrown: collected and shown (VS Code Problems panel, CLI JSON). */
export interface SourceDiagnostic {
  file: string;
  /** 1-based line. */
  line: number;
  message: string;
  severity: 'error' | 'warning' | 'info';
  /** Citation key when the problem is about one entry. */
  key?: string;
}

/** The result of parsing one bibliography file. */
export interface ParseResult {
  records: BibRecord[];
  diagnostics: SourceDiagnostic[];
}
