/** Reads a secret from the terminal without echoing it. */
import { createInterface } from 'node:readline';
import { cliError } from './errors.js';

type In = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (b: boolean) => unknown };

export async function promptSecret(question: string, stdin: In, out: { write(s: string): unknown }): Promise<string> {
  if (!stdin.isTTY) {
    // piped: read the first line (e.g. `echo $TOKEN | mdlibs login`)
    const rl = createInterface({ input: stdin, terminal: false });
    for await (const line of rl) {
      rl.close();
      return line.trim();
    }
    throw cliError('CLI_USAGE', 'no token given on standard input', 'pass --token <token>, pipe the token in, or run in a terminal to be prompted');
  }
  out.write(question);
  const muted = { write: () => true } as unknown as NodeJS.WritableStream;
  const rl = createInterface({ input: stdin, output: muted, terminal: true });
  try {
    const answer = await new Promise<string>((res) => rl.question('', res));
    return answer.trim();
  } finally {
    rl.close();
    out.write('\n');
  }
}
