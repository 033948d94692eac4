/**
 * Hover content of a citation key: title, authors, year, venue, DOI/URL, the first sentences of the abstract, and
 * the extension's own command links. Everything that came from a bibliography is escaped: the host renders this
 * Markdown with only our commands trusted, without HTML. Pure: no `vscode` import.
 */
import { splitSentences } from '../editor/sentences';

export interface HoverEntry {
  key: string;
  title: string;
  authors: string[];
  year?: number | null;
  venue?: string | null;
  abstract?: string;
  file: string;
  line: number;
}

export interface HoverLinks {
  /** A safe http(s) link for the entry (its DOI or URL), validated by the caller, or undefined. */
  link?: string;
  /** Command ids (the extension's own) for "Similar papers" and "Open entry". */
  similarCommand: string;
  openCommand: string;
}

/** Escapes every Markdown-significant character and `<`/`>`/`&` (no HTML, no links, no emphasis from a .bib). */
export function escapeMarkdown(s: string): string {
  return s
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ' ')
    .replace(/[\\`*_{}\[\]()#+\-.!|~:]/g, '\\$&')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\s*\n\s*/g, ' ');
}

function commandLink(label: string, command: string, args: unknown[]): string {
  return `[${label}](command:${command}?${encodeURIComponent(JSON.stringify(args))})`;
}

/** The first sentences of an abstract, at most `maxChars` (cut at a word). */
export function abstractLead(abstract: string, sentences = 2, maxChars = 400): string {
  const text = abstract.replace(/\s+/g, ' ').trim();
  if (!text) return '';
  const spans = splitSentences(text);
  let out = spans.length ? text.slice(spans[0]!.start, spans[Math.min(sentences, spans.length) - 1]!.end) : text;
  if (out.length > maxChars) out = out.slice(0, maxChars).replace(/\s+\S*$/, '') + ' …';
  return out;
}

function authorsLine(authors: readonly string[]): string {
  if (authors.length <= 4) return authors.join('; ');
  return `${authors.slice(0, 3).join('; ')}; … (${authors.length} authors)`;
}

export function hoverMarkdown(entries: readonly HoverEntry[], links: HoverLinks): string {
  const e = entries[0];
  if (!e) return '';
  const parts: string[] = [];
  parts.push(`**${escapeMarkdown(e.title || e.key)}**`);
  const meta = [authorsLine(e.authors), e.year ? String(e.year) : '', e.venue ?? ''].filter(Boolean).map(escapeMarkdown);
  if (meta.length) parts.push(meta.join(' · '));
  if (links.link) parts.push(`[${escapeMarkdown(links.link)}](${links.link.replace(/[()\s<>]/g, encodeURIComponent)})`);
  const lead = abstractLead(e.abstract ?? '');
  if (lead) parts.push(`*${escapeMarkdown(lead)}*`);
  parts.push(
    [
      commandLink('Similar papers', links.similarCommand, [e.key]),
      commandLink('Open entry', links.openCommand, [e.key, e.file, e.line]),
      escapeMarkdown(`${e.file.split(/[\\/]/).pop()}:${e.line}`),
    ].join(' · '),
  );
  if (entries.length > 1) parts.push(escapeMarkdown(`defined ${entries.length} times (${entries.map((x) => `${x.file.split(/[\\/]/).pop()}:${x.line}`).join(', ')})`));
  return parts.join('\n\n');
}
