/** The hidden token prompt of `mdlibs login` (tools/cli/prompt.ts) on a terminal and on a pipe. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { promptSecret } from '../../tools/cli/prompt.js';

/** A stream readline takes for a terminal: isTTY, setRawMode recorded. */
function fakeTerminal(): PassThrough & { isTTY: boolean; setRawMode: (b: boolean) => unknown; raw: boolean[] } {
  const t = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[] });
  return Object.assign(t, { setRawMode: (b: boolean) => t.raw.push(b) });
}

describe('promptSecret', () => {
  it('reads a token typed on a terminal in raw mode and echoes none of it (it crashed: "output.on is not a function")', async () => {
    const stdin = fakeTerminal();
    let shown = '';
    const answer = promptSecret('Token: ', stdin, { write: (s: string) => (shown += s) });
    stdin.write('mdl_s3cretTokenValue\r');
    expect(await answer).toBe('mdl_s3cretTokenValue');
    expect(shown).toBe('Token: \n');
    expect(stdin.raw[0]).toBe(true); // no echo by the terminal while typing
    expect(stdin.raw.at(-1)).toBe(false); // and the terminal restored
  });

  it('reads the first line of a pipe', async () => {
    const stdin = new PassThrough();
    const answer = promptSecret('Token: ', stdin, { write: () => true });
    stdin.end('mdl_piped\nsecond line\n');
    expect(await answer).toBe('mdl_piped');
  });
});
