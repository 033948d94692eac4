/**
 * What the UI may do with a hit (rows → PaperHit is `entryToPaper`, one entry per key `oneEntryPerKey`, both in
 * core/index/paper.ts). Pure: no
 * `vscode` import, so it is tested on real parsed bibliographies.
 */
import * as path from 'node:path';
import type { PaperHit } from './serviceApi';

/**
 * Why `key` must not be inserted as a citation, or undefined when it may be. A generated key exists in no
 * bibliography, so the citation would not resolve (LaTeX "?", Pandoc "citation not found"). The panel
 * hides Insert for such entries; this is the host's own check (a palette command or a stale panel can
 * still ask). A key the index does not know is inserted as asked: the user may cite from elsewhere.
 */
export function notCitableReason(key: string, hit: Pick<PaperHit, 'syntheticKey' | 'file' | 'line'> | undefined): string | undefined {
  if (!hit?.syntheticKey) return undefined;
  return (
    `"${key}" is not a citation key: the entry in ${path.basename(hit.file)}:${hit.line} has no citation key ` +
    `(it was generated to identify the entry), so no bibliography defines it and the citation would not resolve. ` +
    `Add the paper to a .bib or CSL file with a key, or use "Copy key" / "Open entry".`
  );
}
