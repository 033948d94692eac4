/**
 * The fixed benchmark workload: real titles + abstracts from ../shared/corpora, in a stable order,
 * so that other implementations can be timed on exactly the same papers (bench/embed.ts prints
 * the token count of each paper in this order).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sharedPath } from '../test/helpers/shared';

export interface WorkloadPaper { id: string; title: string; abstract: string | null; source: string }

export function loadEmbedWorkload(): WorkloadPaper[] {
  const out: WorkloadPaper[] = [];
  const fromMeta = (rel: string) => {
    const file = sharedPath('corpora', 'eval', 'specter', ...rel.split('/'));
    const meta = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, { paper_id: string; title: string; abstract?: string | null }>;
    for (const id of Object.keys(meta).sort()) out.push({ id, title: meta[id].title, abstract: meta[id].abstract ?? null, source: `eval/specter/${rel}` });
  };
  fromMeta('sample-metadata.json');
  fromMeta('training/metadata.json');
  const papers = sharedPath('corpora', 'eval', 'acm-cr', 'papers');
  for (const venue of fs.readdirSync(papers).sort()) {
    for (const f of fs.readdirSync(path.join(papers, venue)).sort()) {
      const p = JSON.parse(fs.readFileSync(path.join(papers, venue, f), 'utf8')) as { doi: string; title: string; abstract?: string };
      out.push({ id: p.doi, title: p.title, abstract: p.abstract ?? null, source: `eval/acm-cr/papers/${venue}` });
    }
  }
  return out;
}
