/** SRV-1 static semantics: ETag/304, Last-Modified, Range, HEAD, precompressed variants, types, cache headers. */
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { cpSync, readFileSync, realpathSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, resolveConfig, type RunningServer } from '../../static-server/src/index.js';
import { writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture, get, raw, startFixtureServer, type Fixture } from './fixture.js';

let f: Fixture;
let s: RunningServer;
beforeAll(async () => {
  f = await buildFixture();
  s = await startFixtureServer(f, { rateLimitAnonymous: 0 });
});
afterAll(() => s?.close());

describe('static serving', () => {
  it('serves JSON with a short cache, and tarballs immutable, with the right types', async () => {
    const ix = await raw(s.port, '/index/@acme/guide.json');
    expect(ix.status).toBe(200);
    expect(ix.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(ix.headers['cache-control']).toBe('public, max-age=60, must-revalidate');
    expect(ix.headers.vary).toBe('Accept-Encoding');
    expect(ix.text).toBe(readFileSync(join(f.publicDir, 'index/@acme/guide.json'), 'utf8'));
    const tgz = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz');
    expect(tgz.headers['content-type']).toBe('application/gzip');
    expect(tgz.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(tgz.body.equals(readFileSync(join(f.publicDir, 'tarballs/@acme/guide/guide-1.0.0.tgz')))).toBe(true);
    const html = await raw(s.port, '/');
    expect(html.status).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    const page = await raw(s.port, '/libraries/@acme/guide');
    expect(page.status).toBe(308);
    expect(page.headers.location).toBe('/libraries/@acme/guide/');
  });

  it('fills in its API base in config.json when the build left it null', async () => {
    const onDisk = JSON.parse(readFileSync(join(f.publicDir, 'config.json'), 'utf8')) as { api: string | null };
    expect(onDisk.api).toBeNull();
    const r = await raw(s.port, '/config.json', { headers: { 'accept-encoding': 'br, gzip' } });
    expect(r.headers['content-encoding']).toBeUndefined();
    const served = JSON.parse(r.text) as { api: string; protocol: number };
    expect(served).toEqual({ ...onDisk, api: 'api/v1' });
    expect((await raw(s.port, '/config.json', { headers: { 'if-none-match': String(r.headers.etag) } })).status).toBe(304);
  });

  it('answers If-None-Match and If-Modified-Since with 304', async () => {
    const first = await raw(s.port, '/index/@acme/guide.json');
    const etag = String(first.headers.etag);
    expect(etag).toMatch(/^"[0-9a-f-]+"$/);
    const again = await raw(s.port, '/index/@acme/guide.json', { headers: { 'if-none-match': etag } });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    const ims = await raw(s.port, '/index/@acme/guide.json', { headers: { 'if-modified-since': String(first.headers['last-modified']) } });
    expect(ims.status).toBe(304);
    const stale = await raw(s.port, '/index/@acme/guide.json', { headers: { 'if-none-match': '"other"' } });
    expect(stale.status).toBe(200);
    // not an HTTP-date: ignored (Date.parse read "3000" as the year 3000: 304 for every file)
    for (const bad of ['3000', '99999', '12/31/2099']) {
      const r = await raw(s.port, '/index/@acme/guide.json', { headers: { 'if-modified-since': bad } });
      expect(r.status, bad).toBe(200);
      expect(r.text).toBe(first.text);
    }
  });

  it('picks the brotli or gzip copy by Accept-Encoding', async () => {
    const plain = readFileSync(join(f.publicDir, 'index/@acme/guide.json'), 'utf8');
    const br = await raw(s.port, '/index/@acme/guide.json', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(br.body).toString()).toBe(plain);
    const gz = await raw(s.port, '/index/@acme/guide.json', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(plain);
    const refused = await raw(s.port, '/index/@acme/guide.json', { headers: { 'accept-encoding': 'br;q=0, gzip;q=0' } });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(br.headers.etag).not.toBe(gz.headers.etag);
    const tgz = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { headers: { 'accept-encoding': 'gzip, br' } });
    expect(tgz.headers['content-encoding']).toBeUndefined();
  });

  it('serves byte ranges, 416 outside the file, and HEAD without a body', async () => {
    const whole = readFileSync(join(f.publicDir, 'tarballs/@acme/guide/guide-1.0.0.tgz'));
    const r = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { headers: { range: 'bytes=10-19' } });
    expect(r.status).toBe(206);
    expect(r.headers['content-range']).toBe(`bytes 10-19/${whole.length}`);
    expect(r.body.equals(whole.subarray(10, 20))).toBe(true);
    const suffix = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { headers: { range: 'bytes=-5' } });
    expect(suffix.body.equals(whole.subarray(whole.length - 5))).toBe(true);
    const out = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { headers: { range: `bytes=${whole.length + 5}-` } });
    expect(out.status).toBe(416);
    expect(out.headers['content-range']).toBe(`bytes */${whole.length}`);
    const multi = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { headers: { range: 'bytes=0-1,5-6' } });
    expect(multi.status).toBe(200);
    const head = await raw(s.port, '/tarballs/@acme/guide/guide-1.0.0.tgz', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers['content-length'])).toBe(whole.length);
    expect(head.body.length).toBe(0);
  });

  it('counts only complete GETs of a tarball as downloads (not HEAD, 304 or a partial range)', async () => {
    const path = '/tarballs/@acme/handbook/handbook-2.0.0.tgz';
    const first = await raw(s.port, path);
    await raw(s.port, path, { method: 'HEAD' });
    await raw(s.port, path, { headers: { 'if-none-match': String(first.headers.etag) } });
    await raw(s.port, path, { headers: { range: 'bytes=0-3' } });
    await raw(s.port, '/api/v1/libraries/@acme/handbook/2.0.0/download');
    const lib = JSON.parse((await get(`${s.url}api/v1/libraries/@acme/handbook`)).text) as { downloads: number; versions: { downloads: number }[] };
    expect(lib.downloads).toBe(2);
    expect(lib.versions[0]?.downloads).toBe(2);
    const list = JSON.parse((await get(`${s.url}api/v1/libraries?sort=downloads`)).text) as { libraries: { name: string; downloads: number }[] };
    expect(list.libraries.find((l) => l.name === '@acme/handbook')?.downloads).toBe(2);
    const dl = list.libraries.map((l) => l.downloads);
    expect(dl).toEqual([...dl].sort((a, b) => b - a));
    const stats = JSON.parse((await get(`${s.url}api/v1/stats/downloads?library=@acme/handbook&days=2`)).text) as { total: number; daily: { downloads: number }[] };
    expect(stats.total).toBe(2);
    expect(stats.daily.length).toBe(2);
    expect(stats.daily[1]?.downloads).toBe(2);
  });

  it('reports health and metrics', async () => {
    const h = await get(`${s.url}health`);
    expect(h.status).toBe(200);
    expect(JSON.parse(h.text)).toMatchObject({ status: 'ok', store: { kind: 'sqlite', ok: true }, tree: { ok: true } });
    const m = await get(`${s.url}metrics`);
    expect(m.text).toMatch(/mdlibs_http_requests_total\{route="\/api\/v1\/libraries\/:scope\/:name",method="GET",status="200"\} \d+/);
    expect(m.text).toMatch(/mdlibs_downloads_total\{visibility="public"\} [1-9]/);
    expect(m.text).toMatch(/mdlibs_libraries\{visibility="public"\} 2/);
    expect(m.text).toMatch(/mdlibs_libraries\{visibility="private"\} 2/);
    expect(m.text).toMatch(/mdlibs_build_age_seconds\{tree="public"\} \d/);
    expect(m.text).toContain('mdlibs_http_request_duration_seconds_bucket');
  });

  it('keeps /metrics to the bearer of metricsToken when one is set (it counts private libraries), /health still open', async () => {
    const secret = 'scrape-secret-0123456789';
    const own = await startFixtureServer(f, { metricsToken: secret });
    try {
      for (const auth of [undefined, 'Bearer wrong-secret-0123456789', `Basic ${secret}`]) {
        const r = await get(`${own.url}metrics`, undefined, auth ? { authorization: auth } : {});
        expect(r.status, auth).toBe(401);
        expect(r.text, auth).not.toContain('mdlibs_libraries');
        expect(r.headers.get('www-authenticate'), auth).toContain('Bearer');
      }
      const ok = await get(`${own.url}metrics`, undefined, { authorization: `Bearer ${secret}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/mdlibs_libraries\{visibility="private"\} 2/);
      expect((await get(`${own.url}health`)).status).toBe(200);
    } finally {
      await own.close();
    }
    expect(() => resolveConfig({ publicDir: 'x', metricsToken: 'short' })).toThrow(/metricsToken/);
  });

  it('keeps Vary: Origin next to Accept-Encoding and Authorization when CORS allows one origin of a list (a shared cache gave one origin\'s answer to another)', async () => {
    const own = await startFixtureServer(f, { corsOrigins: 'https://a.example, https://b.example', rateLimitAnonymous: 0 });
    try {
      const bob = (await issueToken(own.store, { owner: 'bob', scopes: ['secops'] })).secret;
      const varyOf = (h: Record<string, string | string[] | undefined>) => String(h.vary ?? '').split(',').map((v) => v.trim().toLowerCase()).sort();
      const origin = { origin: 'https://a.example' };
      const ix = await raw(own.port, '/index/@acme/guide.json', { headers: { ...origin, 'accept-encoding': 'gzip' } });
      expect(ix.headers['access-control-allow-origin']).toBe('https://a.example');
      expect(varyOf(ix.headers)).toEqual(['accept-encoding', 'origin']);
      const tgz = await raw(own.port, '/tarballs/@secops/runbook/runbook-1.0.0.tgz', { headers: { ...origin, authorization: `Bearer ${bob}` } });
      expect(tgz.status).toBe(200);
      expect(varyOf(tgz.headers)).toEqual(['authorization', 'origin']);
      const priv = await raw(own.port, '/index/@secops/runbook.json', { headers: { ...origin, authorization: `Bearer ${bob}` } });
      expect(priv.status).toBe(200);
      expect(varyOf(priv.headers)).toEqual(['accept-encoding', 'authorization', 'origin']);
      const nm = await raw(own.port, '/index/@acme/guide.json', { headers: { ...origin, 'accept-encoding': 'gzip', 'if-none-match': String(ix.headers.etag) } });
      expect(nm.status).toBe(304);
      expect(varyOf(nm.headers)).toEqual(['accept-encoding', 'origin']);
      // an origin not in the list gets no CORS header and the same Vary
      const other = await raw(own.port, '/index/@acme/guide.json', { headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      expect(varyOf(other.headers)).toEqual(['accept-encoding', 'origin']);
    } finally {
      await own.close();
    }
  });
});

describe('a plain (non-symlink) public folder updated in place', () => {
  it('serves the new files and ETags after the reload (the file cache kept the old ones: stale index files, API fresh)', async () => {
    const own = await buildFixture();
    const plain = join(tempDir('mdlibs-srv-plain-'), 'site');
    cpSync(realpathSync(own.publicDir), plain, { recursive: true });
    const srv = await startFixtureServer({ ...own, publicDir: plain }, { rateLimitAnonymous: 0, privateDir: undefined });
    try {
      const latest = (text: string) => (JSON.parse(text) as { distTags: { latest: string } }).distTags.latest;
      const before = await get(`${srv.url}index/@acme/guide.json`, undefined, { 'accept-encoding': 'br, gzip' });
      expect(latest(before.text)).toBe('1.1.0');
      const etag = before.headers.get('etag') as string;
      // a new build copied over the served folder, build-info.json last
      writeLibrary(own.registry, { scope: 'acme', name: 'guide', version: '1.2.0', description: 'Public style guide' });
      await own.rebuild();
      const built = realpathSync(own.publicDir);
      cpSync(built, plain, { recursive: true, force: true, filter: (src) => !src.endsWith('build-info.json') });
      cpSync(join(built, 'build-info.json'), join(plain, 'build-info.json'));
      const later = new Date(Date.now() + 5000);
      utimesSync(join(plain, 'build-info.json'), later, later); // a new mtime even on a coarse clock
      await new Promise((r) => setImmediate(r));
      expect(latest((await get(`${srv.url}api/v1/libraries/@acme/guide`)).text)).toBe('1.2.0');
      for (const enc of ['identity', 'br, gzip']) {
        const after = await get(`${srv.url}index/@acme/guide.json`, undefined, { 'accept-encoding': enc });
        expect(after.status).toBe(200);
        expect(latest(after.text), enc).toBe('1.2.0');
        expect(after.headers.get('etag')).not.toBe(etag);
      }
      expect((await get(`${srv.url}index/@acme/guide.json`, undefined, { 'if-none-match': etag })).status).toBe(200);
    } finally {
      await srv.close();
    }
  }, 120_000);
});
