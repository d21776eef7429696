/**
 * SEC-1: every route x every kind of token x {public, private library}, plus odd spellings of
 * private paths. Not one private byte and not one private name may reach a caller without
 * access, and a private library's 404 must be byte-identical to a missing library's 404.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../static-server/src/index.js';
import { buildFixture, get, mintTokens, raw, startFixtureServer, type Tokens } from './fixture.js';

let s: RunningServer;
let t: Tokens;
beforeAll(async () => {
  s = await startFixtureServer(await buildFixture(), { rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
  t = await mintTokens(s.store);
});
afterAll(() => s?.close());

const SECRET_WORDS = ['secops', 'runbook', 'zebracorn'];
const VAULT_WORDS = ['vault', 'unicornfish'];
const BAD = ['malformed', 'unknown', 'expired', 'revoked'] as const;
const NO_ACCESS = ['none', 'otherScope', 'notMember'] as const;
const ACCESS = ['valid', 'admin'] as const;
const tok = (k: string): string | undefined => (k === 'none' ? undefined : t[k]);

/** Routes naming one library (by scope/name), for the public and the private library. */
const byName = (scope: string, name: string, version: string): string[] => [
  `index/@${scope}/${name}.json`,
  `index/@${scope}/${name}.json.gz`,
  `tarballs/@${scope}/${name}/${name}-${version}.tgz`,
  `libraries/@${scope}/${name}/`,
  `libraries/@${scope}/${name}/index.html`,
  `api/v1/libraries/@${scope}/${name}`,
  `api/v1/libraries/${scope}/${name}`,
  `api/v1/libraries/%40${scope}/${name}`,
  `api/v1/libraries/@${scope}/${name}/versions`,
  `api/v1/libraries/@${scope}/${name}/${version}`,
  `api/v1/libraries/@${scope}/${name}/latest`,
  `api/v1/libraries/@${scope}/${name}/${version}/download`,
  `api/v1/stats/downloads?library=@${scope}/${name}`,
  `api/v1/stats/downloads?scope=@${scope}`,
  `api/v1/teams/@${scope}`,
  `api/v1/teams/@${scope}/members`,
];
const PUBLIC_ROUTES = byName('acme', 'guide', '1.0.0');
const PRIVATE_ROUTES = byName('secops', 'runbook', '1.0.0');
/** Routes that list or search: always 200, private names only for readers. */
const LISTINGS = [
  '', 'index.html', 'config.json', 'summary/index.json', 'summary/page-1.json', 'search/index.json', 'teams.json', 'build-info.json',
  'api/v1/libraries', 'api/v1/libraries?q=zebracorn', 'api/v1/libraries?q=runbook', 'api/v1/search?q=secret', 'api/v1/libraries?scope=@secops',
  'api/v1/libraries?sort=downloads', 'api/v1/libraries?tag=docs', 'api/v1/teams', 'api/v1/stats/downloads', 'api/v1/stats/libraries', 'api/v1/stats/downloads?days=365',
];

function leaks(text: string, words: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return words.filter((w) => lower.includes(w));
}

describe('access matrix', () => {
  it('refuses malformed, unknown, expired and revoked tokens on every route with 401 and the right code', async () => {
    const codes: Record<string, string> = { malformed: 'MDL_TOKEN_INVALID', unknown: 'MDL_TOKEN_INVALID', expired: 'MDL_TOKEN_EXPIRED', revoked: 'MDL_TOKEN_REVOKED' };
    for (const kind of BAD) {
      for (const path of [...PUBLIC_ROUTES, ...PRIVATE_ROUTES, ...LISTINGS]) {
        const r = await get(`${s.url}${path}`, tok(kind));
        expect(r.status, `${kind} ${path}`).toBe(401);
        expect(JSON.parse(r.text).error.code, `${kind} ${path}`).toBe(codes[kind]);
        expect(r.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(leaks(r.text, SECRET_WORDS)).toEqual([]);
      }
    }
  });

  it('serves the public library to anyone without a bad token', async () => {
    for (const kind of [...NO_ACCESS, ...ACCESS]) {
      for (const path of PUBLIC_ROUTES) {
        const r = await get(`${s.url}${path}`, tok(kind));
        expect(r.status, `${kind} ${path}`).toBe(200);
        expect(leaks(r.text, SECRET_WORDS), `${kind} ${path}`).toEqual([]);
      }
    }
  });

  it('answers a private library to callers without access exactly like a missing library', async () => {
    for (const kind of NO_ACCESS) {
      for (const path of PRIVATE_ROUTES) {
        const missing = path.replaceAll('secops', 'nosuchscope').replaceAll('runbook', 'nosuchlib');
        const [r, m] = [await get(`${s.url}${path}`, tok(kind)), await get(`${s.url}${missing}`, tok(kind))];
        expect(r.status, `${kind} ${path}`).toBe(404);
        expect(r.text, `${kind} ${path}`).toBe(m.text);
        expect(leaks(r.text, SECRET_WORDS)).toEqual([]);
        const hs = (h: Headers) => [...h.keys()].filter((k) => k !== 'date' && k !== 'x-request-id').sort().map((k) => `${k}: ${k.startsWith('x-ratelimit-remaining') ? '' : h.get(k)}`);
        expect(hs(r.headers)).toEqual(hs(m.headers));
        // HTML clients get the same 404 page for both
        const [rh, mh] = [await get(`${s.url}${path}`, tok(kind), { accept: 'text/html' }), await get(`${s.url}${missing}`, tok(kind), { accept: 'text/html' })];
        expect(rh.status).toBe(404);
        expect(rh.text).toBe(mh.text);
      }
    }
  });

  it('serves the private library to a member holding the scope and to an admin token', async () => {
    for (const kind of ACCESS) {
      for (const path of PRIVATE_ROUTES) {
        const r = await get(`${s.url}${path}`, tok(kind));
        expect(r.status, `${kind} ${path}`).toBe(200);
      }
    }
    const tgz = await get(`${s.url}tarballs/@secops/runbook/runbook-1.0.0.tgz`, t.valid);
    expect(tgz.body.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(tgz.headers.get('cache-control')).toMatch(/^private/);
  });

  it('lists and searches private names only for callers with access', async () => {
    for (const kind of [...NO_ACCESS, ...ACCESS]) {
      for (const path of LISTINGS) {
        const r = await get(`${s.url}${path}`, tok(kind));
        expect(r.status, `${kind} ${path}`).toBe(200);
        if (path.startsWith('api/') && (ACCESS as readonly string[]).includes(kind)) continue;
        expect(leaks(r.text, SECRET_WORDS), `${kind} ${path}`).toEqual([]);
      }
    }
    const valid = await get(`${s.url}api/v1/libraries?q=zebracorn`, t.valid);
    expect(JSON.parse(valid.text).libraries.map((l: { name: string }) => l.name)).toEqual(['@secops/runbook']);
    // bob reads secops but not vault; carol's token reads vault only
    for (const path of LISTINGS) {
      expect(leaks((await get(`${s.url}${path}`, t.valid)).text, VAULT_WORDS), path).toEqual([]);
    }
    const carol = await get(`${s.url}api/v1/libraries`, t.otherScope);
    expect(JSON.parse(carol.text).libraries.map((l: { name: string }) => l.name)).toContain('@vault/keys');
    expect(leaks(carol.text, SECRET_WORDS)).toEqual([]);
    const admin = await get(`${s.url}api/v1/libraries`, t.admin);
    expect(JSON.parse(admin.text).total).toBe(4);
  });

  it('refuses odd spellings of private paths the same way, and serves them to readers only as the real file', async () => {
    const odd = [
      '/tarballs/@secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/%40secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/@secops%2Frunbook/runbook-1.0.0.tgz',
      '/tarballs/@secops%2frunbook%2frunbook-1.0.0.tgz',
      '/tarballs/@acme/../@secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/@acme/%2e%2e/@secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/@acme/%2E%2E/%40secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/./@secops/runbook/runbook-1.0.0.tgz',
      '//tarballs/@secops/runbook/runbook-1.0.0.tgz',
      '/tarballs//@secops/runbook/runbook-1.0.0.tgz',
      '/tarballs/@secops/runbook/runbook-1.0.0.tgz.',
      '/tarballs/@secops/runbook/runbook-1.0.0.tgz%00',
      '/tarballs/@secops/runbook/runbook-1.0.0.tgz%20',
      '/tarballs/@secops\\runbook\\runbook-1.0.0.tgz',
      '/TARBALLS/@SECOPS/runbook/runbook-1.0.0.tgz',
      '/tarballs/@Secops/runbook/runbook-1.0.0.tgz',
      '/index/@secops/runbook.json',
      '/index/@secops/runbook.json.br',
      '/index/%40secops/runbook.json',
      '/libraries/@secops/runbook/',
      '/libraries/@secops/runbook',
      '/libraries/@secops/',
      '/api/v1/libraries/@secops%2Frunbook',
      '/api/v1/libraries/@secops/runbook/..%2f..%2f..',
      '/api/v1/libraries/@secops/runbook/%2e%2e/1.0.0',
      '/api/v1/libraries/@SECOPS/runbook',
      '/api/v1/teams/secops',
      '/api/v1/teams/%40secops/members',
    ];
    for (const kind of NO_ACCESS) {
      for (const path of odd) {
        for (const method of ['GET', 'HEAD']) {
          for (const headers of [{}, { range: 'bytes=0-10' }, { 'accept-encoding': 'gzip, br' }] as Record<string, string>[]) {
            const r = await raw(s.port, path, { method, headers: { ...headers, ...(tok(kind) ? { authorization: `Bearer ${tok(kind)}` } : {}) } });
            expect([400, 404], `${kind} ${method} ${path}`).toContain(r.status);
            expect(r.body.includes(Buffer.from([0x1f, 0x8b])), `${kind} ${path}`).toBe(false);
            expect(leaks(r.text, SECRET_WORDS), `${kind} ${path}`).toEqual([]);
            expect(Number(r.headers['content-length'] ?? 0) < 400, `${kind} ${method} ${path}`).toBe(true);
          }
        }
      }
    }
    // the reader gets 200 only where the spelling names exactly the private file, never another
    const reader = { authorization: `Bearer ${t.valid}` };
    expect((await raw(s.port, '/tarballs/%40secops/runbook/runbook-1.0.0.tgz', { headers: reader })).status).toBe(200);
    expect((await raw(s.port, '/tarballs/@acme/../@secops/runbook/runbook-1.0.0.tgz', { headers: reader })).status).toBe(404);
    const part = await raw(s.port, '/tarballs/@secops/runbook/runbook-1.0.0.tgz', { headers: { ...reader, range: 'bytes=0-9' } });
    expect(part.status).toBe(206);
    expect(part.body.length).toBe(10);
  });

  it('keeps private roots of the private tree (its search index, summary, home page) unreachable', async () => {
    for (const kind of [...ACCESS]) {
      for (const path of ['search/index.json', 'summary/page-1.json', 'index.html', 'teams.json', 'build-record.json']) {
        const r = await get(`${s.url}${path}`, tok(kind));
        expect(leaks(r.text, SECRET_WORDS), `${kind} ${path}`).toEqual([]);
      }
    }
  });
});
