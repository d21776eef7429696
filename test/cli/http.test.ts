/**
 * The CLI's HTTP layer (node:http with keep-alive) against a real loopback server: compressed
 * answers decoded with the size cap on decoded bytes, 304 and HEAD answers with a
 * Content-Encoding but no body, the deadline covering a body that stalls, redirects followed
 * only within the origin (the token never sent elsewhere), and a closed port.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { createServer as netServer, type AddressInfo, type Socket } from 'node:net';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpRequest, SMALL_COMPRESSED_BODY } from '../../tools/cli/net/http.js';
import { listenLoopback, type Loopback } from '../helpers/loopback.js';

type Route = (res: ServerResponse, headers: IncomingHttpHeaders) => void;
const routes = new Map<string, Route>();
const seen: { url: string; headers: IncomingHttpHeaders }[] = [];
let a: Loopback;
let b: Loopback;
const server = createServer((req, res) => {
  seen.push({ url: req.url ?? '', headers: req.headers });
  const route = routes.get(req.url ?? '');
  if (route) route(res, req.headers);
  else res.writeHead(404).end('{}');
});
const other = createServer((req, res) => {
  seen.push({ url: `other:${req.url ?? ''}`, headers: req.headers });
  res.writeHead(200).end('elsewhere');
});
beforeAll(async () => {
  a = await listenLoopback(server);
  b = await listenLoopback(other);
});
afterAll(async () => {
  await a.close();
  await b.close();
});

const url = (path: string) => `http://127.0.0.1:${a.port}${path}`;
const base = { timeoutMs: 2000, maxBytes: 64 * 1024 };
const code = (p: Promise<unknown>) => p.then(() => 'resolved', (e: { code?: string }) => e.code ?? String(e));
const TEXT = JSON.stringify({ hello: 'world'.repeat(200) });

describe('httpRequest', () => {
  it('decodes brotli and gzip answers and reads headers case-insensitively', async () => {
    routes.set('/br', (res) => res.writeHead(200, { 'content-encoding': 'br', etag: '"x1"' }).end(brotliCompressSync(TEXT)));
    routes.set('/gz', (res) => res.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(TEXT)));
    const br = await httpRequest({ ...base, url: url('/br') });
    expect(br.body.toString()).toBe(TEXT);
    expect(br.headers.get('ETag')).toBe('"x1"');
    expect(seen.at(-1)?.headers['accept-encoding']).toBe('br, gzip');
    expect((await httpRequest({ ...base, url: url('/gz') })).body.toString()).toBe(TEXT);
  });

  it('caps the decoded size, so a small compressed bomb is refused', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    routes.set('/bomb', (res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb));
    routes.set('/big', (res) => res.writeHead(200, { 'content-length': 1 << 20 }).end(Buffer.alloc(1 << 20)));
    routes.set('/chunked', (res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(8192));
      res.end();
    });
    expect(await code(httpRequest({ ...base, url: url('/bomb') }))).toBe('CLI_RESPONSE_TOO_LARGE');
    expect(await code(httpRequest({ ...base, url: url('/big') }))).toBe('CLI_RESPONSE_TOO_LARGE');
    expect(await code(httpRequest({ ...base, url: url('/chunked') }))).toBe('CLI_RESPONSE_TOO_LARGE');
  });

  it('decodes a small compressed answer with a Content-Length in one piece, capped and checked like a streamed one', async () => {
    const br = brotliCompressSync(TEXT);
    const gz = gzipSync(TEXT);
    routes.set('/small-br', (res) => res.writeHead(200, { 'content-encoding': 'br', 'content-length': br.length }).end(br));
    routes.set('/small-gz', (res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': gz.length }).end(gz));
    routes.set('/small-corrupt', (res) => res.writeHead(200, { 'content-encoding': 'gzip', 'content-length': 10 }).end(Buffer.from('not gzip!!')));
    expect(br.length).toBeLessThan(SMALL_COMPRESSED_BODY);
    expect((await httpRequest({ ...base, url: url('/small-br') })).body.toString()).toBe(TEXT);
    expect((await httpRequest({ ...base, url: url('/small-gz') })).body.toString()).toBe(TEXT);
    // the decoded size is capped on this path too
    expect(await code(httpRequest({ ...base, url: url('/small-br'), maxBytes: TEXT.length - 1 }))).toBe('CLI_RESPONSE_TOO_LARGE');
    expect((await httpRequest({ ...base, url: url('/small-br'), maxBytes: TEXT.length })).body.length).toBe(TEXT.length);
    expect(await code(httpRequest({ ...base, url: url('/small-corrupt') }))).toBe('CLI_BAD_RESPONSE');
    // the same corrupt body streamed (no Content-Length) gives the same error
    routes.set('/chunked-corrupt', (res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(Buffer.from('not gzip!!'));
    });
    expect(await code(httpRequest({ ...base, url: url('/chunked-corrupt') }))).toBe('CLI_BAD_RESPONSE');
  });

  it('reads a 304 and a HEAD answer that name a Content-Encoding but carry no body', async () => {
    routes.set('/cached', (res, h) => {
      if (h['if-none-match'] === '"v1"') res.writeHead(304, { 'content-encoding': 'br', etag: '"v1"' }).end();
      else res.writeHead(200, { 'content-encoding': 'br', etag: '"v1"' }).end(brotliCompressSync(TEXT));
    });
    const r = await httpRequest({ ...base, url: url('/cached'), headers: { 'if-none-match': '"v1"' }, accept: [304] });
    expect(r.status).toBe(304);
    expect(r.body.length).toBe(0);
    const head = await httpRequest({ ...base, url: url('/cached'), method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body.length).toBe(0);
  });

  it('refuses an encoding it cannot read', async () => {
    routes.set('/zstd', (res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('xx'));
    expect(await code(httpRequest({ ...base, url: url('/zstd') }))).toBe('CLI_HTTP');
    // a name every object has is no encoding either, with or without a Content-Length
    routes.set('/proto', (res) => res.writeHead(200, { 'content-encoding': 'constructor', 'content-length': 2 }).end('xx'));
    expect(await code(httpRequest({ ...base, url: url('/proto') }))).toBe('CLI_HTTP');
  });

  it('gives up on a body that stalls after the headers, within the deadline (CLI_TIMEOUT)', async () => {
    routes.set('/stall', (res) => {
      res.writeHead(200, { 'content-length': 100 });
      res.write('partial');
    });
    const t0 = Date.now();
    expect(await code(httpRequest({ ...base, url: url('/stall'), timeoutMs: 300 }))).toBe('CLI_TIMEOUT');
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it('gives up on a request its caller abandons (signal), at once and however long the timeout', async () => {
    routes.set('/never', () => undefined); // never answers
    const stop = new AbortController();
    const t0 = Date.now();
    const p = code(httpRequest({ ...base, url: url('/never'), timeoutMs: 20_000, signal: stop.signal }));
    setTimeout(() => stop.abort(), 50);
    expect(await p).toBe('CLI_NETWORK');
    expect(Date.now() - t0).toBeLessThan(2000);
    // already abandoned: not even sent
    const before = seen.length;
    expect(await code(httpRequest({ ...base, url: url('/br'), signal: AbortSignal.abort() }))).toBe('CLI_NETWORK');
    expect(seen.length).toBe(before);
  });

  it('follows a same-origin redirect with the token and refuses another origin without sending it', async () => {
    routes.set('/moved', (res) => res.writeHead(301, { location: '/target' }).end());
    routes.set('/target', (res) => res.writeHead(200).end('here'));
    routes.set('/away', (res) => res.writeHead(302, { location: `http://127.0.0.1:${b.port}/steal` }).end());
    const r = await httpRequest({ ...base, url: url('/moved'), token: 'mdl_secret' });
    expect(r.body.toString()).toBe('here');
    expect(r.url).toBe(url('/target'));
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer mdl_secret');
    expect(await code(httpRequest({ ...base, url: url('/away'), token: 'mdl_secret' }))).toBe('CLI_REDIRECT_REFUSED');
    expect(seen.some((s) => s.url.startsWith('other:'))).toBe(false);
  });

  it('refuses a token that cannot go in a header as CLI_AUTH_INVALID before sending anything (it was CLI_NETWORK "could not reach")', async () => {
    routes.set('/plain', (res) => res.writeHead(200).end('ok'));
    const before = seen.length;
    for (const token of ['mdl_abc\ndef', 'mdl_abc\u0001def', 'mdl_ abc', 'mdl_\u00e9']) {
      const err = await httpRequest({ ...base, url: url('/plain'), token }).then(() => null, (e: unknown) => e as { code?: string; message?: string });
      expect(err?.code, JSON.stringify(token)).toBe('CLI_AUTH_INVALID');
      expect(err?.message, JSON.stringify(token)).toContain('characters a token cannot have');
    }
    expect(seen.length).toBe(before);
    expect((await httpRequest({ ...base, url: url('/plain'), token: 'mdl_Abc123' })).body.toString()).toBe('ok');
  });

  it('sends a GET once more when the server closed the kept-alive socket it went out on', async () => {
    // answers the first request of each connection, then resets the connection at the next one
    const sockets: Socket[] = [];
    const flaky = netServer((sock) => {
      sockets.push(sock);
      let served = 0;
      sock.on('data', () => {
        if (served++ === 0) sock.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok');
        else sock.resetAndDestroy();
      });
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const port = (flaky.address() as AddressInfo).port;
    try {
      const first = await httpRequest({ ...base, url: `http://127.0.0.1:${port}/a` });
      const second = await httpRequest({ ...base, url: `http://127.0.0.1:${port}/b` });
      expect([first.body.toString(), second.body.toString()]).toEqual(['ok', 'ok']);
      expect(sockets.length).toBe(2); // the second went out on the kept socket, then on a new one
      // a POST is never sent twice
      await httpRequest({ ...base, url: `http://127.0.0.1:${port}/c` });
      expect(await code(httpRequest({ ...base, url: `http://127.0.0.1:${port}/d`, method: 'POST', body: '{}' }))).toBe('CLI_NETWORK');
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => flaky.close(() => r()));
    }
  });

  it('sends a body with its length, and names a closed port as a network error', async () => {
    routes.set('/post', (res, h) => res.writeHead(201).end(String(h['content-length'])));
    expect((await httpRequest({ ...base, url: url('/post'), method: 'POST', body: '{"a":"é"}', headers: { 'content-type': 'application/json' } })).body.toString()).toBe('10');
    const closed = createServer();
    const l = await listenLoopback(closed);
    await l.close();
    expect(await code(httpRequest({ ...base, url: `http://127.0.0.1:${l.port}/x` }))).toBe('CLI_NETWORK');
  });
});
