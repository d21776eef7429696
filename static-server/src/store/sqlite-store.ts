/** The embedded store: one SQLite file (better-sqlite3, WAL, synchronous=NORMAL). */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { AuditEvent, Batch, DownloadRow, Freshness, Store, TokenRecord } from './store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS downloads (library TEXT NOT NULL, version TEXT NOT NULL, day TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (library, version, day)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, owner TEXT NOT NULL, scopes TEXT NOT NULL, admin INTEGER NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
CREATE INDEX IF NOT EXISTS tokens_owner ON tokens (owner);
CREATE TABLE IF NOT EXISTS rate_limits (key TEXT NOT NULL, win INTEGER NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (key, win)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS audit_log (id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, event TEXT NOT NULL, actor TEXT, target TEXT, ip TEXT, details TEXT NOT NULL);
`;

interface TokenRow { id: string; hash: string; name: string; owner: string; scopes: string; admin: number; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null }

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id, hash: r.hash, name: r.name, owner: r.owner, scopes: JSON.parse(r.scopes) as string[], admin: r.admin === 1,
  createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
});

export function openSqliteStore(file: string): Store {
  mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  const q = {
    hit: db.prepare<[string, number, number], { n: number }>('INSERT INTO rate_limits (key, win, n) VALUES (?, ?, ?) ON CONFLICT (key, win) DO UPDATE SET n = n + excluded.n RETURNING n'),
    bump: db.prepare('INSERT INTO downloads (library, version, day, n) VALUES (?, ?, ?, ?) ON CONFLICT (library, version, day) DO UPDATE SET n = n + excluded.n'),
    insertToken: db.prepare('INSERT INTO tokens (id, hash, name, owner, scopes, admin, created_at, expires_at, last_used_at, revoked_at) VALUES (@id, @hash, @name, @owner, @scopes, @admin, @createdAt, @expiresAt, @lastUsedAt, @revokedAt)'),
    countActive: db.prepare<[string, string], number>('SELECT COUNT(*) FROM tokens WHERE owner = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)').pluck(),
    byHash: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE hash = ?'),
    byId: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE id = ?'),
    list: db.prepare<[], TokenRow>('SELECT * FROM tokens ORDER BY created_at, id'),
    listOwner: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE owner = ? ORDER BY created_at, id'),
    listActive: db.prepare<[string], TokenRow>('SELECT * FROM tokens WHERE revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id'),
    listOwnerActive: db.prepare<[string, string], TokenRow>('SELECT * FROM tokens WHERE owner = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?) ORDER BY created_at, id'),
    pruneTokens: db.prepare('DELETE FROM tokens WHERE revoked_at < ? OR expires_at < ?'),
    revoke: db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL'),
    touch: db.prepare('UPDATE tokens SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)'),
    totals: db.prepare<[], { library: string; n: number }>('SELECT library, SUM(n) AS n FROM downloads GROUP BY library'),
    versionTotals: db.prepare<[string], { version: string; n: number }>('SELECT version, SUM(n) AS n FROM downloads WHERE library = ? GROUP BY version'),
    since: db.prepare<[string], DownloadRow>('SELECT library, version, day, n FROM downloads WHERE day >= ? ORDER BY day, library, version'),
    audit: db.prepare('INSERT INTO audit_log (at, event, actor, target, ip, details) VALUES (?, ?, ?, ?, ?, ?)'),
    auditList: db.prepare<[number], { at: string; event: string; actor: string | null; target: string | null; ip: string | null; details: string }>('SELECT at, event, actor, target, ip, details FROM audit_log ORDER BY id DESC LIMIT ?'),
    prune: db.prepare('DELETE FROM rate_limits WHERE win < ?'),
    dataVersion: db.prepare('PRAGMA data_version').pluck(),
  };
  // Token rows cached by hash, dropped whenever any connection (another process: the
  // `token revoke` command, a second server) commits to the file (PRAGMA data_version moves)
  // or this connection writes tokens. A `now` lookup reads data_version first, so a revocation
  // is seen on the very next request. A `turn` lookup reads it once per turn of the event loop
  // (data_version starts a read transaction: ~8 µs, the largest single cost of a counted
  // download in the bench:server profile); the commit of the batch then reads it again inside
  // its write transaction and re-reads the batch's tokens if anything changed since the last
  // commit: a lookup and the submit of its ticket run in one macrotask, and the commit in a
  // later one, so every `turn` answer since the last commit belongs to this batch.
  const tokenCache = new Map<string, TokenRecord | null>();
  let seenVersion = -1;
  let changedSinceCommit = false;
  let checkedThisTurn = false;
  const endTurn = () => {
    checkedThisTurn = false;
  };
  const freshCache = (freshness: Freshness) => {
    if (freshness === 'turn' && checkedThisTurn) return;
    const v = q.dataVersion.get() as number;
    if (v !== seenVersion || tokenCache.size > 10_000) {
      if (v !== seenVersion) changedSinceCommit = true; // a `turn` answer given before may be stale
      tokenCache.clear();
      seenVersion = v;
    }
    if (!checkedThisTurn) {
      checkedThisTurn = true;
      setImmediate(endTurn).unref();
    }
  };
  const currentTokens = (hashes: ReadonlySet<string> | undefined): Map<string, TokenRecord | null> | null => {
    const changed = changedSinceCommit;
    changedSinceCommit = false;
    if (!hashes?.size) return null;
    const v = q.dataVersion.get() as number; // inside the write transaction: the latest state
    if (v === seenVersion && !changed) return null;
    tokenCache.clear();
    seenVersion = v;
    const fresh = new Map<string, TokenRecord | null>();
    for (const h of hashes) fresh.set(h, copyToken(readToken(h)));
    return fresh;
  };
  /** Reads a token row into the cache. */
  const readToken = (hash: string): TokenRecord | null => {
    const r = q.byHash.get(hash);
    const t = r ? toToken(r) : null;
    tokenCache.set(hash, t);
    return t;
  };
  /** Callers get copies: the cached record cannot be changed through them. */
  const copyToken = (t: TokenRecord | null): TokenRecord | null => t && { ...t, scopes: [...t.scopes] };
  const commit = db.transaction((b: Batch): Map<string, number> => {
    const fresh = currentTokens(b.tokens);
    const totals = new Map<string, number>();
    for (const [key, n] of b.hits) totals.set(key, (q.hit.get(key, b.window, n) as { n: number }).n);
    for (const r of b.decide(totals, fresh)) q.bump.run(r.library, r.version, r.day, r.n);
    return totals;
  });
  const tokenRow = (t: TokenRecord) => ({ ...t, scopes: JSON.stringify(t.scopes), admin: t.admin ? 1 : 0 });
  const insertCapped = db.transaction((t: TokenRecord, max: number, now: string): number | null => {
    const active = q.countActive.get(t.owner, now) as number;
    if (active >= max) return active;
    q.insertToken.run(tokenRow(t));
    return null;
  });
  const touchAll = db.transaction((touches: ReadonlyMap<string, string>) => {
    for (const [id, at] of touches) q.touch.run(at, id, at);
  });
  return {
    kind: 'sqlite',
    commitBatch: async (b) => commit.immediate(b), // IMMEDIATE: the snapshot is the latest from the start
    insertToken: async (t) => {
      tokenCache.clear();
      changedSinceCommit = true;
      q.insertToken.run(tokenRow(t));
    },
    insertTokenCapped: async (t, max, now) => {
      tokenCache.clear();
      changedSinceCommit = true;
      // IMMEDIATE: the write lock is taken before the count, so another connection to the file
      // (a second server) cannot insert between this count and this insert.
      return insertCapped.immediate(t, max, now);
    },
    tokenByHash: async (hash, freshness = 'now') => {
      freshCache(freshness);
      const hit = tokenCache.get(hash);
      return copyToken(hit !== undefined ? hit : readToken(hash));
    },
    tokenById: async (id) => {
      const r = q.byId.get(id);
      return r ? toToken(r) : null;
    },
    listTokens: async (owner, activeAt) => {
      const rows = activeAt === undefined
        ? (owner === null ? q.list.all() : q.listOwner.all(owner))
        : (owner === null ? q.listActive.all(activeAt) : q.listOwnerActive.all(owner, activeAt));
      return rows.map(toToken);
    },
    pruneTokens: async (before) => {
      tokenCache.clear();
      changedSinceCommit = true;
      return q.pruneTokens.run(before, before).changes;
    },
    revokeToken: async (id, at) => {
      tokenCache.clear();
      changedSinceCommit = true;
      return q.revoke.run(at, id).changes === 1;
    },
    touchTokens: async (touches) => {
      tokenCache.clear();
      changedSinceCommit = true;
      touchAll(touches);
    },
    downloadTotals: async () => new Map(q.totals.all().map((r) => [r.library, r.n])),
    versionTotals: async (library) => new Map(q.versionTotals.all(library).map((r) => [r.version, r.n])),
    downloadsSince: async (fromDay, libraries) => {
      const rows = q.since.all(fromDay);
      if (!libraries) return rows;
      const want = new Set(libraries);
      return rows.filter((r) => want.has(r.library));
    },
    audit: async (e: AuditEvent) => {
      q.audit.run(e.at, e.event, e.actor, e.target, e.ip, JSON.stringify(e.details));
    },
    auditEvents: async (limit) => q.auditList.all(limit).map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> })),
    pruneRateLimits: async (before) => {
      q.prune.run(before);
    },
    ping: async () => {
      db.prepare('SELECT 1').get();
    },
    close: async () => {
      if (db.open) db.close();
    },
  };
}
