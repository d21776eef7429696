/**
 * SRV-3 revocation at once, with the per-turn token check: a `turn` lookup may answer from a
 * cache checked earlier in the same turn of the event loop, and the group commit re-checks the
 * batch's tokens inside its write transaction, so a token revoked by another connection (the
 * `token revoke` command, a second server) is refused even in that window and nothing is counted.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GroupCommit } from '../../static-server/src/group-commit.js';
import { issueToken, openSqliteStore, type TokenRecord } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { withTwoConnections } from './two-connections.js';
import { buildFixture, startFixtureServer } from './fixture.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

describe('per-turn token lookups (sqlite)', () => {
  it('answers a turn lookup from the cache checked this turn, and hands the commit the revoked record', async () => {
    await withTwoConnections(async (a, b) => {
      const t = await issueToken(a, { owner: 'alice', scopes: ['secops'] });
      await nextTurn();
      expect((await a.tokenByHash(t.token.hash, 'turn'))?.revokedAt).toBeNull();
      expect(await b.revokeToken(t.token.id, '2026-03-03T00:00:00.000Z')).toBe(true);
      // same turn: the cache checked at the start of it still answers
      expect((await a.tokenByHash(t.token.hash, 'turn'))?.revokedAt).toBeNull();
      let seen: ReadonlyMap<string, TokenRecord | null> | null | undefined;
      await a.commitBatch({ window: 1, hits: new Map(), tokens: new Set([t.token.hash]), decide: (_totals, current) => ((seen = current), []) });
      expect(seen?.get(t.token.hash)?.revokedAt).toBe('2026-03-03T00:00:00.000Z');
      // nothing changed since that commit: the next one has nothing to re-check
      await a.commitBatch({ window: 1, hits: new Map(), tokens: new Set([t.token.hash]), decide: (_totals, current) => ((seen = current), []) });
      expect(seen).toBeNull();
      // and the commit refreshed the cache for the lookups that follow
      expect((await a.tokenByHash(t.token.hash, 'turn'))?.revokedAt).toBe('2026-03-03T00:00:00.000Z');
    });
  });

  it('re-checks at commit even when a `now` lookup saw the change first (the cache moved on, the earlier answer did not)', async () => {
    await withTwoConnections(async (a, b) => {
      const t = await issueToken(a, { owner: 'alice' });
      const other = await issueToken(a, { owner: 'bob' });
      await a.commitBatch({ window: 1, hits: new Map(), decide: () => [] });
      await nextTurn();
      expect((await a.tokenByHash(t.token.hash, 'turn'))?.revokedAt).toBeNull();
      await b.revokeToken(t.token.id, '2026-03-05T00:00:00.000Z');
      expect(await a.tokenByHash(other.token.hash, 'now')).not.toBeNull(); // reads the new data_version
      let seen: ReadonlyMap<string, TokenRecord | null> | null | undefined;
      await a.commitBatch({ window: 1, hits: new Map(), tokens: new Set([t.token.hash]), decide: (_totals, current) => ((seen = current), []) });
      expect(seen?.get(t.token.hash)?.revokedAt).toBe('2026-03-05T00:00:00.000Z');
    });
  });

  it('checks again in the next turn and on every `now` lookup', async () => {
    await withTwoConnections(async (a, b) => {
      const t = await issueToken(a, { owner: 'alice' });
      const u = await issueToken(a, { owner: 'bob' });
      await nextTurn();
      expect((await a.tokenByHash(t.token.hash, 'turn'))?.revokedAt).toBeNull();
      await b.revokeToken(t.token.id, '2026-03-03T00:00:00.000Z');
      expect((await a.tokenByHash(t.token.hash, 'now'))?.revokedAt).toBe('2026-03-03T00:00:00.000Z');
      expect((await a.tokenByHash(u.token.hash, 'turn'))?.revokedAt).toBeNull();
      await b.revokeToken(u.token.id, '2026-03-04T00:00:00.000Z');
      await nextTurn();
      expect((await a.tokenByHash(u.token.hash, 'turn'))?.revokedAt).toBe('2026-03-04T00:00:00.000Z');
    });
  });
});

describe('group commit re-checks tokens', () => {
  it('refuses a download whose token was revoked after its lookup, counts the others of the batch', async () => {
    await withTwoConnections(async (a, b) => {
      const gone = await issueToken(a, { owner: 'alice' });
      const kept = await issueToken(a, { owner: 'bob' });
      await nextTurn();
      expect(await a.tokenByHash(gone.token.hash, 'turn')).not.toBeNull();
      expect(await a.tokenByHash(kept.token.hash, 'turn')).not.toBeNull();
      await b.revokeToken(gone.token.id, new Date().toISOString());
      const commits = new GroupCommit(a, 60);
      const download = { library: '@acme/guide', version: '1.0.0' };
      const results = await Promise.allSettled([
        commits.submit({ key: 'tok:gone', limit: 100, download, tokenHash: gone.token.hash }),
        commits.submit({ key: 'tok:kept', limit: 100, download, tokenHash: kept.token.hash }),
        commits.submit({ key: null, limit: 0, download, tokenHash: null }),
      ]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
      expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'MDL_TOKEN_REVOKED', status: 401 });
      expect(commits.downloadsCounted).toBe(2);
      expect((await a.downloadTotals()).get('@acme/guide')).toBe(2);
    });
  });
});

describe('server: tarball downloads authenticate per turn', () => {
  it('refuses the next download after another process revokes the token, and does not count it', async () => {
    const f = await buildFixture();
    const dataDir = tempDir('mdlibs-fresh-');
    const s = await startFixtureServer(f, { dataDir, rateLimitAuthenticated: 0 });
    const other = openSqliteStore(join(dataDir, 'mdlibs.db'));
    try {
      const tok = await issueToken(s.store, { owner: 'bob', scopes: ['secops'] });
      const url = `${s.url}tarballs/@secops/runbook/runbook-1.0.0.tgz`;
      const headers = { authorization: `Bearer ${tok.secret}` };
      const ok = await fetch(url, { headers });
      expect(ok.status).toBe(200);
      await ok.arrayBuffer();
      await other.revokeToken(tok.token.id, new Date().toISOString());
      const refused = await fetch(url, { headers });
      expect(refused.status).toBe(401);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('MDL_TOKEN_REVOKED');
      expect((await other.downloadTotals()).get('@secops/runbook')).toBe(1);
    } finally {
      await other.close();
      await s.close();
    }
  });
});
