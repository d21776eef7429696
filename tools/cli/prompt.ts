/** Reads a secret from the terminal without echoing it. */
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
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
  // readline in terminal mode puts the terminal in raw mode (no echo by the kernel) and echoes
  // what is typed to `output`: a stream that drops everything. It must be a real stream: readline
  // listens on it (`resize`), and a bare { write } object crashed every interactive login with
  // "output.on is not a function"
  const muted = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input: stdin, output: muted, terminal: true });
  out.write(question); // once the terminal echoes nothing: what is typed after it is never shown
  try {
    const answer = await new Promise<string>((res) => rl.question('', res));
    return answer.trim();
  } finally {
    rl.close();
    out.write('\n');
  }
}
