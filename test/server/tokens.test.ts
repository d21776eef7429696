/** SRV-3, SRV-5, SRV-6, SEC-4: tokens through the API and the admin command, rate limits, audit, no secrets in logs. */
import { connect, type Socket } from 'node:net';
import { Writable } from 'node:stream';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { issueToken, openSqliteStore, SQLITE_FILE, startServer, type RunningServer } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture, get, mintTokens, type Fixture, type Tokens } from './fixture.js';
import { runBin } from './spawn.js';
import { MAX_ACTIVE_TOKENS } from '../../static-server/src/api/auth-tokens.js';

let f: Fixture;
let s: RunningServer;
let t: Tokens;
const logLines: string[] = [];
beforeAll(async () => {
  f = await buildFixture();
  const sink = new Writable({ write(chunk: Buffer, _e, cb) { logLines.push(chunk.toString()); cb(); } });
  s = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 5, rateLimitAuthenticated: 0, logger: pino({ level: 'info', redact: { paths: ['req.headers.authorization'], censor: '[redacted]' } }, sink) });
  t = await mintTokens(s.store);
});
afterAll(() => s?.close());

async function api(method: string, path: string, token: string | undefined, body?: unknown) {
  const r = await fetch(`${s.url}api/v1/${path}`, { method, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : null, headers: r.headers };
}

/**
 * Opens `n` connections, then writes one POST on each in the same turn, so the server reads
 * them all in one poll and their handlers run side by side (as requests from many clients
 * arriving together do; fetch from this process spreads them over turns).
 */
async function simultaneousPosts(port: number, n: number, path: string, token: string, body: (i: number) => unknown): Promise<{ status: number; text: string }[]> {
  const sockets = await Promise.all(Array.from({ length: n }, () => new Promise<Socket>((resolve, reject) => {
    const c = connect(port, '127.0.0.1', () => resolve(c));
    c.on('error', reject);
  })));
  await new Promise((r) => setTimeout(r, 50)); // let the server accept them all
  const answers = sockets.map((c) => new Promise<{ status: number; text: string }>((resolve, reject) => {
    const chunks: Buffer[] = [];
    c.on('data', (d: Buffer) => chunks.push(d));
    c.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    c.on('error', reject);
  }));
  sockets.forEach((c, i) => {
    const b = JSON.stringify(body(i));
    c.write(`POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${token}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(b)}\r\nconnection: close\r\n\r\n${b}`);
  });
  return Promise.all(answers);
}

describe('tokens API', () => {
  it('creates a token shown once, lists it without the secret, and revokes it at once', async () => {
    const c = await api('POST', 'auth/tokens', t.valid, { name: 'ci', scopes: ['@secops'], expires_in: '7d' });
    expect(c.status).toBe(201);
    const secret = c.json?.token as string;
    expect(secret).toMatch(/^mdl_[A-Za-z0-9]{40}$/);
    expect(c.json).toMatchObject({ name: 'ci', owner: 'bob', scopes: ['@secops'], admin: false });
    expect(Date.parse(c.json?.expires_at as string) - Date.now()).toBeGreaterThan(6 * 86400e3);
    const me = await api('GET', 'users/me', secret);
    expect(me.json).toMatchObject({ user: 'bob', private_scopes: ['@secops'] });
    expect((await api('GET', 'libraries/@secops/runbook', secret)).status).toBe(200);
    const list = await api('GET', 'auth/tokens', t.valid);
    const ids = (list.json?.tokens as { id: string }[]).map((x) => x.id);
    expect(ids).toContain(c.json?.id);
    expect(JSON.stringify(list.json)).not.toContain(secret);
    expect(JSON.stringify(list.json)).not.toMatch(/[0-9a-f]{64}/);
    expect((await api('DELETE', `auth/tokens/${c.json?.id as string}`, t.valid)).status).toBe(204);
    const after = await api('GET', 'libraries/@secops/runbook', secret);
    expect(after.status).toBe(401);
    expect((after.json?.error as { code: string }).code).toBe('MDL_TOKEN_REVOKED');
  });

  it('lists active tokens by default and, with ?include=inactive, expired and revoked ones too, each with its state; any other include is 400', async () => {
    const active = await issueToken(s.store, { owner: 'quinn', name: 'active', expiresIn: '1d' });
    const expired = await issueToken(s.store, { owner: 'quinn', name: 'expired', expiresIn: -1000 });
    const revoked = await issueToken(s.store, { owner: 'quinn', name: 'revoked', expiresIn: '1d' });
    await s.store.revokeToken(revoked.token.id, new Date().toISOString());
    // (sorted: tokens made in the same millisecond are listed in the order of their random ids)
    const states = (r: Awaited<ReturnType<typeof api>>) => (r.json?.tokens as { name: string; state: string }[]).map((x) => `${x.name}:${x.state}`).sort();
    const dflt = await api('GET', 'auth/tokens', active.secret);
    expect(dflt.status).toBe(200);
    expect(states(dflt)).toEqual(['active:active']);
    // the view keeps every field it had, and adds the state
    expect(Object.keys((dflt.json?.tokens as object[])[0] as object)).toEqual(['id', 'name', 'owner', 'scopes', 'admin', 'created_at', 'expires_at', 'last_used_at', 'revoked_at', 'state']);
    const all = await api('GET', 'auth/tokens?include=inactive', active.secret);
    expect(states(all)).toEqual(['active:active', 'expired:expired', 'revoked:revoked']);
    expect((all.json?.tokens as { id: string }[]).map((x) => x.id).sort()).toEqual([active.token.id, expired.token.id, revoked.token.id].sort());
    expect(states(await api('GET', 'auth/tokens?owner=quinn&include=inactive', t.admin))).toEqual(['active:active', 'expired:expired', 'revoked:revoked']);
    expect(states(await api('GET', 'auth/tokens?owner=quinn', t.admin))).toEqual(['active:active']);
    expect(((await api('GET', 'auth/tokens?include=inactive', t.admin)).json?.tokens as { state: string }[]).some((x) => x.state === 'expired')).toBe(true);
    expect(((await api('GET', 'auth/tokens', t.admin)).json?.tokens as { state: string }[]).every((x) => x.state === 'active')).toBe(true);
    const long = 'x'.repeat(4000);
    for (const v of ['all', 'INACTIVE', '', 'inactive%00', 'inactive,active', '%E2%80%AEinactive', '%0d%0aSet-Cookie:%20a=b', long, `${'<script>'.repeat(50)}`]) {
      const r = await api('GET', `auth/tokens?include=${v}`, active.secret);
      expect(r.status, v.slice(0, 40)).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/json');
      expect(r.headers.get('set-cookie')).toBeNull();
      const err = r.json?.error as { code: string; message: string; details: { problems: { field: string }[] } };
      expect(err.code).toBe('MDL_BAD_REQUEST');
      expect(err.message).toContain('include');
      expect(err.details.problems.map((p) => p.field)).toEqual(['include']);
      expect(JSON.stringify(r.json)).not.toContain('xxxxxxxx');
      expect(JSON.stringify(r.json)).not.toContain('<script>');
    }
    // the first of two values counts, as for every query parameter
    expect((await api('GET', 'auth/tokens?include=bogus&include=inactive', active.secret)).status).toBe(400);
    // a non-admin token still cannot see another owner's tokens, inactive or not
    expect((await api('GET', 'auth/tokens?owner=bob&include=inactive', active.secret)).status).toBe(403);
  });

  it('lets only admin tokens mint admin tokens, tokens for others, or scopes the caller lacks', async () => {
    expect((await api('POST', 'auth/tokens', t.valid, { name: 'x', admin: true })).status).toBe(403);
    expect((await api('POST', 'auth/tokens', t.valid, { name: 'x', owner: 'alice' })).status).toBe(403);
    expect((await api('POST', 'auth/tokens', t.valid, { name: 'x', scopes: ['@vault'] })).status).toBe(403);
    expect((await api('POST', 'auth/tokens', undefined, { name: 'x' })).status).toBe(401);
    expect((await api('GET', 'auth/tokens?owner=carol', t.valid)).status).toBe(403);
    const carolTokens = await api('GET', 'auth/tokens', t.otherScope);
    expect((await api('DELETE', `auth/tokens/${(carolTokens.json?.tokens as { id: string }[])[0]?.id}`, t.valid)).status).toBe(404);
    const made = await api('POST', 'auth/tokens', t.admin, { name: 'for-carol', owner: 'carol', scopes: ['@vault'], expires_in: null });
    expect(made.status).toBe(201);
    expect(made.json?.expires_at).toBeNull();
    expect((await api('GET', 'libraries/@vault/keys', made.json?.token as string)).status).toBe(200);
    expect((await api('GET', 'libraries/@secops/runbook', made.json?.token as string)).status).toBe(404);
    expect((await api('GET', 'users/me', undefined)).status).toBe(401);
  });

  it('refuses token names with C1 controls, line separators or bidi overrides (they passed as "printable" and split or reversed lines of token list)', async () => {
    for (const name of ['a\u0085b', 'csi\u009b2J', 'line\u2028two', 'para\u2029two', 'abc\u202eevil', 'iso\u2066late\u2069', 'mark\u200f']) {
      const r = await api('POST', 'auth/tokens', t.valid, { name, expires_in: '1d' });
      expect([r.status, (r.json?.error as { details?: { field?: string } } | undefined)?.details?.field], JSON.stringify(name)).toEqual([400, 'name']);
    }
    // printable text in any script, emoji with joiners included, is still a name
    const ok = await api('POST', 'auth/tokens', t.valid, { name: 'Ноутбук 👩\u200d💻 laptop', expires_in: '1d' });
    expect(ok.status).toBe(201);
    expect(ok.json?.name).toBe('Ноутбук 👩\u200d💻 laptop');
  });

  it('refuses a non-admin token minting one that outlives it (a 1 m token made a never-expiring one that survived its revocation)', async () => {
    const parent = await issueToken(s.store, { owner: 'bob', name: 'short', scopes: ['secops'], expiresIn: '1h' });
    const limit = Date.parse(parent.token.expiresAt as string);
    for (const expires_in of [null, 'never', '2h', '90d']) {
      const r = await api('POST', 'auth/tokens', parent.secret, { name: 'child', scopes: ['@secops'], expires_in });
      expect(r.status, String(expires_in)).toBe(403);
      const err = r.json?.error as { code: string; message: string };
      expect(err.code).toBe('MDL_FORBIDDEN');
      expect(err.message).toContain('may not outlive the one creating it');
      expect(err.message).toContain('shorter expires_in');
    }
    expect((await s.store.listTokens('bob')).filter((x) => x.name === 'child')).toHaveLength(0);
    // shorter: accepted; omitted: the parent's remaining lifetime, not 90 days
    const shorter = await api('POST', 'auth/tokens', parent.secret, { name: 'child-ok', scopes: ['@secops'], expires_in: '30m' });
    expect(shorter.status).toBe(201);
    expect(Date.parse(shorter.json?.expires_at as string)).toBeLessThanOrEqual(limit);
    const omitted = await api('POST', 'auth/tokens', parent.secret, { name: 'child-default' });
    expect(omitted.status).toBe(201);
    expect(omitted.json?.expires_at).toBe(parent.token.expiresAt);
    // equal: with the clock held still, a child asking for exactly the parent's lifetime is accepted, a minute more is not
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    try {
      const same = await issueToken(s.store, { owner: 'bob', name: 'same', expiresIn: '60m' });
      const equal = await api('POST', 'auth/tokens', same.secret, { name: 'child-equal', expires_in: '1h' });
      expect(equal.status).toBe(201);
      expect(equal.json?.expires_at).toBe(same.token.expiresAt);
      expect((await api('POST', 'auth/tokens', same.secret, { name: 'child-longer', expires_in: '61m' })).status).toBe(403);
    } finally {
      vi.useRealTimers();
    }
    // an admin token may mint any lifetime, and a never-expiring non-admin token may too
    const adminShort = await issueToken(s.store, { owner: 'root-admin', admin: true, expiresIn: '1h' });
    expect((await api('POST', 'auth/tokens', adminShort.secret, { name: 'long', owner: 'bob', expires_in: null })).status).toBe(201);
    const forever = await issueToken(s.store, { owner: 'bob', expiresIn: null });
    expect((await api('POST', 'auth/tokens', forever.secret, { name: 'long', expires_in: null })).status).toBe(201);
  });

  it('records security events in the audit log, readable by admins only', async () => {
    await get(`${s.url}api/v1/libraries`, t.revoked);
    await new Promise((r) => setTimeout(r, 100));
    const a = await api('GET', 'audit', t.admin);
    const events = (a.json?.events as { event: string }[]).map((e) => e.event);
    expect(events).toEqual(expect.arrayContaining(['token.created', 'token.revoked', 'token.denied']));
    expect((await api('GET', 'audit', t.valid)).status).toBe(403);
  });

  it('behind a trusted proxy, limits by the address the proxy added to X-Forwarded-For, not the ones a client wrote before it', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 2, rateLimitAuthenticated: 0, trustProxy: true, logLevel: 'silent' });
    try {
      const teams = (xff: string) => fetch(`${own.url}api/v1/teams`, { headers: { 'x-forwarded-for': xff } }).then((r) => r.status);
      // one client behind the proxy (10.0.0.9) naming a new address each time: it was never limited
      const spoofing = [await teams('1.1.1.1, 10.0.0.9'), await teams('2.2.2.2, 10.0.0.9'), await teams('3.3.3.3, 10.0.0.9')];
      expect(spoofing).toEqual([200, 200, 429]);
      expect(await teams('10.0.0.10')).toBe(200); // another client has its own budget
      // a new address of the same IPv6 /64 with each request was a new budget each time
      expect([await teams('2001:db8:0:7::1'), await teams('2001:db8:0:7::2'), await teams('2001:db8:0:7:ffff::3')]).toEqual([200, 200, 429]);
      expect(await teams('2001:db8:0:8::1')).toBe(200);
    } finally {
      await own.close();
    }
  });

  it('behind a trusted proxy that writes the client port into X-Forwarded-For (ip:port, [ipv6]:port), limits the address, not each new port', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 2, rateLimitAuthenticated: 0, trustProxy: true, logLevel: 'silent' });
    try {
      const teams = (xff: string) => fetch(`${own.url}api/v1/teams`, { headers: { 'x-forwarded-for': xff } }).then((r) => r.status);
      // each connection of one client comes from a new port: each was a new budget
      expect([await teams('203.0.113.7:40001'), await teams('203.0.113.7:40002'), await teams('203.0.113.7')]).toEqual([200, 200, 429]);
      expect([await teams('[2001:db8:0:9::1]:40001'), await teams('[2001:db8:0:9::1]:40002'), await teams('[2001:db8:0:9::2]')]).toEqual([200, 200, 429]);
      expect(await teams('203.0.113.8:40001')).toBe(200); // another address has its own budget
    } finally {
      await own.close();
    }
  });

  it('writes one audit row a minute for a client presenting the same bad token again and again (each was a row: a disk-filling flood)', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, logLevel: 'silent' });
    try {
      const bogus = `mdl_${'A'.repeat(40)}`;
      const statuses = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`${own.url}${i % 2 ? 'api/v1/libraries' : 'tarballs/@acme/guide/guide-1.0.0.tgz'}`, bogus).then((r) => r.status)));
      expect(new Set(statuses)).toEqual(new Set([401]));
      expect((await get(`${own.url}api/v1/libraries`, 'not-a-token')).status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      const denied = (await own.store.auditEvents(200)).filter((e) => e.event === 'token.denied');
      expect(denied.map((e) => e.details.reason).sort()).toEqual(['MDL_TOKEN_INVALID']);
    } finally {
      await own.close();
    }
    // behind a proxy, an IPv6 client taking a new address of its /64 for each bad token is still one client
    const proxied = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, trustProxy: true, logLevel: 'silent' });
    try {
      for (let i = 1; i <= 20; i++) expect((await get(`${proxied.url}api/v1/libraries`, `mdl_${'B'.repeat(40)}`, { 'x-forwarded-for': `2001:db8:0:9::${i.toString(16)}` })).status).toBe(401);
      await new Promise((r) => setTimeout(r, 100));
      expect((await proxied.store.auditEvents(200)).filter((e) => e.event === 'token.denied')).toHaveLength(1);
    } finally {
      await proxied.close();
    }
  });

  it('caps the active tokens one owner may mint through the API (each one may mint more: rows without end), counting neither revoked nor expired ones', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, logLevel: 'silent' });
    try {
      const first = await issueToken(own.store, { owner: 'zed', name: 'first' });
      await issueToken(own.store, { owner: 'zed', name: 'old', expiresIn: -1000 });
      for (let i = 1; i < MAX_ACTIVE_TOKENS; i++) await issueToken(own.store, { owner: 'zed', name: `t${i}` });
      const mint = () => fetch(`${own.url}api/v1/auth/tokens`, { method: 'POST', headers: { authorization: `Bearer ${first.secret}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'one-more' }) });
      const refused = await mint();
      expect(refused.status).toBe(403);
      expect(await refused.text()).toContain(`zed has ${MAX_ACTIVE_TOKENS} active tokens`);
      const victim = (await own.store.listTokens('zed')).find((t) => t.name === 't1');
      await own.store.revokeToken(victim?.id as string, new Date().toISOString());
      expect((await mint()).status).toBe(201);
      expect((await mint()).status).toBe(403);
    } finally {
      await own.close();
    }
  });

  it('keeps the cap under concurrent creates (200 at once all got 201: each counted before any inserted)', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, logLevel: 'silent' });
    try {
      const first = await issueToken(own.store, { owner: 'yan', name: 'first' });
      for (let i = 1; i < MAX_ACTIVE_TOKENS - 5; i++) await issueToken(own.store, { owner: 'yan', name: `t${i}` });
      const answers = await simultaneousPosts(own.port, 20, '/api/v1/auth/tokens', first.secret, (i) => ({ name: `race${i}`, expires_in: '1d' }));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((x) => x === 201)).toHaveLength(5);
      expect(statuses.filter((x) => x === 403)).toHaveLength(15);
      for (const a of answers) if (a.status === 403) expect(a.text).toContain(`yan has ${MAX_ACTIVE_TOKENS} active tokens`);
      expect((await own.store.listTokens('yan')).filter((x) => x.revokedAt === null)).toHaveLength(MAX_ACTIVE_TOKENS);
    } finally {
      await own.close();
    }
  });

  it('deletes tokens revoked or expired more than tokenRetentionDays ago at start; a deleted revoked token is refused as unknown, with the same 401', async () => {
    const data = tempDir();
    const store = openSqliteStore(join(data, SQLITE_FILE));
    const day = 86400e3;
    const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
    const admin = await issueToken(store, { owner: 'root-admin', admin: true });
    const oldRevoked = await issueToken(store, { owner: 'pat', name: 'old-revoked', expiresIn: '1y' });
    await store.revokeToken(oldRevoked.token.id, ago(31 * day));
    const oldExpired = await issueToken(store, { owner: 'pat', name: 'old-expired', expiresIn: -31 * day });
    const recentRevoked = await issueToken(store, { owner: 'pat', name: 'recent-revoked', expiresIn: '1y' });
    await store.revokeToken(recentRevoked.token.id, ago(29 * day));
    const recentExpired = await issueToken(store, { owner: 'pat', name: 'recent-expired', expiresIn: -29 * day });
    await store.close();
    const names = async (url: string) => ((await (await fetch(`${url}api/v1/auth/tokens?owner=pat&include=inactive`, { headers: { authorization: `Bearer ${admin.secret}` } })).json()) as { tokens: { name: string }[] }).tokens.map((x) => x.name).sort();
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: data, port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, logLevel: 'silent' });
    try {
      expect(await names(own.url)).toEqual(['recent-expired', 'recent-revoked']);
      expect(await own.store.tokenById(oldRevoked.token.id)).toBeNull();
      const pruned = await get(`${own.url}api/v1/libraries`, oldRevoked.secret);
      const unknown = await get(`${own.url}api/v1/libraries`, `mdl_${'Z'.repeat(40)}`);
      expect(pruned.status).toBe(401);
      expect(JSON.parse(pruned.text)).toEqual(JSON.parse(unknown.text));
      expect((JSON.parse(pruned.text) as { error: { code: string } }).error.code).toBe('MDL_TOKEN_INVALID');
      expect(pruned.headers.get('www-authenticate')).toBe(unknown.headers.get('www-authenticate'));
      expect((await get(`${own.url}api/v1/libraries`, oldExpired.secret)).text).toBe(unknown.text);
      expect(JSON.parse((await get(`${own.url}api/v1/libraries`, recentRevoked.secret)).text)).toMatchObject({ error: { code: 'MDL_TOKEN_REVOKED' } });
      expect(JSON.parse((await get(`${own.url}api/v1/libraries`, recentExpired.secret)).text)).toMatchObject({ error: { code: 'MDL_TOKEN_EXPIRED' } });
      expect((await fetch(`${own.url}api/v1/auth/tokens/${oldRevoked.token.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.secret}` } })).status).toBe(404);
    } finally {
      await own.close();
    }
    // a shorter retention deletes the rest at the next start; active tokens stay
    const short = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: data, port: 0, rateLimitAnonymous: 0, rateLimitAuthenticated: 0, logLevel: 'silent', tokenRetentionDays: 0 });
    try {
      expect(await names(short.url)).toEqual([]);
      expect((await short.store.listTokens(null)).map((x) => x.id)).toEqual([admin.token.id]);
      expect(JSON.parse((await get(`${short.url}api/v1/libraries`, recentRevoked.secret)).text)).toMatchObject({ error: { code: 'MDL_TOKEN_INVALID' } });
    } finally {
      await short.close();
    }
  });

  it('rate-limits anonymous callers with X-RateLimit headers and 429 + retry_after', async () => {
    const own = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, dataDir: tempDir(), port: 0, rateLimitAnonymous: 5, rateLimitAuthenticated: 0, logLevel: 'silent' });
    const api = async (method: string, path: string, token: string | undefined) => {
      const r = await fetch(`${own.url}api/v1/${path}`, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: r.status, headers: r.headers, json: (await r.json()) as Record<string, unknown> };
    };
    const seen: number[] = [];
    let last: Awaited<ReturnType<typeof api>> | null = null;
    for (let i = 0; i < 7; i++) {
      last = await api('GET', 'teams', undefined);
      seen.push(last.status);
    }
    expect(seen.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    expect(seen.slice(5)).toEqual([429, 429]);
    expect(last?.headers.get('x-ratelimit-limit')).toBe('5');
    expect(last?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(last?.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect((last?.json?.error as { details: { retry_after: number } }).details.retry_after).toBeGreaterThan(0);
    // static index files are not limited; tarballs are
    expect((await get(`${own.url}index/@acme/guide.json`)).status).toBe(200);
    expect((await get(`${own.url}tarballs/@acme/guide/guide-1.0.0.tgz`)).status).toBe(429);
    // a token has its own budget (unlimited here)
    await issueToken(own.store, { owner: 'bob', scopes: ['secops'] }).then(async ({ secret }) => expect((await api('GET', 'teams', secret)).status).toBe(200));
    await own.close();
  });

  it('never writes a token into the logs', async () => {
    await get(`${s.url}api/v1/libraries?token=${t.valid}`, t.valid);
    await new Promise((r) => setTimeout(r, 100));
    const all = logLines.join('');
    expect(all).toContain('"route":"/api/v1/libraries"');
    for (const secret of Object.values(t)) if (secret.length > 20) expect(all).not.toContain(secret);
  });

  it('never writes a token into the logs when the URL has it percent-encoded or it is sent as X-Request-Id', async () => {
    const enc = (x: string) => [...x].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join('');
    const tok = t.valid as string;
    await get(`${s.url}api/v1/libraries?token=${enc(tok)}&t2=%6ddl%5F${tok.slice(4)}&t3=mdl%5f${tok.slice(4)}`, t.valid);
    await get(`${s.url}index.html`, undefined, { 'x-request-id': tok });
    await new Promise((r) => setTimeout(r, 100));
    const all = logLines.join('');
    expect(all).toContain('t2=mdl_[redacted]');
    expect(all).not.toContain(tok.slice(4));
    expect(all).not.toContain(enc(tok.slice(4)));
  });
});

describe('mdlibs-server token commands', () => {
  it('creates, lists and revokes tokens on the server host', async () => {
    const data = tempDir();
    const env = { MDLIBS_DATA_DIR: data };
    const c = await runBin(['token', 'create', '--owner', 'alice', '--scope', '@acme', '--scope', 'secops', '--expires', '90d', '--json'], env);
    expect(c.code).toBe(0);
    const made = JSON.parse(c.stdout) as { token: string; id: string; scopes: string[] };
    expect(made.scopes).toEqual(['@acme', '@secops']);
    const adm = await runBin(['token', 'create', '--owner', 'root', '--admin'], env);
    expect(adm.stdout.trim()).toMatch(/^mdl_[A-Za-z0-9]{40}$/);
    const list = await runBin(['token', 'list'], env);
    expect(list.stdout).toContain(made.id);
    expect(list.stdout).not.toContain(made.token);
    expect((await runBin(['token', 'revoke', made.id], env)).code).toBe(0);
    expect((await runBin(['token', 'revoke', made.id], env)).code).toBe(1);
    // a revoked token is listed only when asked for, marked as such
    expect((await runBin(['token', 'list'], env)).stdout).not.toContain(made.id);
    const all = await runBin(['token', 'list', '--include', 'inactive'], env);
    expect(all.stdout).toMatch(new RegExp(`^${made.id}\\t.*\\trevoked$`, 'm'));
    const json = JSON.parse((await runBin(['token', 'list', '--include', 'inactive', '--json'], env)).stdout) as { tokens: { id: string; state: string }[] };
    expect(json.tokens.find((x) => x.id === made.id)?.state).toBe('revoked');
    const wrong = await runBin(['token', 'list', '--include', 'everything'], env);
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('include');
    const bad = await runBin(['token', 'create', '--owner', 'alice', '--expires', 'soon'], env);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('MDL_BAD_REQUEST');
    const store = openSqliteStore(join(data, SQLITE_FILE));
    expect((await store.tokenById(made.id))?.revokedAt).not.toBeNull();
    expect((await store.auditEvents(10)).map((e) => e.event)).toEqual(['token.revoked', 'token.created', 'token.created']);
    await store.close();
  });
});
