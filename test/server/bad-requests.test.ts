/** Bad requests get clear JSON errors with the right status: headers, bodies, queries, routes, methods. */
import { request } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, resolveConfig, type RunningServer } from '../../static-server/src/index.js';
import { buildFixture, get, mintTokens, raw, startFixtureServer, type Fixture, type Tokens } from './fixture.js';

let f: Fixture;
let s: RunningServer;
let t: Tokens;
beforeAll(async () => {
  f = await buildFixture();
  s = await startFixtureServer(f, { rateLimitAnonymous: 0, rateLimitAuthenticated: 0, maxBodyBytes: 1024 });
  t = await mintTokens(s.store);
});
afterAll(() => s?.close());

const code = (text: string): string => (JSON.parse(text) as { error: { code: string } }).error.code;

function send(path: string, method: string, body: string | Buffer, headers: Record<string, string>): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: s.port, path, method, headers }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    r.on('error', reject);
    r.end(body);
  });
}

/** Writes `first`, then `drip` every `everyMs` until the server closes; what it answered and when. */
function slowClient(port: number, first: string, drip: string, everyMs: number): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const c = connect(port, '127.0.0.1', () => c.write(first));
    let text = '';
    const iv = setInterval(() => {
      if (!c.destroyed) c.write(drip);
    }, everyMs);
    c.on('data', (d: Buffer) => (text += d.toString()));
    c.on('error', () => undefined); // a write racing the close
    c.on('close', () => {
      clearInterval(iv);
      resolve({ text, ms: Date.now() - t0 });
    });
    setTimeout(() => {
      c.destroy();
      reject(new Error(`the server did not close a slow client in 10 s (got ${JSON.stringify(text)})`));
    }, 10_000).unref();
  });
}

describe('bad requests', () => {
  it('answers a client too slow to send its headers or its body with 408 MDL_REQUEST_TIMEOUT (was 400 "malformed HTTP request")', async () => {
    const own = await startFixtureServer(f, { rateLimitAnonymous: 0, rateLimitAuthenticated: 0, headersTimeoutMs: 400, requestTimeoutMs: 800 });
    try {
      const token = (await mintTokens(own.store)).admin;
      const slowHeaders = slowClient(own.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 'X-a: b\r\n', 100);
      const slowBody = slowClient(own.port, `POST /api/v1/auth/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"name":"`, 'a', 100);
      const [h, b] = await Promise.all([slowHeaders, slowBody]);
      for (const [r, label] of [[h, 'headers'], [b, 'body']] as const) {
        expect(r.text, label).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
        const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { error: { code: string; message: string; details: Record<string, number> } };
        expect(body.error.code, label).toBe('MDL_REQUEST_TIMEOUT');
        expect(body.error.message).toContain('did not arrive in time');
        expect(body.error.details).toEqual({ headers_timeout_ms: 400, request_timeout_ms: 800 });
        expect(r.ms, label).toBeLessThan(5000);
      }
      // a prompt request on the same server is served
      expect((await get(`${own.url}api/v1/teams`)).status).toBe(200);
      // the body case created no token
      expect((await own.store.listTokens(null)).filter((x) => x.name !== 'token')).toEqual([]);
    } finally {
      await own.close();
    }
  });

  it('refuses a headers timeout longer than the request timeout at start', () => {
    expect(() => resolveConfig({ publicDir: 'x', headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(ConfigError);
    expect(() => resolveConfig({ publicDir: 'x', headersTimeoutMs: 5000, requestTimeoutMs: 1000 })).toThrow(/no longer than the request timeout/);
    expect(resolveConfig({ publicDir: 'x' })).toMatchObject({ headersTimeoutMs: 60_000, requestTimeoutMs: 60_000 });
  });


  it('answers oversized headers with 431 and a JSON error', async () => {
    const r = await raw(s.port, '/api/v1/libraries', { headers: { 'x-big': 'a'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(code(r.text)).toBe('MDL_HEADERS_TOO_LARGE');
  });

  it('answers an oversized body with 413, a wrong type with 415, broken JSON and unknown fields with 400', async () => {
    const auth = { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' };
    const big = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'x'.repeat(5000) }), auth);
    expect([big.status, code(big.text)]).toEqual([413, 'MDL_PAYLOAD_TOO_LARGE']);
    const chunked = await send('/api/v1/auth/tokens', 'POST', Buffer.alloc(4096, 0x20), { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
    expect([chunked.status, code(chunked.text)]).toEqual([413, 'MDL_PAYLOAD_TOO_LARGE']);
    const type = await send('/api/v1/auth/tokens', 'POST', 'name=x', { authorization: `Bearer ${t.admin}`, 'content-type': 'application/x-www-form-urlencoded' });
    expect([type.status, code(type.text)]).toEqual([415, 'MDL_UNSUPPORTED_MEDIA_TYPE']);
    const broken = await send('/api/v1/auth/tokens', 'POST', '{"name":', auth);
    expect([broken.status, code(broken.text)]).toEqual([400, 'MDL_BAD_REQUEST']);
    const extra = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'x', drop: 'table' }), auth);
    expect([extra.status, code(extra.text)]).toEqual([400, 'MDL_BAD_REQUEST']);
    const expiry = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'x', expires_in: '1 fortnight' }), auth);
    expect([expiry.status, code(expiry.text)]).toEqual([400, 'MDL_BAD_REQUEST']);
    const owner = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'x', owner: '../../etc' }), auth);
    expect([owner.status, code(owner.text)]).toEqual([400, 'MDL_BAD_REQUEST']);
  });

  it('refuses a token body that is compressed, not UTF-8, or asks for an expiry out of range, minting nothing', async () => {
    const auth = { authorization: `Bearer ${t.admin}`, 'content-type': 'application/json' };
    const before = (await s.store.listTokens(null)).length;
    const gz = await send('/api/v1/auth/tokens', 'POST', gzipSync(JSON.stringify({ name: 'zipped' })), { ...auth, 'content-encoding': 'gzip' });
    expect([gz.status, code(gz.text)]).toEqual([415, 'MDL_UNSUPPORTED_MEDIA_TYPE']);
    expect(gz.text).toContain('Content-Encoding: gzip');
    // without the check, the bytes 0xff 0xfe became two U+FFFD in a stored token name
    const latin = await send('/api/v1/auth/tokens', 'POST', Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]), auth);
    expect([latin.status, code(latin.text)]).toEqual([400, 'MDL_BAD_REQUEST']);
    expect(latin.text).toContain('not valid UTF-8');
    // 0d minted a token already expired; 999999y answered 500 (a date past year 275760)
    for (const expires_in of ['0d', '999999y']) {
      const r = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'x', expires_in }), auth);
      expect([r.status, code(r.text)], expires_in).toEqual([400, 'MDL_BAD_REQUEST']);
      expect(r.text, expires_in).toContain('out of range');
    }
    expect((await s.store.listTokens(null)).length).toBe(before);
    const fine = await send('/api/v1/auth/tokens', 'POST', JSON.stringify({ name: 'caf\u00e9', expires_in: '1m' }), auth);
    expect(fine.status).toBe(201);
    expect((JSON.parse(fine.text) as { name: string }).name).toBe('caf\u00e9');
  });

  it('refuses invalid query parameters with 400 naming the field', async () => {
    for (const q of ['page=-1', 'page=0', 'page=abc', 'per_page=1e9', 'per_page=101', 'per_page=0', 'sort=drop', 'order=sideways', 'page=1.5']) {
      const r = await get(`${s.url}api/v1/libraries?${q}`);
      expect(r.status, q).toBe(400);
      expect(code(r.text), q).toBe('MDL_BAD_REQUEST');
      expect(r.text, q).toContain(q.split('=')[0] as string);
    }
    for (const q of ['days=0', 'days=366', 'days=x']) expect((await get(`${s.url}api/v1/stats/downloads?${q}`)).status, q).toBe(400);
    expect((await get(`${s.url}api/v1/libraries?per_page=100&page=1&sort=downloads&order=asc&unknown=1`)).status).toBe(200);
  });

  it('refuses a search of more than 16 distinct words (each one a prefix and fuzzy lookup) with 400, and counts a repeated word once', async () => {
    const words = Array.from({ length: 17 }, (_, i) => `w${String.fromCharCode(97 + i)}`);
    const over = await get(`${s.url}api/v1/libraries?q=${encodeURIComponent(words.join(' '))}`);
    expect(over.status).toBe(400);
    expect(code(over.text)).toBe('MDL_BAD_REQUEST');
    expect(over.text).toContain('q: has 17 distinct words; search with at most 16');
    // punctuation separates words as the index's tokenizer does: "wa,wb" is two
    expect((await get(`${s.url}api/v1/libraries?q=${encodeURIComponent(words.join(','))}`)).status).toBe(400);
    expect((await get(`${s.url}api/v1/libraries?q=${encodeURIComponent(words.slice(0, 16).join(' '))}`)).status).toBe(200);
    expect((await get(`${s.url}api/v1/libraries?q=${encodeURIComponent(`${words.slice(0, 16).join(' ')} WA wa`)}`)).status).toBe(200);
  });

  it('answers unknown routes with 404 and wrong methods with 405 and Allow', async () => {
    for (const p of ['api/v1/nope', 'api/v1', 'api/v1/libraries/@acme/guide/1.0.0/download/extra', 'api/v2/libraries', 'no/such/file.json']) {
      const r = await get(`${s.url}${p}`);
      expect(r.status, p).toBe(404);
      expect(code(r.text), p).toBe('MDL_NOT_FOUND');
    }
    // an unknown API route says which path it was and what the routes are ("not found" said nothing more)
    const nope = JSON.parse((await get(`${s.url}api/v1/stats`)).text) as { error: { message: string; details: { routes: string[] } } };
    expect(nope.error.message).toBe('there is no API route /api/v1/stats; see details.routes (docs/server.md describes each)');
    expect(nope.error.details.routes).toContain('/api/v1/stats/downloads');
    expect(nope.error.details.routes).toContain('/api/v1/libraries/:scope/:name');
    const hostile = JSON.parse((await get(`${s.url}api/v1/x%1b%5b31m%0a${'y'.repeat(500)}`)).text) as { error: { message: string } };
    expect(hostile.error.message).toMatch(/^there is no API route \/api\/v1\/x\[31my+; see/);
    expect(hostile.error.message.length).toBeLessThan(300);
    const cases: [string, string, string][] = [
      ['/api/v1/libraries', 'DELETE', 'GET'], ['/api/v1/auth/tokens', 'PUT', 'GET, POST'], ['/index/@acme/guide.json', 'POST', 'GET, HEAD, OPTIONS'],
      ['/health', 'POST', 'GET, HEAD'], ['/api/v1/auth/tokens/tok_x', 'GET', 'DELETE'],
    ];
    for (const [path, method, allow] of cases) {
      const r = await send(path, method, '', {});
      expect(r.status, `${method} ${path}`).toBe(405);
      expect(code(r.text)).toBe('MDL_METHOD_NOT_ALLOWED');
      expect(r.headers.allow).toBe(allow);
    }
    const garbage = await send('/api/v1/libraries', 'BREW', '', {});
    expect(garbage.status).toBeGreaterThanOrEqual(400);
  });

  it('answers CORS preflights and never echoes a token in an error', async () => {
    const pre = await send('/api/v1/libraries', 'OPTIONS', '', { origin: 'https://example.com', 'access-control-request-method': 'GET' });
    expect(pre.status).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('*');
    expect(String(pre.headers['access-control-allow-headers'])).toContain('Authorization');
    const bad = await get(`${s.url}api/v1/libraries`, `mdl_${'Z'.repeat(40)}`);
    expect(bad.status).toBe(401);
    expect(bad.text).not.toContain('Z'.repeat(40));
  });
});
