/**
 * Markdown (.md/.qmd/.Rmd) bibliographies:
 *  - YAML metadata (front matter, or a pandoc metadata block elsewhere) with `references:` (CSL-YAML) and
 *    `bibliography:` (linked files, returned resolved so the indexer can add them);
 *  - ```bibtex fenced blocks (READMEs' "Citations" sections) parsed with the BibTeX reader;
 *  - list items / numbered paragraphs under a References/Bibliography/Works cited/Reading list heading, and paper-like
 *    list items or table rows anywhere (they carry an arXiv id or DOI, or a link to a paper host), turned best-effort
 *    into records with a stable synthetic key.
 * Structure (headings, lists, fences, tables with line maps) comes from markdown-it; only the text of one item is
 * picked apart with regular expressions.
 */
import * as path from 'node:path';
import MarkdownIt from 'markdown-it';
import { LineCounter, parseDocument, isMap } from 'yaml';
import type { BibRecord, SourceDiagnostic } from '../types';
import { parseBibtexText } from './bibtex';
import { cslItemsFromYaml, finishRecords, yamlDiagnostics } from './csl';
import { arxivIdFromText, normaliseDoi } from './identifiers';

export interface MarkdownParseResult {
  records: BibRecord[];
  diagnostics: SourceDiagnostic[];
  rawTexts: string[];
  linkedBibliographies: string[];
}

// "Literature notes" (Obsidian) are notes, not references: only "literature cited" counts.
const REFERENCE_HEADING = /^(?:references?|bibliography|works cited|reading list|citations?|literature cited|cited literature|further reading|papers|sources|cited works)\b/i;
const PAPER_HOST = /(?:arxiv\.org|doi\.org|openreview\.net|aclanthology\.org|aclweb\.org\/anthology|papers\.nips\.cc|proceedings\.(?:neurips|mlr)|dl\.acm\.org|ieeexplore\.ieee\.org|semanticscholar\.org|link\.springer\.com|sciencedirect\.com|jmlr\.org|openaccess\.thecvf\.com|\.pdf\b)/i;
const GENERIC_LINK_TEXT = /^(?:\[?pdf\]?|paper|code|arxiv|link|html|video|slides?|blog|tweet|project(?: page)?|website|github|official|supp(?:lementary)?|poster|demo|doi|here|url)$/i;

let md: InstanceType<typeof MarkdownIt> | undefined;
function markdown(): InstanceType<typeof MarkdownIt> {
  md ??= new MarkdownIt({ html: false, linkify: false });
  return md;
}

interface Block {
  start: number; // 0-based first line
  end: number; // 0-based line after the block
}

/** YAML metadata blocks: front matter at line 0, or pandoc-style blocks elsewhere (`---` after a blank line). */
function yamlBlocks(lines: string[]): (Block & { yaml: string })[] {
  const blocks: (Block & { yaml: string })[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^---\s*$/.test(lines[i])) continue;
    if (i > 0 && lines[i - 1].trim() !== '' && !/^(?:```|%)/.test(lines[i - 1])) continue;
    if (i + 1 >= lines.length || lines[i + 1].trim() === '') continue;
    let j = i + 1;
    while (j < lines.length && !/^(?:---|\.\.\.)\s*$/.test(lines[j])) j++;
    if (j >= lines.length) break;
    blocks.push({ start: i, end: j + 1, yaml: lines.slice(i + 1, j).join('\n') });
    i = j;
  }
  return blocks;
}

export function parseMarkdownText(file: string, text: string): MarkdownParseResult {
  const diagnostics: SourceDiagnostic[] = [];
  const candidates: { record: BibRecord; raw: string }[] = [];
  const linked: string[] = [];
  const lines = text.split(/\r?\n/);

  const mdLines = [...lines];
  for (const block of yamlBlocks(lines)) {
    const isFrontMatter = block.start === 0;
    const lineCounter = new LineCounter();
    const doc = parseDocument(block.yaml, { lineCounter, uniqueKeys: false, prettyErrors: false });
    if (!isMap(doc.contents)) continue;
    const hasRefs = doc.contents.has('references');
    const bib = doc.contents.get('bibliography');
    if (!isFrontMatter && !hasRefs && bib === undefined) continue;
    // Hide the metadata from markdown-it (blank lines keep its line map aligned with the file).
    for (let l = block.start; l < block.end; l++) mdLines[l] = '';
    const offset = block.start + 1; // YAML line 1 is file line block.start + 2
    diagnostics.push(...yamlDiagnostics(doc, lineCounter, file, offset));
    candidates.push(...cslItemsFromYaml(doc, lineCounter, file, offset, diagnostics));
    const bibValues = typeof bib === 'string' ? [bib] : bib && typeof bib === 'object' ? (doc.toJS() as { bibliography?: unknown }).bibliography : [];
    if (Array.isArray(bibValues)) {
      for (const b of bibValues) if (typeof b === 'string' && b.trim()) linked.push(path.resolve(path.dirname(file), b.trim()));
    }
  }

  const tokens = markdown().parse(mdLines.join('\n'), {});
  let refSection: number | undefined; // heading level of the enclosing references section
  let itemDepth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.type === 'heading_open') {
      const level = Number(t.tag.slice(1));
      const title = (tokens[i + 1]?.content ?? '').replace(/[^\p{L}\p{N} ]/gu, '').trim();
      if (refSection !== undefined && level <= refSection) refSection = undefined;
      if (REFERENCE_HEADING.test(title)) refSection = level;
      continue;
    }
    if (t.type === 'fence' && /^(?:bibtex|bib|biblatex|latex)\b/i.test(t.info.trim()) && t.map) {
      if (!/@\s*[a-z]+\s*[{(]/i.test(t.content)) continue;
      const sub = parseBibtexText(file, t.content);
      const shift = t.map[0] + 1; // the fence's first content line
      sub.records.forEach((r, k) => candidates.push({ record: { ...r, line: r.line + shift }, raw: sub.entryHashes[k] }));
      for (const d of sub.diagnostics) diagnostics.push({ ...d, line: d.line + shift });
      continue;
    }
    if (t.type === 'list_item_open') {
      itemDepth++;
      // The item's own text: the first inline token inside it.
      const inline = tokens[i + 2]?.type === 'inline' ? tokens[i + 2] : undefined;
      if (inline?.map) {
        const rec = recordFromReferenceText(inline.content, file, inline.map[0] + 1, refSection !== undefined);
        if (rec) candidates.push({ record: rec, raw: inline.content });
      }
      continue;
    }
    if (t.type === 'list_item_close') {
      itemDepth--;
      continue;
    }
    if (t.type === 'paragraph_open' && itemDepth === 0 && refSection !== undefined) {
      // Numbered references written as paragraphs: one reference per line starting with "[12]" or "12.".
      const inline = tokens[i + 1];
      if (inline?.type !== 'inline' || !inline.map) continue;
      inline.content.split("\n").forEach((lineText: string, k: number) => {
        if (!/^\s*(?:\[\d+\]|\d+\.)\s+/.test(lineText)) return;
        const rec = recordFromReferenceText(lineText, file, inline.map![0] + 1 + k, true);
        if (rec) candidates.push({ record: rec, raw: lineText });
      });
      continue;
    }
    if (t.type === 'tr_open' && t.map) {
      // Paper tables ("| 1) Title  Summary … | [Paper](https://arxiv.org/abs/…) |"): first cell = title (+ summary).
      const cells: string[] = [];
      for (let j = i + 1; j < tokens.length && tokens[j].type !== 'tr_close'; j++) if (tokens[j].type === 'inline') cells.push(tokens[j].content);
      const row = cells.join(' | ').slice(0, 20 * MAX_REFERENCE_CHARS);
      if (!arxivIdFromText(row) && !findDoi(row)) continue;
      const rec = recordFromTableRow(cells, file, t.map[0] + 1);
      if (rec) candidates.push({ record: rec, raw: row });
    }
  }
  const finished = finishRecords(file, candidates, diagnostics);
  diagnostics.sort((a, b) => a.line - b.line);
  return { ...finished, diagnostics, linkedBibliographies: [...new Set(linked)] };
}

function findDoi(s: string): string | undefined {
  // DOIs may contain balanced parentheses (10.1016/0010-0277(88)90031-5); a closing one without its opener ends it.
  const m = /(?:doi\.org\/|doi:\s*)?(10\.\d{4,9}\/(?:[^\s()[\]<>"',;]|\([^\s()]*\))+)/i.exec(s);
  return m ? normaliseDoi(m[1]) : undefined;
}

/** Citation key written in the item itself: Obsidian `[[@key]]` / `[[@key|alias]]` or pandoc `[@key]`. */
function explicitKey(s: string): string | undefined {
  const m = /\[\[@([^\]|\s]+)(?:\|[^\]]*)?\]\]/.exec(s) ?? /\[@([\w:.#$%&+?<>~/-]+)\]/.exec(s);
  return m?.[1];
}

function stripInline(s: string): string {
  return s
    .replace(/\[\[@?([^\]|]*)\|([^\]]*)\]\]/g, '$2')
    .replace(/\[\[@?([^\]]*)\]\]/g, '$1')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, ' ')
    .replace(/[*_`]+/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}

function cleanTitle(s: string): string {
  return stripInline(s).replace(/^["“'‘]+|["”'’]+$/g, '').replace(/[.,;:\s]+$/, '').trim();
}

const NAME_SPLIT = /\s*(?:,\s*(?:and\s+|&\s*)?|\s+and\s+|\s*&\s*)/;

/** "Vaswani, A., Shazeer, N., & Parmar, N." → ["Vaswani, A.", …]; "A. Author, B. Other" → ["Author, A.", …]. */
export function parseAuthorList(s: string): string[] {
  const cleaned = stripInline(s).replace(/\bet al\.?/gi, '').replace(/[.,;:\s]+$/, '').trim();
  if (!cleaned) return [];
  const tokens = cleaned.split(NAME_SPLIT).map((x) => x.trim()).filter(Boolean);
  // "Tomasello, Michael" / "Menary, Richard, Clark, Andy": single-word tokens in even number with no "and"/"&"
  // are "Family, Given" pairs (a list of bare surnames would be joined with "and"/"&").
  if (tokens.length % 2 === 0 && !/\s(?:and|&)\s|&/.test(cleaned) && tokens.every((t) => !/\s/.test(t))) {
    const pairs: string[] = [];
    for (let i = 0; i < tokens.length; i += 2) pairs.push(`${tokens[i]}, ${tokens[i + 1]}`);
    return pairs.filter((n) => /\p{L}/u.test(n) && n.length < 80);
  }
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i];
    const next = tokens[i + 1];
    if (next && /^(?:\p{Lu}\.?[\s-]?){1,3}$/u.test(next) && !/\s/.test(tok)) {
      out.push(`${tok}, ${next}`);
      i++;
    } else if (/\s/.test(tok)) {
      const words = tok.split(/\s+/);
      out.push(`${words[words.length - 1]}, ${words.slice(0, -1).join(' ')}`);
    } else out.push(tok);
  }
  return out.filter((n) => /\p{L}/u.test(n) && n.length < 80);
}

/** A run of "Family, I. I." names at the start of a reference, joined by commas, "and" or "&". */
const AUTHOR_RUN = /^((?:\p{Lu}[\p{L}'’-]+(?:\s\p{Lu}[\p{L}'’-]+)*,\s(?:\p{Lu}\.\s?(?:-\p{Lu}\.\s?)?)+(?:,?\s?(?:and|&)\s|,\s)?)+)\s*(.+)$/u;

function yearOf(s: string): number | undefined {
  const m = /\((?:[^()]*?\b)?((?:19|20)\d{2})[a-z]?\)/.exec(s) ?? /\b((?:19|20)\d{2})\b/.exec(s);
  return m ? Number(m[1]) : undefined;
}

/** Best-effort record from one reference line / list item; undefined when it does not look like a reference. */
/** References are short; capping the text keeps the regular expressions below linear-time on hostile input. */
const MAX_REFERENCE_CHARS = 2000;

export function recordFromReferenceText(raw: string, file: string, line: number, inReferenceSection: boolean): BibRecord | undefined {
  const text = raw.slice(0, MAX_REFERENCE_CHARS).replace(/^\s*(?:\[\d+\]|\d+[.)])\s+/, '').trim();
  const arxivId = arxivIdFromText(text);
  const doi = findDoi(text);
  const links = [...text.matchAll(/(?<!!)\[([^\]]+)\]\(([^)\s]+)[^)]*\)/g)].map((m) => ({ text: m[1], url: m[2], index: m.index ?? 0, length: m[0].length }));
  const paperLink = links.find((l) => PAPER_HOST.test(l.url));
  if (!inReferenceSection && !arxivId && !doi && !paperLink) return undefined;
  const plain = stripInline(text);
  if (plain.split(/\s+/).length < 3 && !arxivId && !doi) return undefined;
  const year = yearOf(text);

  let title = '';
  let authors: string[] = [];
  const key = explicitKey(text);
  // A quoted title (MLA/Chicago style, Obsidian notes); searched in the plain text so wikilink aliases count.
  const quoted = /[“"]([^”"]{3,})[”"]?/.exec(plain);
  // Inside a references section an item must still look like a reference, not a note.
  if (inReferenceSection && !arxivId && !doi && !paperLink && !key && year === undefined && !quoted && !links.length) return undefined;
  const titled = links.find((l) => !GENERIC_LINK_TEXT.test(cleanTitle(l.text)) && cleanTitle(l.text).split(/\s+/).length >= 2);
  const bold = /\*\*([^*]+)\*\*|__([^_]+)__/.exec(text);
  const apa = /^(.+?)\s*\((?:19|20)\d{2}[a-z]?(?:,[^)]*)?\)\.?\s+(.+?[.?!])(?:\s|$)/.exec(plain);
  if (quoted && quoted[1].split(/\s+/).length >= 2) {
    // "Fodor & Pylyshyn (1988), “Title”, Venue" / "[[@key]], “Title”"
    title = cleanTitle(quoted[1]);
    let before = plain.slice(0, quoted.index);
    if (key) before = before.replace(key, '');
    authors = parseAuthorList(before.replace(/\((?:19|20)\d{2}[a-z]?\)/g, '').replace(/[\s,;:–—-]+$/, ''));
  } else if (titled && titled.index < 3) {
    // "- [Title](url) — Authors (2021)" / "[Title](url), Authors"
    title = cleanTitle(titled.text);
    const after = text.slice(titled.index + titled.length).replace(/\((?:19|20)\d{2}[a-z]?\)/g, '');
    const authorPart = after.replace(/^\s*[-—–:,.|]+\s*/, '').split(/\s[-—–|]\s|\[|\(/)[0];
    authors = parseAuthorList(authorPart);
  } else if (bold) {
    // "- **Title** (2016), A. Author et al. [[pdf]](url)"
    title = cleanTitle(bold[1] ?? bold[2]);
    const after = text.slice((bold.index ?? 0) + bold[0].length).replace(/\((?:19|20)\d{2}[a-z]?\)/g, '');
    authors = parseAuthorList(after.replace(/^\s*[-—–:,.]+\s*/, '').split(/\[|\(|\s[-—–|]\s/)[0]);
  } else if (apa) {
    // APA: "Author, A., & Other, B. (2020). Title. Venue. doi:…"
    authors = parseAuthorList(apa[1]);
    title = cleanTitle(apa[2]);
  } else if (titled) {
    title = cleanTitle(titled.text);
    authors = parseAuthorList(plain.slice(0, plain.indexOf(stripInline(titled.text))));
  } else if (AUTHOR_RUN.test(plain)) {
    // "Brown, C. and Green, D. On the naming of widgets. In Proc. …"
    const m = AUTHOR_RUN.exec(plain)!;
    authors = parseAuthorList(m[1]);
    title = cleanTitle(m[2].split(/(?<=[\p{Ll}\d)]{2})\.\s/u)[0]);
  } else {
    // "Authors. Title. Venue, 2020." (numbered reference style)
    const segments = plain.split(/(?<=[a-z0-9)\]"”])\.\s+(?=[A-Z0-9"“])/);
    if (segments.length >= 3) {
      authors = parseAuthorList(segments[0]);
      title = cleanTitle(segments[1]);
    } else title = cleanTitle(segments[0]);
  }
  if (!title && !arxivId && !doi) return undefined;
  const record: BibRecord = { key: key ?? '', type: 'markdown-item', title, abstract: '', authors, file, line };
  if (year !== undefined) record.year = year;
  if (doi) record.doi = doi;
  if (arxivId) record.arxivId = arxivId;
  const url = paperLink?.url ?? links[0]?.url;
  if (url && /^https?:\/\//i.test(url)) record.url = url;
  return record;
}

function recordFromTableRow(cells: string[], file: string, line: number): BibRecord | undefined {
  const row = cells.join(' | ').slice(0, 20 * MAX_REFERENCE_CHARS);
  const first = (cells[0] ?? '').slice(0, 10 * MAX_REFERENCE_CHARS);
  const m = /^\s*(?:\d+[.)]\s*)?(.+?)(?:\s{2,}|<br>)(.*)$/s.exec(first);
  const title = cleanTitle(m ? m[1] : first);
  if (!title) return undefined;
  const record: BibRecord = {
    key: '',
    type: 'markdown-item',
    title,
    abstract: m ? stripInline(m[2].replace(/<br>/gi, ' ')) : '',
    authors: [],
    file,
    line,
  };
  const arxivId = arxivIdFromText(row);
  const doi = findDoi(row);
  if (arxivId) record.arxivId = arxivId;
  if (doi) record.doi = doi;
  const link = /\]\((https?:\/\/[^)\s]+)\)/.exec(row);
  if (link) record.url = link[1];
  return record;
}
