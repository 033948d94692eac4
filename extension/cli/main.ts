/**
 * `related-papers` — the command line on the same core as the extension.
 *   related-papers embed  …    embed JSON Lines with SPECTER2 (see embedCommand.ts)
 *   related-papers index  …    index bibliographies into a LanceDB folder
 *   related-papers query  …    ranked related papers / citation suggestions
 *   related-papers storage list|prune [--db DIR] [--vector-cache DIR] [--model-dir DIR] [--json]
      Index and vector-cache tables by model with their size; prune deletes those of other models.
 *   related-papers suggest FILE:LINE:COL … / check FILE …   citations in the line (see citeCommands.ts)
  related-papers model download --to DIR …   fetch the pinned SPECTER2 files (for offline machines)
 */
import { CliError, type CliIO } from './io';
import { embedCommand } from './embedCommand';
import { modelDownloadCommand } from '../../models/acquire/cli';
import { indexCommand, queryCommand } from './indexCommands';
import { cliDeps } from './deps';
import { storageCommand } from './storageCommand';
import { evalCommand } from './evalCommand';
import { checkCommand, suggestCommand } from './citeCommands';

export const USAGE = `related-papers — related papers and citation suggestions from your own bibliographies (SPECTER2)

Usage:
  related-papers index PATH... --db DIR [--model-dir DIR] [--vector-cache DIR|none] [--json]
      Index .bib / CSL-JSON / CSL-YAML / Markdown bibliographies (files or folders). Vectors are shared
      through the vector cache (default: the extension's, see README) so each paper is embedded once.
  related-papers query --db DIR [--model-dir DIR] (--text "…" | --key KEY | --queries FILE|-) [--k 10] [--vector-weight W] [--json]
      Rank the indexed entries against a text (adhoc_query adapter) or an entry (proximity vector).
  related-papers eval (--trec TOPICS QRELS --collection FILE.bib | --manuscript DOC [--bib FILE]) [--model-dir DIR] [--vector-weight W] [--k 10] [--json]
      Recall@5/10, nDCG@10, MRR of the lexical, vector and hybrid rankings on a TREC set or a draft's own citations.
  related-papers embed --model-dir DIR --adapter proximity|adhoc_query|classification|regression|none
                       [--precision fp32|int8] [--batch-tokens N]
      JSON Lines on stdin ({"id","title","abstract"} or {"id","text"}) → {"id","tokens","vector"} on stdout.
  related-papers storage list|prune [--db DIR] [--vector-cache DIR] [--model-dir DIR] [--json]
      Index and vector-cache tables by model with their size; prune deletes those of other models.
  related-papers suggest FILE:LINE:COL --db DIR [--model-dir DIR] [--k N] [--json]
      Citation suggestions for a cursor (1-based): the panel's / completion list's ranked entries.
  related-papers check FILE --db DIR [--model-dir DIR] [--citation-check] [--json]
      Citation diagnostics of a document: undefined keys (with closest-key fixes), conflicting duplicates.
  related-papers model download --to DIR [--manifest FILE] [--adapters proximity,adhoc_query] [--endpoint URL]
      Download the pinned SPECTER2 files (honours HF_ENDPOINT); copy DIR to an offline machine.

A model folder has the layout DIR/base/ + DIR/adapters/<name>/.
Exit codes: 0 ok (also when a bibliography has bad entries: they are reported), 1 runtime failure, 2 bad arguments or input.
`;

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  try {
    switch (cmd) {
      case undefined:
      case '-h':
      case '--help':
      case 'help':
        io.stdout.write(USAGE);
        return cmd === undefined ? 2 : 0;
      case 'embed':
        return await embedCommand(rest, io);
      case 'index':
        return await indexCommand(rest, io, cliDeps);
      case 'query':
        return await queryCommand(rest, io, cliDeps);
      case 'storage':
        return await storageCommand(rest, io);
      case 'eval': return await evalCommand(rest, io, cliDeps);
      case 'suggest': return await suggestCommand(rest, io, cliDeps);
      case 'check': return await checkCommand(rest, io, cliDeps);
      case 'model':
        if (rest[0] === 'download') return await modelDownloadCommand(rest.slice(1), io);
        throw new CliError(`unknown command "model ${rest[0] ?? ''}" (did you mean "model download"?)`);
      default:
        throw new CliError(`unknown command "${cmd}"; run related-papers --help`);
    }
  } catch (e) {
    const code = e instanceof CliError ? e.exitCode : (e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? 2 : 1;
    const msg = (e as Error).message.split('\n')[0];
    io.stderr.write(`related-papers: ${msg}\n`);
    return code;
  }
}

if (require.main === module) {
  main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
    (code) => { process.exitCode = code; },
    (e) => { process.stderr.write(`related-papers: ${(e as Error).message}\n`); process.exitCode = 1; },
  );
}
