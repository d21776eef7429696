/**
 * OPS-3: two server processes on one PostgreSQL. Counts and rate limits add up across both,
 * and a token revoked through one is refused by the other on its next request.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { issueToken, openPostgresStore } from '../../static-server/src/index.js';
import { hasPostgres, PG_URL } from '../helpers/services.js';
import { buildFixture, get } from './fixture.js';
import { kill, spawnServer, type Child } from './spawn.js';

const schema = `mdlibs_r_${randomBytes(4).toString('hex')}`;
const children: Child[] = [];
afterAll(async () => {
  for (const c of children) await kill(c, 'SIGKILL');
  if (!hasPostgres()) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

describe.runIf(hasPostgres())('two replicas on one PostgreSQL', () => {
  it('adds up counts and rate limits across both and sees a revocation at once', async () => {
    const f = await buildFixture();
    const store = await openPostgresStore(PG_URL, schema);
    const admin = await issueToken(store, { owner: 'root-admin', admin: true });
    const bob = await issueToken(store, { owner: 'bob', scopes: ['secops'] });
    await store.close();
    const env = { DATABASE_URL: PG_URL, MDLIBS_DATABASE_SCHEMA: schema, MDLIBS_RATE_LIMIT_AUTHENTICATED: '50', MDLIBS_RATE_LIMIT_ANONYMOUS: '0' };
    const args = ['--public-dir', f.publicDir, '--private-dir', f.privateDir];
    const [a, b] = await Promise.all([spawnServer(args, env), spawnServer(args, env)]);
    children.push(a, b);

    // downloads through both replicas, concurrently
    const tgz = 'tarballs/@secops/runbook/runbook-1.0.0.tgz';
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => get(`${(i % 2 ? a : b).url}${tgz}`, bob.secret)));
    expect(rs.map((r) => r.status)).toEqual(Array(40).fill(200));
    const stats = JSON.parse((await get(`${a.url}api/v1/stats/downloads?library=@secops/runbook&days=1`, admin.secret)).text) as { total: number };
    expect(stats.total).toBe(40);

    // bob has used 40 of 50 (+1 nothing: admin is a different key); 20 more across both: exactly 10 pass
    const more = await Promise.all(Array.from({ length: 20 }, (_, i) => get(`${(i % 2 ? a : b).url}api/v1/teams`, bob.secret)));
    const codes = more.map((r) => r.status);
    expect(codes.filter((c) => c === 200).length).toBe(10);
    expect(codes.filter((c) => c === 429).length).toBe(10);
    const limited = more.find((r) => r.status === 429);
    expect(JSON.parse(limited?.text ?? '{}').error.code).toBe('MDL_RATE_LIMITED');
    expect(Number(JSON.parse(limited?.text ?? '{}').error.details.retry_after)).toBeGreaterThan(0);
    expect(limited?.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    // rate-limited downloads are not counted
    await get(`${a.url}${tgz}`, bob.secret);
    const after = JSON.parse((await get(`${b.url}api/v1/stats/downloads?library=@secops/runbook&days=1`, admin.secret)).text) as { total: number };
    expect(after.total).toBe(40);

    // a token revoked through A is refused by B on the very next request
    const s2 = await openPostgresStore(PG_URL, schema);
    const mine = await issueToken(s2, { owner: 'bob', scopes: ['secops'] });
    await s2.close();
    expect((await get(`${b.url}api/v1/users/me`, mine.secret)).status).toBe(200);
    const del = await fetch(`${a.url}api/v1/auth/tokens/${mine.token.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${admin.secret}` } });
    expect(del.status).toBe(204);
    const refused = await get(`${b.url}api/v1/users/me`, mine.secret);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.text).error.code).toBe('MDL_TOKEN_REVOKED');
    expect((await get(`${b.url}${tgz}`, mine.secret)).status).toBe(401);
  }, 180_000);
});
