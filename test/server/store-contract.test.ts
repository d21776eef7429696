/** One contract suite, run against both stores (SQLite file, PostgreSQL in a throwaway schema). */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { issueToken, openPostgresStore, openSqliteStore, type Store } from '../../static-server/src/index.js';
import { GroupCommit, rateWindowEnd, rateWindowsEndedBefore } from '../../static-server/src/group-commit.js';
import type { TokenRecord } from '../../static-server/src/store/store.js';
import { hasPostgres, PG_URL } from '../helpers/services.js';
import { tempDir } from '../helpers/tmp.js';
import { withTwoConnections } from './two-connections.js';

const schemas: string[] = [];
afterAll(async () => {
  if (!schemas.length) return;
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await c.end();
});

const newSchema = () => {
  const schema = `mdlibs_t_${randomBytes(4).toString('hex')}`;
  schemas.push(schema);
  return schema;
};

/** name, open one store, available, open two stores on the same data (two servers, two replicas). */
const backends: [string, () => Promise<Store>, boolean, () => Promise<[Store, Store]>][] = [
  ['sqlite', async () => openSqliteStore(join(tempDir('mdlibs-store-'), 'mdlibs.db')), true, async () => {
    const file = join(tempDir('mdlibs-store-'), 'mdlibs.db');
    return [openSqliteStore(file), openSqliteStore(file)];
  }],
  ['postgres', async () => openPostgresStore(PG_URL, newSchema()), hasPostgres(), async () => {
    const schema = newSchema();
    const a = await openPostgresStore(PG_URL, schema);
    return [a, await openPostgresStore(PG_URL, schema)];
  }],
];

const tokenRecord = (owner: string, i: number, over: Partial<TokenRecord> = {}): TokenRecord => ({
  id: `tok_${owner}_${i}`, hash: createHash('sha256').update(`${owner}-${i}`).digest('hex'), name: `t${i}`, owner, scopes: [], admin: false,
  createdAt: '2026-01-01T00:00:00.000Z', expiresAt: null, lastUsedAt: null, revokedAt: null, ...over,
});

const noDownloads = () => [];

describe.each(backends)('store contract: %s', (_name, open, available, openTwo) => {
  it.runIf(available)('stores tokens by hash only, finds, lists and revokes them', async () => {
    const store = await open();
    try {
      const a = await issueToken(store, { owner: 'alice', name: 'laptop', scopes: ['@secops', 'acme'], expiresIn: '30d' });
      const b = await issueToken(store, { owner: 'bob', admin: true, expiresIn: null });
      expect(a.secret).toMatch(/^mdl_[A-Za-z0-9]{40}$/);
      const found = await store.tokenByHash(a.token.hash);
      expect(found).toEqual(a.token);
      expect(JSON.stringify(found)).not.toContain(a.secret);
      expect(found?.scopes).toEqual(['acme', 'secops']);
      expect((await store.tokenById(b.token.id))?.admin).toBe(true);
      expect((await store.tokenById(b.token.id))?.expiresAt).toBeNull();
      expect((await store.listTokens('alice')).map((t) => t.id)).toEqual([a.token.id]);
      expect((await store.listTokens(null)).length).toBe(2);
      expect(await store.revokeToken(a.token.id, '2026-01-01T00:00:00.000Z')).toBe(true);
      expect(await store.revokeToken(a.token.id, '2026-01-02T00:00:00.000Z')).toBe(false);
      expect((await store.tokenById(a.token.id))?.revokedAt).toBe('2026-01-01T00:00:00.000Z');
      expect(await store.revokeToken('tok_nope', '2026-01-01T00:00:00.000Z')).toBe(false);
      await store.touchTokens(new Map([[b.token.id, '2026-05-01T00:00:00.000Z']]));
      await store.touchTokens(new Map([[b.token.id, '2026-04-01T00:00:00.000Z']]));
      expect((await store.tokenById(b.token.id))?.lastUsedAt).toBe('2026-05-01T00:00:00.000Z');
      expect(await store.tokenByHash('0'.repeat(64))).toBeNull();
    } finally {
      await store.close();
    }
  });

  it.runIf(available)('counts and inserts capped tokens atomically: concurrent inserts on two connections never take an owner past the cap', async () => {
    const [a, b] = await openTwo();
    try {
      const now = '2026-06-01T00:00:00.000Z';
      // 3 active, 1 revoked and 1 expired: only the active ones count
      for (let i = 0; i < 3; i++) await a.insertToken(tokenRecord('zed', i));
      await a.insertToken(tokenRecord('zed', 3, { revokedAt: '2026-02-01T00:00:00.000Z' }));
      await a.insertToken(tokenRecord('zed', 4, { expiresAt: '2026-05-31T23:59:59.999Z' }));
      await a.insertToken(tokenRecord('other', 0));
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).insertTokenCapped(tokenRecord('zed', 10 + i, { expiresAt: '2026-07-01T00:00:00.000Z' }), 10, now)));
      expect(results.filter((r) => r === null)).toHaveLength(7);
      expect(results.filter((r) => r !== null).every((r) => r === 10)).toBe(true);
      const active = (await b.listTokens('zed')).filter((t) => t.revokedAt === null && (t.expiresAt === null || t.expiresAt > now));
      expect(active).toHaveLength(10);
      // another owner has its own count; a token inserted while under the cap is found at once
      const mine = tokenRecord('other', 1);
      expect(await b.insertTokenCapped(mine, 2, now)).toBeNull();
      expect(await a.insertTokenCapped(tokenRecord('other', 2), 2, now)).toBe(2);
      expect(await a.tokenByHash(mine.hash)).toEqual(mine);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it.runIf(available)('lists every stored token, or only those active at a given time (neither revoked nor expired then)', async () => {
    const store = await open();
    try {
      const now = '2026-06-01T00:00:00.000Z';
      await store.insertToken(tokenRecord('ann', 0)); // never expires
      await store.insertToken(tokenRecord('ann', 1, { expiresAt: '2026-06-01T00:00:00.001Z' })); // expires just after
      await store.insertToken(tokenRecord('ann', 2, { expiresAt: now })); // expires at that very time: no longer active
      await store.insertToken(tokenRecord('ann', 3, { revokedAt: '2026-05-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' }));
      await store.insertToken(tokenRecord('ben', 0, { createdAt: '2025-12-31T00:00:00.000Z' }));
      await store.insertToken(tokenRecord('ben', 1, { expiresAt: '2026-01-02T00:00:00.000Z' }));
      const ids = async (owner: string | null, activeAt?: string) => (await store.listTokens(owner, activeAt)).map((t) => t.id);
      expect(await ids('ann')).toEqual(['tok_ann_0', 'tok_ann_1', 'tok_ann_2', 'tok_ann_3']);
      expect(await ids('ann', now)).toEqual(['tok_ann_0', 'tok_ann_1']);
      expect(await ids(null, now)).toEqual(['tok_ben_0', 'tok_ann_0', 'tok_ann_1']);
      expect(await ids(null)).toHaveLength(6);
      expect(await ids('ben', '2026-01-01T12:00:00.000Z')).toEqual(['tok_ben_0', 'tok_ben_1']);
      expect(await ids('nobody', now)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.runIf(available)('deletes the tokens revoked or expired before a time and keeps the rest; a deleted token is unknown, on every connection', async () => {
    const [a, b] = await openTwo();
    try {
      const cut = '2026-05-01T00:00:00.000Z';
      const rows = [
        tokenRecord('cy', 0), // active, never expires: kept
        tokenRecord('cy', 1, { expiresAt: '2026-04-30T23:59:59.999Z' }), // expired before: deleted
        tokenRecord('cy', 2, { expiresAt: cut }), // expired at the cut itself: kept
        tokenRecord('cy', 3, { expiresAt: '2026-05-15T00:00:00.000Z' }), // expired after: kept
        tokenRecord('cy', 4, { revokedAt: '2026-04-01T00:00:00.000Z', expiresAt: '2027-01-01T00:00:00.000Z' }), // revoked before: deleted
        tokenRecord('cy', 5, { revokedAt: '2026-05-02T00:00:00.000Z', expiresAt: '2026-02-01T00:00:00.000Z' }), // revoked after, but expired before: deleted
        tokenRecord('cy', 6, { revokedAt: '2026-05-02T00:00:00.000Z' }), // revoked after: kept
        tokenRecord('dee', 0, { revokedAt: '2026-01-01T00:00:00.000Z' }), // another owner's: deleted too
      ];
      for (const t of rows) await a.insertToken(t);
      const gone = rows[4] as TokenRecord;
      expect((await a.tokenByHash(gone.hash))?.revokedAt).toBe(gone.revokedAt); // (SQLite: now cached on a)
      expect(await b.pruneTokens(cut)).toBe(4);
      expect(await a.tokenByHash(gone.hash)).toBeNull();
      expect(await a.tokenById(gone.id)).toBeNull();
      expect(await a.revokeToken(gone.id, '2026-06-01T00:00:00.000Z')).toBe(false);
      expect((await a.listTokens(null)).map((t) => t.id)).toEqual(['tok_cy_0', 'tok_cy_2', 'tok_cy_3', 'tok_cy_6']);
      expect(await b.pruneTokens(cut)).toBe(0);
      // a `turn` lookup answered before the row went: the commit that follows hands decide its current record (none)
      const late = tokenRecord('cy', 7, { revokedAt: '2026-04-02T00:00:00.000Z' });
      await a.insertToken(late);
      expect((await a.tokenByHash(late.hash, 'turn'))?.id).toBe(late.id);
      expect(await b.pruneTokens(cut)).toBe(1);
      let current: ReadonlyMap<string, TokenRecord | null> | null | undefined;
      await a.commitBatch({ window: 1, hits: new Map(), tokens: new Set([late.hash]), decide: (_totals, tokens) => ((current = tokens), []) });
      // (PostgreSQL hands null: its lookups are never cached, so always current)
      expect(a.kind === 'postgres' ? current : current?.get(late.hash)).toBeNull();
      // pruning on the connection that cached the row
      const mine = tokenRecord('cy', 8, { expiresAt: '2026-03-01T00:00:00.000Z' });
      await a.insertToken(mine);
      expect((await a.tokenByHash(mine.hash))?.id).toBe(mine.id);
      expect(await a.pruneTokens(cut)).toBe(1);
      expect(await a.tokenByHash(mine.hash)).toBeNull();
      expect(await b.tokenByHash(mine.hash)).toBeNull();
      expect((await b.tokenByHash((rows[6] as TokenRecord).hash))?.id).toBe('tok_cy_6');
    } finally {
      await a.close();
      await b.close();
    }
  });

  it.runIf(available)('adds rate-limit hits per key and window and returns the totals', async () => {
    const store = await open();
    try {
      const t1 = await store.commitBatch({ window: 7, hits: new Map([['ip:a', 3], ['tok:x', 1]]), decide: noDownloads });
      expect(Object.fromEntries(t1)).toEqual({ 'ip:a': 3, 'tok:x': 1 });
      const t2 = await store.commitBatch({ window: 7, hits: new Map([['ip:a', 2]]), decide: noDownloads });
      expect(t2.get('ip:a')).toBe(5);
      const t3 = await store.commitBatch({ window: 8, hits: new Map([['ip:a', 1]]), decide: noDownloads });
      expect(t3.get('ip:a')).toBe(1);
      await store.pruneRateLimits(8);
      const t4 = await store.commitBatch({ window: 7, hits: new Map([['ip:a', 1]]), decide: noDownloads });
      expect(t4.get('ip:a')).toBe(1);
    } finally {
      await store.close();
    }
  });

  it.runIf(available)('keeps the current counts of replicas with different window lengths when ended windows are pruned (a 60 s replica deleted a 3600 s one\'s rows at every tick)', async () => {
    const store = await open();
    try {
      const now = Date.UTC(2026, 10, 27, 10, 30, 15);
      const hour = rateWindowEnd(now, 3600);
      const minute = rateWindowEnd(now, 60);
      expect([hour, minute]).toEqual([Date.UTC(2026, 10, 27, 11) / 1000, Date.UTC(2026, 10, 27, 10, 31) / 1000]);
      await store.commitBatch({ window: hour, hits: new Map([['ip:h', 5]]), decide: noDownloads });
      await store.commitBatch({ window: minute, hits: new Map([['ip:m', 2]]), decide: noDownloads });
      await store.commitBatch({ window: rateWindowEnd(now - 60_000, 60), hits: new Map([['ip:m', 9]]), decide: noDownloads }); // the minute before
      await store.pruneRateLimits(rateWindowsEndedBefore(now)); // what every replica's timer runs, whatever its window
      expect((await store.commitBatch({ window: hour, hits: new Map([['ip:h', 1]]), decide: noDownloads })).get('ip:h')).toBe(6);
      expect((await store.commitBatch({ window: minute, hits: new Map([['ip:m', 1]]), decide: noDownloads })).get('ip:m')).toBe(3);
      expect((await store.commitBatch({ window: rateWindowEnd(now - 60_000, 60), hits: new Map([['ip:m', 1]]), decide: noDownloads })).get('ip:m')).toBe(1); // ended: pruned

      // the same through the group commit of two replicas, one with 60 s windows, one with an hour
      const hourly = new GroupCommit(store, 3600, () => now);
      const minutely = new GroupCommit(store, 60, () => now);
      const ticket = { key: 'ip:shared', limit: 3, download: null };
      await hourly.submit(ticket);
      await hourly.submit(ticket);
      await minutely.submit(ticket);
      await store.pruneRateLimits(rateWindowsEndedBefore(now));
      const third = await hourly.submit(ticket);
      expect(third).toMatchObject({ allowed: true, remaining: 0, reset: hour });
      expect(await hourly.submit(ticket)).toMatchObject({ allowed: false, remaining: 0 });
    } finally {
      await store.close();
    }
  });

  it.runIf(available)('commits batches naming the same keys and downloads in opposite orders on two connections at once without a deadlock', async () => {
    // two replicas each batch the same clients in their own arrival order; row locks taken in
    // that order made PostgreSQL abort one of the two with "deadlock detected" (503 for its batch)
    const [a, b] = await openTwo();
    try {
      const keys = Array.from({ length: 200 }, (_, i) => `ip:10.0.${i >> 8}.${i & 255}`);
      const rows = keys.slice(0, 50).map((k) => ({ library: `@acme/${k.replace(/\W/g, '')}`, version: '1.0.0', day: '2026-11-25', n: 1 }));
      const batch = (order: 1 | -1) => ({
        window: 1,
        hits: new Map((order === 1 ? keys : [...keys].reverse()).map((k) => [k, 1])),
        decide: () => (order === 1 ? rows : [...rows].reverse()),
      });
      for (let round = 0; round < 20; round++) await Promise.all([a.commitBatch(batch(1)), b.commitBatch(batch(-1))]);
      expect((await a.commitBatch({ window: 1, hits: new Map([[keys[0] as string, 1]]), decide: noDownloads })).get(keys[0] as string)).toBe(41);
      expect((await b.downloadTotals()).get(rows[0]?.library as string)).toBe(40);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it.runIf(available)('counts downloads per version per day, in the same transaction as the hits', async () => {
    const store = await open();
    try {
      let seen: ReadonlyMap<string, number> | null = null;
      await store.commitBatch({
        window: 1, hits: new Map([['ip:z', 1]]),
        decide: (totals) => {
          seen = totals;
          return [
            { library: '@acme/guide', version: '1.0.0', day: '2026-11-24', n: 2 },
            { library: '@acme/guide', version: '1.1.0', day: '2026-11-25', n: 5 },
            { library: '@secops/runbook', version: '1.0.0', day: '2026-11-25', n: 1 },
          ];
        },
      });
      expect(seen && Object.fromEntries(seen as Map<string, number>)).toEqual({ 'ip:z': 1 });
      await store.commitBatch({ window: 1, hits: new Map(), decide: () => [{ library: '@acme/guide', version: '1.1.0', day: '2026-11-25', n: 3 }] });
      expect(Object.fromEntries(await store.downloadTotals())).toEqual({ '@acme/guide': 10, '@secops/runbook': 1 });
      expect(Object.fromEntries(await store.versionTotals('@acme/guide'))).toEqual({ '1.0.0': 2, '1.1.0': 8 });
      expect(await store.downloadsSince('2026-11-25', ['@acme/guide'])).toEqual([{ library: '@acme/guide', version: '1.1.0', day: '2026-11-25', n: 8 }]);
      expect((await store.downloadsSince('2026-01-01', null)).length).toBe(3);
      expect(await store.downloadsSince('2026-01-01', [])).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it.runIf(available)('rolls back the hits when deciding fails, and records audit events newest first', async () => {
    const store = await open();
    try {
      await expect(store.commitBatch({ window: 3, hits: new Map([['ip:q', 4]]), decide: () => { throw new Error('boom'); } })).rejects.toThrow('boom');
      const t = await store.commitBatch({ window: 3, hits: new Map([['ip:q', 1]]), decide: noDownloads });
      expect(t.get('ip:q')).toBe(1);
      await store.audit({ at: '2026-01-01T00:00:00.000Z', event: 'token.created', actor: 'alice', target: 'tok_1', ip: '127.0.0.1', details: { scopes: ['acme'] } });
      await store.audit({ at: '2026-01-02T00:00:00.000Z', event: 'token.revoked', actor: 'alice', target: 'tok_1', ip: null, details: {} });
      const ev = await store.auditEvents(10);
      expect(ev.map((e) => e.event)).toEqual(['token.revoked', 'token.created']);
      expect(ev[1]?.details).toEqual({ scopes: ['acme'] });
      await store.ping();
    } finally {
      await store.close();
    }
  });
});

describe('sqlite token cache', () => {
  it('sees a revocation or a new token written by another connection (another process) at once', async () => {
    await withTwoConnections(async (a, b) => {
      const t = await issueToken(a, { owner: 'alice', scopes: ['secops'] });
      expect((await a.tokenByHash(t.token.hash))?.revokedAt).toBeNull();
      expect((await a.tokenByHash(t.token.hash))?.revokedAt).toBeNull(); // served from the cache
      expect(await b.revokeToken(t.token.id, '2026-02-02T00:00:00.000Z')).toBe(true);
      expect((await a.tokenByHash(t.token.hash))?.revokedAt).toBe('2026-02-02T00:00:00.000Z');
      const u = await issueToken(b, { owner: 'bob' });
      expect(await a.tokenByHash(u.token.hash)).not.toBeNull();
      // the cached copy cannot be changed by a caller
      const got = await a.tokenByHash(u.token.hash);
      got?.scopes.push('vault');
      expect((await a.tokenByHash(u.token.hash))?.scopes).toEqual([]);
    });
  });
});
