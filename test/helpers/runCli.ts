/** Runs the `related-papers` CLI through its real entry (`main`), in-process, with captured streams. */
import { Readable } from 'node:stream';
import { main } from '../../extension/cli/main';
import type { CliIO } from '../../extension/cli/io';

export async function runCli(args: string[], stdin = ''): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIO = { stdin: Readable.from([stdin]), stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => err.push(s) } };
  const code = await main(args, io);
  return { code, out: out.join(''), err: err.join('') };
}
