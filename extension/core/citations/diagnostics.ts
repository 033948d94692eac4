/**
 * Citation diagnostics of a document, designed not to be noisy:
 *   - undefined-key (warning): a cited key that no bibliography the document sees defines, with quick fixes
 *     offering the closest keys by edit distance and by a title search on the key's words;
 *   - duplicate-key (warning, on every definition): one key defined in several files with different content;
 *   - NO unused-entry diagnostics (a database-style .bib holds far more than one paper cites).
 * `\nocite{*}` (which cites everything, a key nobody defines) and `\bibitem` keys of a `thebibliography`
 * environment are honoured, and a document that names its bibliographies only sees those.
 * Pure: no `vscode` import.
 */
import { byKey, fold, type CatalogEntry } from './catalog';
import { citationsOf, lineCol, scopeCatalog, type DocText } from './document';
import { bibliographyDirectives, isQuartoCrossRef, type Citation } from './grammar';
import type { SearchDeps } from './completion';
import { planCitation } from '../editor/citation';

export type CitationDiagnosticCode = 'undefined-key' | 'duplicate-key' | 'citation-check';

export interface CitationFix {
  /** "Replace with vaswani2017attention", "Add vaswani2017attention". */
  title: string;
  kind: 'replace' | 'add';
  key: string;
}

export interface CitationDiagnostic {
  file: string;
  /** [start, end) offsets in the file (the key's own range). */
  start: number;
  end: number;
  /** 1-based line and column of `start`. */
  line: number;
  col: number;
  severity: 'warning' | 'information';
  code: CitationDiagnosticCode;
  key: string;
  message: string;
  fixes: CitationFix[];
}

/**
 * Levenshtein distance, stopping early above `max` (returns max + 1). Hand-written because it is a dozen lines and
 * the bound matters: it runs against every key of a 10k-entry library for each undefined key.
 */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      cur.push(v);
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

/** The closest known keys to `key` by edit distance (case-insensitive), best first. */
export function closestKeys(key: string, keys: Iterable<string>, n = 3): string[] {
  const k = fold(key);
  const max = Math.max(2, Math.floor(k.length / 4));
  const scored: { key: string; d: number }[] = [];
  for (const cand of keys) {
    const d = editDistance(k, fold(cand), max);
    if (d <= max) scored.push({ key: cand, d });
  }
  return scored.sort((a, b) => a.d - b.d || (a.key < b.key ? -1 : 1)).slice(0, n).map((s) => s.key);
}

/** `vaswani2017attention` → "vaswani 2017 attention" (what a title search can use). */
export function keyWords(key: string): string {
  return key
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/(\p{L})(\p{N})|(\p{N})(\p{L})/gu, (_m, a, b, c, d) => (a ? `${a} ${b}` : `${c} ${d}`))
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

export interface DiagnosticOptions {
  /** For title-search fixes of undefined keys (lexical or hybrid); without it only edit-distance fixes. */
  search?: SearchDeps['search'];
  maxFixes?: number;
  signal?: AbortSignal;
}

/** Undefined keys of one document (warnings on the key ranges). */
export async function undefinedKeyDiagnostics(doc: DocText, catalog: readonly CatalogEntry[], opts: DiagnosticOptions = {}, citations: Citation[] = citationsOf(doc.text, doc.language)): Promise<CitationDiagnostic[]> {
  const directives = bibliographyDirectives(doc.text, doc.language);
  const { entries, scoped } = scopeCatalog(doc, catalog, directives);
  const known = byKey(entries);
  const bibitems = new Set(directives.bibitems.map((b) => b.key));
  const maxFixes = opts.maxFixes ?? 3;
  const out: CitationDiagnostic[] = [];
  const fixCache = new Map<string, CitationFix[]>();
  for (const c of citations) {
    for (const k of c.keyRanges) {
      if (k.key === '*' || known.has(k.key) || bibitems.has(k.key)) continue;
      if (c.syntax.startsWith('pandoc') && isQuartoCrossRef(k.key)) continue;
      let fixes = fixCache.get(k.key);
      if (!fixes) {
        const names = new Set(closestKeys(k.key, known.keys(), maxFixes));
        if (opts.search && !opts.signal?.aborted) {
          const words = keyWords(k.key);
          if (words) {
            try {
              for (const h of await opts.search({ text: words, k: maxFixes, signal: opts.signal })) if (known.has(h.key)) names.add(h.key);
            } catch {
              // a failed title search leaves the edit-distance fixes; the diagnostic itself stands
            }
          }
        }
        fixes = [...names].slice(0, maxFixes * 2).map((n) => ({ title: `Replace with ${n}`, kind: 'replace' as const, key: n }));
        fixCache.set(k.key, fixes);
      }
      const { line, col } = lineCol(doc.text, k.start);
      const where = scoped ? `the bibliographies this document names (${directives.files.join(', ')})` : 'any indexed bibliography';
      out.push({
        file: doc.file, start: k.start, end: k.end, line, col, severity: 'warning', code: 'undefined-key', key: k.key,
        message: `Citation key "${k.key}" is not defined in ${where}${fixes.length ? `; did you mean ${fixes.map((f) => f.key).join(', ')}?` : ''}`,
        fixes,
      });
    }
  }
  return out;
}

/** A key defined in several files with different content: a warning on every definition (1-based line, col 1). */
export function duplicateKeyDiagnostics(catalog: readonly CatalogEntry[]): CitationDiagnostic[] {
  const out: CitationDiagnostic[] = [];
  for (const [key, list] of byKey(catalog)) {
    if (list.length < 2 || new Set(list.map((e) => e.content)).size < 2) continue;
    for (const e of list) {
      const others = list.filter((o) => o !== e).map((o) => `${o.file}:${o.line}`);
      out.push({
        file: e.file, start: 0, end: 0, line: e.line, col: 1, severity: 'warning', code: 'duplicate-key', key,
        message: `Key "${key}" is also defined with different content in ${others.join(', ')}; citations of it are ambiguous`,
        fixes: [],
      });
    }
  }
  return out;
}

/** The text edit of a fix: replace the key's own text, or merge the key into the same citation. */
export function fixEdit(doc: DocText, d: Pick<CitationDiagnostic, 'start' | 'end'>, fix: CitationFix): { offset: number; deleteLength: number; insertText: string } {
  if (fix.kind === 'replace') return { offset: d.start, deleteLength: d.end - d.start, insertText: fix.key };
  const e = planCitation(doc.text, doc.language, d.end, fix.key);
  return { offset: e.offset, deleteLength: e.deleteLength, insertText: e.insertText };
}
