/** The pure pieces: path decoding, byte ranges, tarball names, token formats, config merging. */
import { describe, expect, it } from 'vitest';
import { safePath } from '../../static-server/src/static/safe-path.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHttpDate, parseRange, planFile } from '../../static-server/src/static/plan-file.js';
import { FileCache } from '../../static-server/src/static/file-cache.js';
import { tempDir } from '../helpers/tmp.js';
import { tarballTarget, cacheControl } from '../../static-server/src/static/content-type.js';
import { bearer } from '../../static-server/src/auth/authenticate.js';
import { accessFor } from '../../static-server/src/auth/access.js';
import { ConfigError, parseExpiry, resolveConfig, configFromEnv } from '../../static-server/src/index.js';
import { DenialThrottle } from '../../static-server/src/audit-throttle.js';
import { clientKey, forwardedAddress } from '../../static-server/src/http/client-key.js';
import type { TokenRecord } from '../../static-server/src/index.js';

describe('safePath', () => {
  it('decodes once and names the @scope segment', () => {
    expect(safePath('/tarballs/%40secops/x/x-1.0.0.tgz')).toEqual({ rel: 'tarballs/@secops/x/x-1.0.0.tgz', dir: false, scope: 'secops' });
    expect(safePath('/libraries/@acme/guide/')).toEqual({ rel: 'libraries/@acme/guide', dir: true, scope: 'acme' });
    expect(safePath('/')).toEqual({ rel: '', dir: true, scope: null });
  });
  it('refuses traversal, encoded separators, NUL, dot segments, empty segments and bad escapes', () => {
    for (const p of ['/a/../b', '/a/%2e%2e/b', '/a/%2E%2E/b', '/a%2Fb', '/a%2fb', '/a%5Cb', '/a\\b', '/a%00', '/./a', '/a//b', '//a', '/.git/config', '/a/%', '/a/%zz', '/a%20', 'a', `/${'a'.repeat(2000)}`, '/a/%0a']) {
      expect(safePath(p), p).toBeNull();
      expect(safePath(p), `${p} asked again`).toBeNull();
    }
  });
  it('gives the same frozen answer when asked again, so no caller can change what the next one gets', () => {
    const a = safePath('/index/@acme/guide.json');
    expect(Object.isFrozen(a)).toBe(true);
    expect(safePath('/index/@acme/guide.json')).toEqual({ rel: 'index/@acme/guide.json', dir: false, scope: 'acme' });
    for (let i = 0; i < 5000; i++) safePath(`/x/${i}`); // more than it keeps
    expect(safePath('/index/@acme/guide.json')).toEqual(a);
    expect(safePath('/a/../b')).toBeNull();
  });
});

describe('planFile', () => {
  it('reuses a plain 200 plan per file, but never across privacy, encodings or conditional and range requests', () => {
    const dir = tempDir('mdlibs-plan-');
    writeFileSync(join(dir, 'a.json'), '{"a":1}'.repeat(50));
    writeFileSync(join(dir, 'a.json.br'), 'compressed');
    const cache = new FileCache(1 << 20);
    const file = cache.get(join(dir, 'a.json'));
    if (!file) throw new Error('fixture missing');
    const pub = planFile({}, file, 'index/a.json', false, cache, true);
    expect(planFile({}, file, 'index/a.json', false, cache, true)).toBe(pub);
    expect(Object.isFrozen(pub.headers)).toBe(true);
    expect(pub.headers['cache-control']).toBe('public, max-age=60, must-revalidate');
    const priv = planFile({}, file, 'index/a.json', true, cache, true);
    expect(priv.headers['cache-control']).toBe('private, max-age=60, must-revalidate');
    expect(priv.headers.vary).toBe('Accept-Encoding, Authorization');
    const br = planFile({ 'accept-encoding': 'br' }, file, 'index/a.json', false, cache, true);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-length']).toBe(10);
    expect(planFile({}, file, 'index/a.json', false, cache, true).headers['content-encoding']).toBeUndefined();
    expect(planFile({ range: 'bytes=0-3' }, file, 'index/a.json', false, cache, true)).toMatchObject({ status: 206, end: 3 });
    expect(planFile({ 'if-none-match': file.etag }, file, 'index/a.json', false, cache, true).status).toBe(304);
    expect(planFile({}, file, 'other/a.txt', false, cache, false).headers['content-type']).toBe('text/plain; charset=utf-8');
  });
});

describe('If-Modified-Since', () => {
  it('reads only HTTP-dates: IMF-fixdate and the two obsolete forms', () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sunday, 06-Nov-94 08:49:37 GMT')).toBe(t);
    expect(parseHttpDate('Sun Nov  6 08:49:37 1994')).toBe(t);
    expect(parseHttpDate('Thu, 31 Dec 2099 23:59:59 GMT')).toBe(Date.UTC(2099, 11, 31, 23, 59, 59));
    for (const bad of ['3000', '99999', '12/31/2099', '2099-12-31', '2099-12-31T00:00:00Z', 'Thu Dec 31 2099', 'Sun, 6 Nov 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 08:49:37 UTC', 'Sun, 06 Nov 1994 08:49:37 +0000', 'sun, 06 nov 1994 08:49:37 GMT', 'Sun, 31 Feb 1994 08:49:37 GMT',
      'Sun, 06 Nov 1994 24:00:00 GMT', 'Sun, 06 Nov 1994 08:60:00 GMT', 'Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT', '']) {
      expect(parseHttpDate(bad), bad).toBeNull();
    }
  });

  it('answers 304 only for an HTTP-date at or after Last-Modified, and ignores anything else (Date.parse took "3000")', () => {
    const dir = tempDir('mdlibs-ims-');
    writeFileSync(join(dir, 'a.json'), '{}');
    const cache = new FileCache(1 << 20);
    const file = cache.get(join(dir, 'a.json'));
    if (!file) throw new Error('fixture missing');
    const status = (ims: string) => planFile({ 'if-modified-since': ims }, file, 'index/a.json', false, cache, false).status;
    expect(status(file.lastModified)).toBe(304);
    expect(status('Thu, 31 Dec 2099 23:59:59 GMT')).toBe(304);
    expect(status('Sun, 06 Nov 1994 08:49:37 GMT')).toBe(200);
    for (const bad of ['3000', '99999', '12/31/2099', '2099', 'Dec 31 2099', new Date(Date.parse(file.lastModified) + 3600e3).toISOString()]) {
      expect(status(bad), bad).toBe(200);
    }
  });
});

describe('parseRange', () => {
  it('reads one range and refuses what is outside the file', () => {
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-1000', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=9-3', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,3-4', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
    expect(parseRange('bytes=-', 100)).toBeNull();
    expect(parseRange(`bytes=0-${'9'.repeat(400)}`, 100)).toEqual({ start: 0, end: 99 });
  });

  it('never makes a 206 of an empty file (bytes=-5 gave {start: 0, end: -1}: "bytes 0--1/0")', () => {
    expect(parseRange('bytes=-5', 0)).toBeNull(); // a suffix range is satisfiable: the whole (empty) file, 200
    expect(parseRange('bytes=-1', 0)).toBeNull();
    expect(parseRange('bytes=-0', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-', 0)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-0', 0)).toBe('unsatisfiable');
    const dir = tempDir('mdlibs-empty-');
    writeFileSync(join(dir, 'empty.txt'), '');
    const cache = new FileCache(1 << 20);
    const file = cache.get(join(dir, 'empty.txt'));
    if (!file) throw new Error('fixture missing');
    const suffix = planFile({ range: 'bytes=-5' }, file, 'docs/empty.txt', false, cache, false);
    expect(suffix).toMatchObject({ status: 200, start: 0, end: -1, complete: true });
    expect(suffix.headers['content-length']).toBe(0);
    expect(suffix.headers['content-range']).toBeUndefined();
    const from0 = planFile({ range: 'bytes=0-' }, file, 'docs/empty.txt', false, cache, false);
    expect(from0.status).toBe(416);
    expect(from0.headers['content-range']).toBe('bytes */0');
  });
});

describe('tarball names and cache policy', () => {
  it('maps a tarball path to library and version only when the name matches', () => {
    expect(tarballTarget('tarballs/@acme/guide/guide-1.2.3.tgz')).toEqual({ library: '@acme/guide', version: '1.2.3' });
    expect(tarballTarget('tarballs/@acme/guide/guide-1.2.3-rc.1.tgz')).toEqual({ library: '@acme/guide', version: '1.2.3-rc.1' });
    expect(tarballTarget('tarballs/@acme/guide/other-1.2.3.tgz')).toBeNull();
    expect(tarballTarget('index/@acme/guide.json')).toBeNull();
    expect(cacheControl('tarballs/@a/b/b-1.0.0.tgz', true)).toBe('private, max-age=31536000, immutable');
    expect(cacheControl('index/@a/b.json', false)).toBe('public, max-age=60, must-revalidate');
  });
});

describe('tokens and access', () => {
  it('parses bearer headers and expiries', () => {
    expect(bearer(undefined)).toBeNull();
    expect(bearer('Bearer mdl_x')).toBe('mdl_x');
    expect(bearer('token mdl_x')).toBe('mdl_x');
    expect(bearer('Basic abc def')).toBe('');
    expect(parseExpiry('90d')).toBe(90 * 86400e3);
    expect(parseExpiry('never')).toBeNull();
    expect(() => parseExpiry('90 days')).toThrow(/not like/);
  });

  it('refuses an expiry of zero (a token expired when minted) and one past 100 years (past what a date holds)', () => {
    for (const s of ['0m', '0d', '000000y']) expect(() => parseExpiry(s), s).toThrow(/out of range/);
    for (const s of ['101y', '36501d', '999999y']) expect(() => parseExpiry(s), s).toThrow(/out of range/);
    expect(parseExpiry('1m')).toBe(60e3);
    expect(parseExpiry('100y')).toBe(100 * 365 * 86400e3);
  });

  it('lets a token read a private scope only with the scope and membership, or as admin', () => {
    const teams = { admins: ['root'], scopes: [
      { name: 'secops', displayName: 's', description: '', visibility: 'private' as const, members: [{ user: 'bob', role: 'member' as const }] },
      { name: 'vault', displayName: 'v', description: '', visibility: 'private' as const, members: [{ user: 'carol', role: 'admin' as const }] },
    ] };
    const tok = (owner: string, scopes: string[], admin = false): TokenRecord => ({ id: 't', hash: '', name: 'n', owner, scopes, admin, createdAt: '', expiresAt: null, lastUsedAt: null, revokedAt: null });
    const can = (t: TokenRecord) => [...accessFor({ kind: 'token', token: t }, teams).privateScopes].sort();
    expect(can(tok('bob', ['secops']))).toEqual(['secops']);
    expect(can(tok('bob', ['secops', 'vault']))).toEqual(['secops']);
    expect(can(tok('dave', ['secops']))).toEqual([]);
    expect(can(tok('bob', []))).toEqual([]);
    expect(can(tok('root', ['vault']))).toEqual(['vault']);
    expect(can(tok('anyone', [], true))).toEqual(['secops', 'vault']);
    expect(can(tok('bob', ['secops']))).toEqual(['secops']); // asked again: the same answer
    // a new build's teams.json (bob left secops) is a new snapshot: decided afresh
    const rebuilt = { ...teams, scopes: teams.scopes.map((s) => ({ ...s, members: s.members.filter((m) => m.user !== 'bob') })) };
    expect([...accessFor({ kind: 'token', token: tok('bob', ['secops']) }, rebuilt).privateScopes]).toEqual([]);
    const anon = accessFor({ kind: 'anonymous' }, teams);
    expect(anon.mayReadScope('secops')).toBe(false);
    expect(anon.mayReadScope('acme')).toBe(true);
  });
});

describe('config', () => {
  it('merges defaults < file < env < flags and validates', () => {
    const c = resolveConfig({ publicDir: 'a', port: 1 }, configFromEnv({ PORT: '2', MDLIBS_ANONYMOUS_READ: 'false' }), { port: '3' });
    expect(c.port).toBe(3);
    expect(c.anonymousRead).toBe(false);
    expect(c.rateLimitAnonymous).toBe(60);
    expect(() => resolveConfig({ publicDir: 'a', port: 70000 })).toThrow(/^invalid configuration: port \(--port, PORT\): Too big/);
    expect(() => resolveConfig({ publicDir: 'a', port: 'abc' })).toThrow(ConfigError);
    expect(() => resolveConfig({ publicDir: 'out/site', privateDir: './out/site/' })).toThrow(/the public and the private folder are the same/);
    expect(() => resolveConfig({ publicDir: 'a', databaseSchema: 'x; drop' })).toThrow();
    expect(() => resolveConfig({})).toThrow();
  });
});

describe('audit of refused tokens', () => {
  it('writes the first denial of a client and reason, then one a window with how many were left out', () => {
    const d = new DenialThrottle(60_000, 3);
    expect(d.admit('1.1.1.1', 'MDL_TOKEN_INVALID', 0)).toBe(0);
    for (let i = 1; i <= 5; i++) expect(d.admit('1.1.1.1', 'MDL_TOKEN_INVALID', i * 1000)).toBeNull();
    expect(d.admit('1.1.1.1', 'MDL_TOKEN_EXPIRED', 6000)).toBe(0); // another reason: its own window
    expect(d.admit('2.2.2.2', 'MDL_TOKEN_INVALID', 6000)).toBe(0); // another client
    expect(d.admit('1.1.1.1', 'MDL_TOKEN_INVALID', 60_000)).toBe(5);
    expect(d.admit('1.1.1.1', 'MDL_TOKEN_INVALID', 60_001)).toBeNull();
    // at most 3 pairs remembered: a fourth forgets the pair written longest ago
    expect(d.admit('3.3.3.3', 'MDL_TOKEN_INVALID', 61_000)).toBe(0);
    expect(d.admit('1.1.1.1', 'MDL_TOKEN_EXPIRED', 61_000)).toBe(0);
  });
});

describe('rate-limit keys of anonymous clients', () => {
  it('counts an IPv6 /64 as one client, however its address is written, and IPv4 (mapped too) per address', () => {
    const net = 'ip6:2001:db8:0:12::/64';
    for (const ip of ['2001:db8:0:12::1', '2001:db8::12:0:0:0:ffff', '2001:0db8:0000:0012:abcd:ef01:2345:6789', '2001:DB8:0:12::7%eth0', '2001:db8:0:12:1:2:1.2.3.4']) expect(clientKey(ip), ip).toBe(net);
    expect(clientKey('2001:db8:0:13::1')).toBe('ip6:2001:db8:0:13::/64');
    expect(clientKey('::1')).toBe('ip6:0:0:0:0::/64');
    expect(clientKey('203.0.113.9')).toBe('ip:203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('ip:203.0.113.9');
    expect(clientKey('::ffff:cb00:7109')).toBe('ip:203.0.113.9');
    for (const odd of ['unknown', '1::2::3', 'fe80::g']) expect(clientKey(odd), odd).toBe(`ip:${odd}`);
  });

  it('drops the port a proxy wrote after the address in X-Forwarded-For (each new port was a new budget)', () => {
    expect(forwardedAddress(' 203.0.113.7:40001 ')).toBe('203.0.113.7');
    expect(forwardedAddress('203.0.113.7')).toBe('203.0.113.7');
    expect(forwardedAddress('[2001:db8::1]:40001')).toBe('2001:db8::1');
    expect(forwardedAddress('[2001:db8::1]')).toBe('2001:db8::1');
    expect(forwardedAddress('2001:db8::1')).toBe('2001:db8::1');
    for (const odd of ['999.1.1.1:80', '[nope]:80', 'unknown', 'host.example:80']) expect(forwardedAddress(odd), odd).toBe(odd);
  });
});
