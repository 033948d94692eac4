/**
 * TREC topic and qrels files as ACM-CR ships them (../shared/corpora/eval/acm-cr):
 *   topics: <top> <num> Number: ID … <desc> Description: TEXT … </top>   (TEXT = the citation context)
 *   qrels:  TOPIC ITERATION DOCID GRADE                                  (DOCID = a DOI or a citation key)
 */
import type { EvalQuery } from './run';

export interface Topic { id: string; text: string }

/** Citation markers like "[12]", "[3, 4]", "[5–7]" would give the answer away (a draft has none yet): removed. */
const MARKERS = /\[\s*\d+(?:\s*[,–-]\s*\d+)*\s*\]/g;

export function parseTopics(text: string): Topic[] {
  const topics: Topic[] = [];
  for (const block of text.split('<top>').slice(1)) {
    const id = /<num>\s*(?:Number:)?\s*(\S+)/.exec(block)?.[1];
    const desc = /<desc>\s*(?:Description:)?\s*([\s\S]*?)(?:<narr>|<\/top>|$)/.exec(block)?.[1]
      ?? /<title>\s*([\s\S]*?)(?:<desc>|<narr>|<\/top>|$)/.exec(block)?.[1];
    if (!id || !desc) continue;
    topics.push({ id, text: desc.replace(MARKERS, ' ').replace(/\s+/g, ' ').trim() });
  }
  return topics;
}

/** Relevant ids per topic (grade > 0), lower-cased; lines that are not 4 fields are skipped. */
export function parseQrels(text: string): Map<string, Set<string>> {
  const rel = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4) continue;
    const [topic, , target, grade] = f;
    if (!(Number(grade) > 0)) continue;
    if (!rel.has(topic)) rel.set(topic, new Set());
    rel.get(topic)!.add(normaliseId(target));
  }
  return rel;
}

/** Topics with at least one relevant document become queries (ids of answers as in the qrels). */
export function trecQueries(topics: readonly Topic[], qrels: ReadonlyMap<string, ReadonlySet<string>>): EvalQuery[] {
  return topics.filter((t) => qrels.get(t.id)?.size && t.text).map((t) => ({ id: t.id, text: t.text, relevant: [...qrels.get(t.id)!] }));
}

/** DOIs are case-insensitive; "doi:" / "https://doi.org/" prefixes are dropped so both spellings match. */
export function normaliseId(id: string): string {
  return id.trim().toLowerCase().replace(/^(?:https?:\/\/(?:dx\.)?doi\.org\/|doi:)/, '');
}
