/** The CLI's streams, injectable so commands are tested in-process. */
export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** A usage or input error: printed as one line, exit code 2 (1 for runtime failures). */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
    this.name = 'CliError';
  }
}

/** Reads JSON Lines from a stream, yielding {line number, value}; a bad line is a CliError naming it. */
export async function* readJsonLines(stream: NodeJS.ReadableStream): AsyncGenerator<{ line: number; value: unknown }> {
  const readline = await import('node:readline');
  const rl = readline.createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const raw of rl) {
    n++;
    const text = String(raw).trim();
    if (text === '') continue;
    try {
      yield { line: n, value: JSON.parse(text) };
    } catch (e) {
      throw new CliError(`stdin line ${n}: not valid JSON (${(e as Error).message})`);
    }
  }
}
