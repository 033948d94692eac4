/**
 * CSL-JSON (Zotero / Better BibTeX exports) and CSL-YAML (`references:` lists, pandoc) → BibRecords.
 * Every value is untrusted: only strings/numbers of the expected shape are read; anything else is ignored.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Document, type Node as YamlNode } from 'yaml';
import type { BibRecord, SourceDiagnostic } from '../types';
import { LineIndex } from './lineIndex';
import { arxivIdFromText, normaliseDoi, yearFrom } from './identifiers';
import { syntheticKey, uniqueKey } from './syntheticKey';

export interface CslParseResult {
  records: BibRecord[];
  diagnostics: SourceDiagnostic[];
  /** Per record, the text its entry hash is computed from. */
  rawTexts: string[];
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (Array.isArray(v) && v.length && typeof v[0] === 'string') return v[0];
  return undefined;
}

// CSL allows a small HTML-like markup in titles (<i>, <b>, <sup>, <span class="nocase">).
function stripCslMarkup(s: string): string {
  return s.replace(/<\/?(?:i|b|sup|sub|sc|span)(?:\s[^<>]*)?>/gi, '').replace(/\s+/g, ' ').trim();
}

function cslYear(issued: unknown): number | undefined {
  if (issued === undefined || issued === null) return undefined;
  if (typeof issued === 'string' || typeof issued === 'number') return yearFrom(String(issued));
  if (Array.isArray(issued)) return issued.length ? cslYear(issued[0]) : undefined;
  if (typeof issued === 'object') {
    const o = issued as Record<string, unknown>;
    const parts = o['date-parts'];
    if (Array.isArray(parts) && Array.isArray(parts[0]) && parts[0].length) {
      const y = Number(parts[0][0]);
      if (Number.isInteger(y) && y >= 1000 && y <= 2999) return y;
    }
    if (o.year !== undefined) return yearFrom(String(o.year));
    return yearFrom(str(o.raw)) ?? yearFrom(str(o.literal));
  }
  return undefined;
}

function cslName(n: unknown): string | undefined {
  if (typeof n === 'string') return n.trim() || undefined;
  if (!n || typeof n !== 'object') return undefined;
  const o = n as Record<string, unknown>;
  const literal = str(o.literal);
  if (literal) return literal.trim();
  const family = [str(o['non-dropping-particle']), str(o.family)].filter(Boolean).join(' ').trim();
  const given = [str(o.given), str(o['dropping-particle'])].filter(Boolean).join(' ').trim();
  if (!family) return given || undefined;
  const suffix = str(o.suffix);
  return given ? `${family}, ${given}${suffix ? `, ${suffix}` : ''}` : family;
}

/**
 * Whether a value has CSL's shape: an `id` with a `type` or `title`, or a `title` with one of
 * `issued` / `author` / `container-title` / `DOI`. Not "any object with a title": a JSON file of
 * settings or of web pages must not become a bibliography.
 */
export function hasCslShape(v: unknown): boolean {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const id = typeof o.id === 'string' || typeof o.id === 'number';
  const title = typeof o.title === 'string';
  if (id && (typeof o.type === 'string' || title)) return true;
  return title && (o.issued !== undefined || Array.isArray(o.author) || typeof o['container-title'] === 'string' || typeof o.DOI === 'string');
}

/** One CSL item → record (key may be synthetic). Returns undefined for values that are not CSL items. */
export function cslItemToRecord(item: unknown, file: string, line: number): BibRecord | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  const o = item as Record<string, unknown>;
  const title = stripCslMarkup(str(o.title) ?? '');
  const key = (str(o['citation-key']) ?? str(o.citationKey) ?? str(o.id) ?? '').trim();
  if (!title && !key) return undefined;
  // CSL `author`/`editor`; Zotero/Better BibTeX JSON items use `creators` ({firstName, lastName} or {name}).
  const names = Array.isArray(o.author)
    ? o.author
    : Array.isArray(o.editor)
      ? o.editor
      : Array.isArray(o.creators)
        ? o.creators.map((c: unknown) => {
            const z = (c && typeof c === 'object' ? c : {}) as Record<string, unknown>;
            return { family: z.lastName, given: z.firstName, literal: z.name };
          })
        : [];
  const doi = normaliseDoi(str(o.DOI) ?? str(o.doi));
  const url = str(o.URL) ?? str(o.url);
  const venue = stripCslMarkup(
    str(o['container-title']) ?? str(o.publicationTitle) ?? str(o.proceedingsTitle) ?? str(o['event-title']) ?? str(o.event) ?? '',
  );
  const arxivId =
    arxivIdFromText(url) ??
    arxivIdFromText(doi) ??
    (/arxiv/i.test(str(o.archive) ?? str(o.publisher) ?? '') ? arxivIdFromText(`arXiv:${str(o.number) ?? ''}`) : undefined);
  const record: BibRecord = {
    key,
    type: (str(o.type) ?? str(o.itemType) ?? 'document').toLowerCase(),
    title,
    abstract: stripCslMarkup(str(o.abstract) ?? str(o.abstractNote) ?? ''),
    authors: names.map(cslName).filter((n): n is string => !!n),
    file,
    line,
  };
  const year = cslYear(o.issued ?? o.date);
  if (year !== undefined) record.year = year;
  if (venue) record.venue = venue;
  if (doi) record.doi = doi;
  if (url) record.url = url.trim();
  if (arxivId) record.arxivId = arxivId;
  return record;
}

/** Gives key-less records a synthetic key and reports duplicate keys (first kept). */
export function finishRecords(
  file: string,
  candidates: { record: BibRecord; raw: string }[],
  diagnostics: SourceDiagnostic[],
): { records: BibRecord[]; rawTexts: string[] } {
  const records: BibRecord[] = [];
  const rawTexts: string[] = [];
  const first = new Map<string, number>();
  const used = new Set<string>();
  for (const { record, raw } of candidates) {
    if (!record.key) {
      record.key = uniqueKey(syntheticKey(record), used);
      record.syntheticKey = true;
    } else if (first.has(record.key.toLowerCase())) {
      diagnostics.push({
        file,
        line: record.line,
        severity: 'warning',
        key: record.key,
        message: `duplicate key "${record.key}" (first defined at line ${first.get(record.key.toLowerCase())}); this entry is ignored, the first one is kept`,
      });
      continue;
    }
    first.set(record.key.toLowerCase(), record.line);
    used.add(record.key);
    records.push(record);
    rawTexts.push(raw);
  }
  return { records, rawTexts };
}

/** Offsets of the `{` of each element of the item array (top-level array, or the `items` array of a top object). */
function itemOffsets(text: string): number[] {
  const offsets: number[] = [];
  const stack: ('[' | '{')[] = [];
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (c === '{' && stack[stack.length - 1] === '[' && (stack.length === 1 || (stack.length === 2 && stack[0] === '{'))) offsets.push(i);
      stack.push(c);
    } else if (c === ']' || c === '}') stack.pop();
  }
  return offsets;
}

export function parseCslJsonText(file: string, text: string): CslParseResult {
  const diagnostics: SourceDiagnostic[] = [];
  const lines = new LineIndex(text);
  let data: Json;
  try {
    data = JSON.parse(text) as Json;
  } catch (err) {
    const msg = (err as Error).message;
    const pos = /position (\d+)/.exec(msg);
    diagnostics.push({ file, line: pos ? lines.lineOf(Number(pos[1])) : 1, severity: 'error', message: `invalid JSON: ${msg}` });
    return { records: [], diagnostics, rawTexts: [] };
  }
  let items: Json[];
  if (Array.isArray(data)) items = data;
  else if (data && typeof data === 'object' && Array.isArray((data as Record<string, Json>).items)) items = (data as Record<string, Json[]>).items;
  else if (hasCslShape(data)) items = [data];
  else {
    diagnostics.push({ file, line: 1, severity: 'info', message: 'JSON file is not a CSL-JSON bibliography (expected an array of items); skipped' });
    return { records: [], diagnostics, rawTexts: [] };
  }
  if (!items.some(hasCslShape)) {
    // Not a CSL file at all: ONE note, never one per item.
    diagnostics.push({ file, line: 1, severity: 'info', message: 'JSON file is not a CSL-JSON bibliography (no item has CSL\'s id/type/title/issued/author fields); skipped' });
    return { records: [], diagnostics, rawTexts: [] };
  }
  const offsets = itemOffsets(text);
  const candidates: { record: BibRecord; raw: string }[] = [];
  items.forEach((item, i) => {
    const line = offsets.length === items.length ? lines.lineOf(offsets[i]) : 1;
    const record = hasCslShape(item) ? cslItemToRecord(item, file, line) : undefined;
    if (record) candidates.push({ record, raw: JSON.stringify(item) });
    else diagnostics.push({ file, line, severity: 'warning', message: `item ${i + 1} is not a CSL item (no id with type/title, no title with issued/author); skipped` });
  });
  const finished = finishRecords(file, candidates, diagnostics);
  return { ...finished, diagnostics };
}

/** CSL items of a YAML document: its `references:` sequence, or the document itself when it is a sequence. */
export function cslItemsFromYaml(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  file: string,
  lineOffset: number,
  diagnostics: SourceDiagnostic[],
): { record: BibRecord; raw: string }[] {
  const root = doc.contents;
  let seq: YamlNode | null | undefined;
  if (isMap(root)) seq = root.get('references', true) as YamlNode | undefined;
  else if (isSeq(root)) seq = root;
  const out: { record: BibRecord; raw: string }[] = [];
  if (!isSeq(seq)) return out;
  const values: { line: number; value?: unknown; error?: string }[] = [];
  for (const node of seq.items) {
    const offset = (node as { range?: [number, number, number] }).range?.[0] ?? 0;
    const line = lineCounter.linePos(offset).line + lineOffset;
    try {
      values.push({ line, value: (node as YamlNode).toJS(doc) });
    } catch (err) {
      values.push({ line, error: (err as Error).message.split('\n')[0] });
    }
  }
  // A top-level YAML list that is not CSL at all (a config, a data file) gets ONE note; a `references:`
  // list is CSL by intent, so its bad items are reported one by one.
  if (!isMap(root) && !values.some((v) => hasCslShape(v.value))) {
    diagnostics.push({ file, line: 1 + lineOffset, severity: 'info', message: 'YAML file is not a CSL-YAML bibliography (no item has CSL\'s fields); skipped' });
    return out;
  }
  for (const { line, value, error } of values) {
    if (error !== undefined) {
      diagnostics.push({ file, line, severity: 'warning', message: `could not read YAML reference: ${error}` });
      continue;
    }
    const record = hasCslShape(value) ? cslItemToRecord(value, file, line) : undefined;
    if (record) out.push({ record, raw: JSON.stringify(value) });
    else diagnostics.push({ file, line, severity: 'warning', message: 'reference is not a CSL item (no id with type/title, no title with issued/author); skipped' });
  }
  return out;
}

const MAX_YAML_DIAGNOSTICS = 20;

export function yamlDiagnostics(doc: Document.Parsed, lineCounter: LineCounter, file: string, lineOffset: number): SourceDiagnostic[] {
  const all = [...doc.errors, ...doc.warnings];
  const shown = all.slice(0, MAX_YAML_DIAGNOSTICS).map((e) => ({
    file,
    line: lineCounter.linePos(e.pos[0]).line + lineOffset,
    severity: doc.errors.includes(e) ? ('error' as const) : ('warning' as const),
    message: `YAML: ${e.message.split('\n')[0]}`,
  }));
  if (all.length > shown.length) {
    shown.push({ file, line: shown[shown.length - 1].line, severity: 'warning', message: `YAML: ${all.length - shown.length} further problems not listed` });
  }
  return shown;
}

export function parseCslYamlText(file: string, text: string): CslParseResult {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  const diagnostics = yamlDiagnostics(doc, lineCounter, file, 0);
  const candidates = cslItemsFromYaml(doc, lineCounter, file, 0, diagnostics);
  const finished = finishRecords(file, candidates, diagnostics);
  return { ...finished, diagnostics };
}
