/**
 * The opt-in citation check: for each existing citation, rank the library against the sentence the citation
 * stands in (the same hybrid search as the panel: the sentence's query vector against the papers' proximity
 * vectors, plus BM25; lexical overlap only without a model). When a cited paper is not among the `rankK` best
 * entries for its own sentence while others are, say so (information severity) and offer "Replace with …" /
 * "Add …". One search per distinct sentence. Pure: no `vscode` import.
 */
import { extractContext } from '../editor/context';
import { byKey, type CatalogEntry } from './catalog';
import { citationsOf, lineCol, type DocText } from './document';
import type { Citation } from './grammar';
import type { CitationDiagnostic } from './diagnostics';
import type { SearchDeps, SearchHit } from './completion';

export interface CheckOptions {
  /** A cited paper outside this many best entries for its sentence is reported. */
  rankK?: number;
  /** Sentences with fewer words than this say too little to judge a citation. */
  minWords?: number;
  /** Parallel searches (each embeds one sentence) when `searchMany` is not given. */
  concurrency?: number;
  /** Batched search (SearchDeps.searchMany): the sentences are embedded in batches of `batch`. */
  searchMany?: SearchDeps['searchMany'];
  batch?: number;
  signal?: AbortSignal;
}

export async function citationCheck(doc: DocText, catalog: readonly CatalogEntry[], search: SearchDeps['search'], opts: CheckOptions = {}, citations: Citation[] = citationsOf(doc.text, doc.language)): Promise<CitationDiagnostic[]> {
  const rankK = opts.rankK ?? 10;
  const minWords = opts.minWords ?? 5;
  const known = byKey(catalog);
  // sentence text → the citations in it
  const bySentence = new Map<string, Citation[]>();
  for (const c of citations) {
    if (!c.keyRanges.some((k) => known.has(k.key))) continue;
    const sentence = extractContext(doc.text, c.start, doc.language, { sentencesBefore: 0, sentencesAfter: 0, maxChars: 1000 }).text;
    if (sentence.split(/\s+/).length < minWords) continue;
    const list = bySentence.get(sentence);
    if (list) list.push(c);
    else bySentence.set(sentence, [c]);
  }
  const sentences = [...bySentence.keys()];
  const ranked = new Map<string, SearchHit[]>();
  let next = 0;
  if (opts.searchMany) {
    const batch = opts.batch ?? 64;
    for (let i = 0; i < sentences.length && !opts.signal?.aborted; i += batch) {
      const part = sentences.slice(i, i + batch);
      const res = await opts.searchMany(part.map((text) => ({ text, k: rankK })), opts.signal);
      part.forEach((s, j) => ranked.set(s, res[j] ?? []));
    }
    next = sentences.length;
  }
  const worker = async () => {
    while (next < sentences.length && !opts.signal?.aborted) {
      const s = sentences[next++]!;
      ranked.set(s, await search({ text: s, k: rankK, signal: opts.signal }));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 2) }, worker));
  const out: CitationDiagnostic[] = [];
  for (const [sentence, cits] of bySentence) {
    const hits = ranked.get(sentence);
    if (!hits || hits.length === 0) continue;
    const top = hits.map((h) => h.key);
    for (const c of cits) {
      const inCitation = new Set(c.keys);
      const better = top.filter((k) => !inCitation.has(k) && known.has(k));
      if (better.length === 0) continue;
      for (const k of c.keyRanges) {
        if (!known.has(k.key) || top.includes(k.key)) continue;
        const best = better[0]!;
        const { line, col } = lineCol(doc.text, k.start);
        out.push({
          file: doc.file, start: k.start, end: k.end, line, col, severity: 'information', code: 'citation-check', key: k.key,
          message: `"${k.key}" is not among the ${rankK} library entries closest to this sentence; closer: ${better.slice(0, 3).join(', ')}`,
          fixes: [
            { title: `Replace with ${best}`, kind: 'replace', key: best },
            { title: `Add ${best}`, kind: 'add', key: best },
          ],
        });
      }
    }
  }
  return out;
}
