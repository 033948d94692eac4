/**
 * Leave-one-out queries from a real draft: every citation occurrence becomes a query, built by the
 * product's own context extraction (editor/context.ts) at the citation's position, with the cited
 * key taken out of the document's citations (so it is neither in the text nor among the keys the
 * product hides as "already cited in this paragraph"); the cited key is the answer.
 */
import * as path from 'node:path';
import { extractContext, DEFAULT_CONTEXT_OPTIONS, type ContextOptions } from '../editor/context';
import { stripMarkup, type DocLanguage } from '../editor/markup';
import { followedLanguage } from '../editor/language';
import { normaliseId } from './trec';
import type { EvalQuery } from './run';

export function manuscriptLanguage(file: string): DocLanguage {
  const l = followedLanguage('plaintext', file);
  return l && l !== 'bibtex' ? l : 'plaintext';
}

export function manuscriptQueries(source: string, language: DocLanguage, label = 'doc', options: ContextOptions = DEFAULT_CONTEXT_OPTIONS): EvalQuery[] {
  const stripped = stripMarkup(source, language);
  const out: EvalQuery[] = [];
  stripped.citations.forEach((c, ci) => {
    for (const key of new Set(c.keys)) {
      const ctx = extractContext(source, c.start, language, options, stripped);
      if (!ctx.text) continue; // a citation outside prose (a caption command, a table cell): no query
      out.push({
        id: `${label}:${ci}:${key}`,
        text: ctx.text,
        relevant: [citedId(key)],
        excludeKeys: ctx.paragraphKeys.filter((k) => k !== key),
      });
    }
  });
  return out;
}

/**
 * The id a cited key answers to: the key itself, or for Manubot-style citations (`@doi:10.x/y`,
 * `@arxiv:2101.00001`, `@url:https://…`) the identifier, matched against the entries' DOI / arXiv id / URL.
 */
export function citedId(key: string): string {
  const m = /^(doi|arxiv|url):(.+)$/i.exec(key);
  if (!m) return key.toLowerCase();
  const kind = m[1].toLowerCase();
  return kind === 'doi' ? normaliseId(m[2]) : kind === 'arxiv' ? `arxiv:${m[2].toLowerCase()}` : `url:${m[2].trim().toLowerCase()}`;
}

/** The ids an index entry answers to (same normalisation as citedId / the qrels). */
export function entryIds(e: { key: string; doi: string | null; arxiv_id: string | null; url: string | null }): string[] {
  const ids = [e.key.toLowerCase()];
  if (e.doi) ids.push(normaliseId(e.doi));
  if (e.arxiv_id) ids.push(`arxiv:${e.arxiv_id.toLowerCase()}`);
  if (e.url) ids.push(`url:${e.url.trim().toLowerCase()}`);
  return ids;
}

/**
 * Bibliography files a manuscript names: LaTeX \bibliography{a,b} / \addbibresource{x.bib},
 * Markdown front matter `bibliography:` (one path or a list). Paths resolved against the document's folder.
 */
export function manuscriptBibliographies(source: string, file: string): string[] {
  const dir = path.dirname(file);
  const found: string[] = [];
  const text = source.replace(/(^|[^\\])%.*$/gm, '$1'); // LaTeX comments
  for (const m of text.matchAll(/\\bibliography\s*\{([^}]*)\}/g)) {
    for (const name of m[1].split(',').map((s) => s.trim()).filter(Boolean)) found.push(name.endsWith('.bib') ? name : `${name}.bib`);
  }
  for (const m of text.matchAll(/\\addbibresource(?:\[[^\]]*\])?\s*\{([^}]*)\}/g)) found.push(m[1].trim());
  const fm = /^---\r?\n([\s\S]*?)\r?\n(?:---|\.\.\.)\s*(?:\r?\n|$)/.exec(source);
  if (fm) {
    const lines = fm[1].split(/\r?\n/);
    lines.forEach((line, i) => {
      const m = /^bibliography:\s*(.*)$/.exec(line);
      if (!m) return;
      const v = m[1].trim();
      if (v.startsWith('[')) found.push(...v.slice(1, -1).split(',').map(unquote));
      else if (v) found.push(unquote(v));
      else for (let j = i + 1; j < lines.length && /^\s*-\s+/.test(lines[j]); j++) found.push(unquote(lines[j].replace(/^\s*-\s+/, '')));
    });
  }
  return [...new Set(found.filter(Boolean).map((f) => path.resolve(dir, f)))];
}

function unquote(s: string): string {
  return s.trim().replace(/^(['"])(.*)\1$/, '$2');
}
