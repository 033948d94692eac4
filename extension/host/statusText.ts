/** Wording of the status bar item (pure: no `vscode` import, unit-tested). */
import type { IndexStatus } from './serviceApi';

const nf = new Intl.NumberFormat('en-US');

/** Text and tooltip for a status (pure, exported for tests of the wording). */
export function statusBarText(s: IndexStatus, scanned = true): { text: string; tooltip: string } {
  if (!scanned && !s.indexing && s.storageError === undefined) {
    return { text: '$(book) Related Papers', tooltip: 'Related Papers: open the view or a LaTeX/Markdown/Typst document to index this workspace' };
  }
  if (s.storageError !== undefined) {
    return { text: '$(error) Related Papers', tooltip: `Index storage unavailable: ${s.storageError}` };
  }
  const embedding = s.embedding && s.embedding.embedded < s.embedding.embeddable
    ? `${nf.format(s.embedding.embedded)} of ${nf.format(s.embedding.embeddable)} papers embedded`
    : undefined;
  if (s.indexing) {
    return {
      text: `$(sync~spin) Indexing ${nf.format(s.indexing.done)}/${nf.format(s.indexing.total)}`,
      tooltip: [s.indexing.message ?? 'Indexing bibliographies', embedding].filter(Boolean).join('; '),
    };
  }
  const papers = `${nf.format(s.entries)} ${s.entries === 1 ? 'paper' : 'papers'}`;
  const model =
    s.model.kind === 'ready'
      ? `SPECTER2 (${s.model.precision})`
      : s.model.kind === 'loading'
        ? 'loading the model'
        : s.model.kind === 'missing'
          ? `model not downloaded — lexical results only`
          : `model failed — lexical results only: ${s.model.message}`;
  const warn = s.lexicalOnly ? ' $(warning)' : '';
  return {
    text: `$(book) ${papers}${warn}`,
    tooltip: `Related Papers: ${papers} from ${nf.format(s.files)} ${s.files === 1 ? 'file' : 'files'}; ${model}${s.precisionNote ? ` — ${s.precisionNote}` : ''}${embedding ? `; ${embedding}` : ''}`,
  };
}
