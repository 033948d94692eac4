/** What the citation providers share: the services, the document language, the search as SearchDeps. */
import * as vscode from 'vscode';
import type { CatalogEntry } from '../../core/citations/catalog';
import { memoizeLastSearch, type SearchDeps } from '../../core/citations/completion';
import type { DocLanguage } from '../../core/citations/grammar';
import type { DocText } from '../../core/citations/document';
import { CursorFollower } from '../cursorFollower';
import type { Services } from '../serviceApi';

export const CITE_COMMANDS = {
  similarPapers: 'relatedPapers.similarPapers',
  openEntry: 'relatedPapers.openEntry',
} as const;

/** Documents citations are written in (the followed languages minus .bib). */
export const CITING_SELECTOR: vscode.DocumentSelector = [
  { scheme: 'file', language: 'latex' }, { scheme: 'file', language: 'tex' }, { scheme: 'file', language: 'markdown' },
  { scheme: 'file', language: 'quarto' }, { scheme: 'file', language: 'rmd' }, { scheme: 'file', language: 'typst' },
  { scheme: 'file', pattern: '**/*.{tex,latex,md,markdown,qmd,rmd,Rmd,typ}' },
  { scheme: 'untitled', language: 'latex' }, { scheme: 'untitled', language: 'markdown' },
];

export function citingLanguage(doc: vscode.TextDocument): DocLanguage | undefined {
  const lang = CursorFollower.languageOf(doc);
  return lang && lang !== 'bibtex' ? lang : undefined;
}

export function docText(doc: vscode.TextDocument, language: DocLanguage): DocText {
  return { file: doc.uri.scheme === 'file' ? doc.uri.fsPath : doc.uri.toString(), text: doc.getText(), language };
}

export interface CiteHost {
  services: () => Services;
  /** Begin indexing (idempotent): a citation request in a document is a reason to. */
  start: () => void;
  /** "Similar papers" for a key (the panel). */
  similar: (key: string) => Promise<void>;
  log: vscode.LogOutputChannel;
}

/** The catalog plus a search memoized per catalog version (a changed index never answers from the old one). */
export class CatalogView {
  private version: readonly CatalogEntry[] | undefined;
  private memo: SearchDeps['search'] | undefined;
  constructor(private readonly host: CiteHost) {}

  catalog(): readonly CatalogEntry[] {
    return this.host.services().citationCatalog?.() ?? [];
  }

  search(): SearchDeps['search'] {
    const cat = this.catalog();
    if (!this.memo || this.version !== cat) {
      this.version = cat;
      this.memo = memoizeLastSearch(async (q) =>
        // suggest() returns ranked hits: every one carries its calibrated relevance and band
        (await this.host.services().suggest(q.text, { k: q.k, excludeKeys: q.excludeKeys ? [...q.excludeKeys] : undefined, signal: q.signal }))
          .map((h) => ({ ...h, relevance: h.relevance ?? 0, band: h.band ?? 'weak' })));
    }
    return this.memo;
  }
}

export function tokenSignal(token: vscode.CancellationToken): AbortSignal {
  const ctl = new AbortController();
  if (token.isCancellationRequested) ctl.abort();
  else token.onCancellationRequested(() => ctl.abort());
  return ctl.signal;
}
