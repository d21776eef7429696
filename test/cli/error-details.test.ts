/** `--json` errors carry their structured details as plain JSON data, never a secret. */
import { describe, expect, it } from 'vitest';
import { printableDetails } from '../../tools/cli/errors.js';

const TOKEN = `mdl_${'a1B2c3D4e5'.repeat(4)}`;

describe('error details in --json output', () => {
  it('keeps plain data and leaves out what is not JSON data', () => {
    expect(printableDetails({ status: 401, serverCode: 'MDL_TOKEN_INVALID', retryAfter: null, ok: true, list: [1, 'two', { three: 3 }] }))
      .toEqual({ status: 401, serverCode: 'MDL_TOKEN_INVALID', retryAfter: null, ok: true, list: [1, 'two', { three: 3 }] });
    expect(printableDetails({ n: Number.NaN, f: () => 1, big: 1n, u: undefined, err: new Error('x'), buf: Buffer.from('x'), when: new Date(0), url: new URL('https://a.example/') })).toBeUndefined();
    expect(printableDetails({ list: [undefined, () => 1, 2] })).toEqual({ list: [null, null, 2] });
    expect(printableDetails(undefined)).toBeUndefined();
    expect(printableDetails({})).toBeUndefined();
    const deep: Record<string, unknown> = {};
    let at = deep;
    for (let i = 0; i < 20; i++) at = (at.next = {}) as Record<string, unknown>;
    expect(JSON.stringify(printableDetails(deep)).split('next').length - 1).toBeLessThan(7);
  });

  it('never prints a token or credential: secret-named members are left out, URL user info and token secrets masked', () => {
    const d = printableDetails({
      token: TOKEN, accessToken: 'x', password: 'hunter2', credentials: { a: 1 }, Authorization: 'Bearer x', apiKey: 'k',
      nested: [{ secret: 's', url: 'https://bob:hunter2@registry.example/x', said: `refused ${TOKEN}` }],
    });
    expect(d).toEqual({ nested: [{ url: 'https://registry.example/x', said: 'refused mdl_…' }] });
    expect(JSON.stringify(d)).not.toMatch(/hunter2|a1B2c3D4e5|Bearer/);
  });
});
