/** The shared store for several replicas: PostgreSQL through `pg`, same tables as SQLite. */
import pg from 'pg';
import type { AuditEvent, Batch, DownloadRow, Store, TokenRecord } from './store.js';

const schemaSql = (s: string) => `
CREATE SCHEMA IF NOT EXISTS ${s};
CREATE TABLE IF NOT EXISTS ${s}.downloads (library TEXT NOT NULL, version TEXT NOT NULL, day TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (library, version, day));
CREATE TABLE IF NOT EXISTS ${s}.tokens (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, owner TEXT NOT NULL, scopes TEXT NOT NULL, admin BOOLEAN NOT NULL, created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT, revoked_at TEXT);
CREATE INDEX IF NOT EXISTS tokens_owner ON ${s}.tokens (owner);
CREATE TABLE IF NOT EXISTS ${s}.rate_limits (key TEXT NOT NULL, win BIGINT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (key, win));
CREATE TABLE IF NOT EXISTS ${s}.audit_log (id BIGSERIAL PRIMARY KEY, at TEXT NOT NULL, event TEXT NOT NULL, actor TEXT, target TEXT, ip TEXT, details TEXT NOT NULL);
`;

interface TokenRow { id: string; hash: string; name: string; owner: string; scopes: string; admin: boolean; created_at: string; expires_at: string | null; last_used_at: string | null; revoked_at: string | null }

const toToken = (r: TokenRow): TokenRecord => ({
  id: r.id, hash: r.hash, name: r.name, owner: r.owner, scopes: JSON.parse(r.scopes) as string[], admin: r.admin,
  createdAt: r.created_at, expiresAt: r.expires_at, lastUsedAt: r.last_used_at, revokedAt: r.revoked_at,
});

export async function openPostgresStore(url: string, schema = 'public'): Promise<Store> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  pool.on('error', () => undefined); // idle client errors surface on the next query
  const s = schema;
  // Several replicas may start at once: serialise the DDL with an advisory lock.
  const c = await pool.connect();
  try {
    await c.query('SELECT pg_advisory_lock(727274)');
    await c.query(schemaSql(s));
  } finally {
    await c.query('SELECT pg_advisory_unlock(727274)').catch(() => undefined);
    c.release();
  }
  const tokens = async (sql: string, args: unknown[]) => (await pool.query<TokenRow>(sql, args)).rows.map(toToken);
  return {
    kind: 'postgres',
    async commitBatch(b: Batch) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const totals = new Map<string, number>();
        // Rows are written (and so locked until COMMIT) in one order, the same on every replica:
        // in each batch's arrival order, two replicas batching the same clients (or versions) in
        // different orders each held a row the other waited for ("deadlock detected", 503s).
        if (b.hits.size) {
          const keys = [...b.hits.keys()];
          const r = await client.query<{ key: string; n: string }>(
            `INSERT INTO ${s}.rate_limits (key, win, n) SELECT k, $2, c FROM unnest($1::text[], $3::bigint[]) AS t(k, c) ORDER BY k COLLATE "C"
             ON CONFLICT (key, win) DO UPDATE SET n = ${s}.rate_limits.n + excluded.n RETURNING key, n`,
            [keys, b.window, keys.map((k) => b.hits.get(k))],
          );
          for (const row of r.rows) totals.set(row.key, Number(row.n));
        }
        const rows = b.decide(totals, null); // token lookups here are never cached: always current
        if (rows.length) {
          await client.query(
            `INSERT INTO ${s}.downloads (library, version, day, n) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS t(l, v, d, c)
             ORDER BY l COLLATE "C", v COLLATE "C", d COLLATE "C" ON CONFLICT (library, version, day) DO UPDATE SET n = ${s}.downloads.n + excluded.n`,
            [rows.map((x) => x.library), rows.map((x) => x.version), rows.map((x) => x.day), rows.map((x) => x.n)],
          );
        }
        await client.query('COMMIT');
        return totals;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    async insertToken(t: TokenRecord) {
      await pool.query(`INSERT INTO ${s}.tokens (id, hash, name, owner, scopes, admin, created_at, expires_at, last_used_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
        [t.id, t.hash, t.name, t.owner, JSON.stringify(t.scopes), t.admin, t.createdAt, t.expiresAt, t.lastUsedAt, t.revokedAt]);
    },
    async insertTokenCapped(t: TokenRecord, max: number, now: string) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        // One owner's capped inserts queue on this lock (held until COMMIT/ROLLBACK), on every
        // replica: READ COMMITTED alone would let two transactions count the same rows.
        await client.query('SELECT pg_advisory_xact_lock(727275, hashtext($1))', [t.owner]);
        const r = await client.query<{ n: string }>(`SELECT COUNT(*) AS n FROM ${s}.tokens WHERE owner = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)`, [t.owner, now]);
        const active = Number(r.rows[0]?.n ?? 0);
        if (active >= max) {
          await client.query('ROLLBACK');
          return active;
        }
        await client.query(`INSERT INTO ${s}.tokens (id, hash, name, owner, scopes, admin, created_at, expires_at, last_used_at, revoked_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
          [t.id, t.hash, t.name, t.owner, JSON.stringify(t.scopes), t.admin, t.createdAt, t.expiresAt, t.lastUsedAt, t.revokedAt]);
        await client.query('COMMIT');
        return null;
      } catch (e) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    },
    tokenByHash: async (hash) => (await tokens(`SELECT * FROM ${s}.tokens WHERE hash = $1`, [hash]))[0] ?? null,
    tokenById: async (id) => (await tokens(`SELECT * FROM ${s}.tokens WHERE id = $1`, [id]))[0] ?? null,
    listTokens: (owner, activeAt) => {
      const where: string[] = [];
      const args: string[] = [];
      if (owner !== null) where.push(`owner = $${args.push(owner)}`);
      if (activeAt !== undefined) where.push(`revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $${args.push(activeAt)})`);
      return tokens(`SELECT * FROM ${s}.tokens${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, id`, args);
    },
    pruneTokens: async (before) => (await pool.query(`DELETE FROM ${s}.tokens WHERE revoked_at < $1 OR expires_at < $1`, [before])).rowCount ?? 0,
    revokeToken: async (id, at) => ((await pool.query(`UPDATE ${s}.tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL`, [at, id])).rowCount ?? 0) === 1,
    async touchTokens(touches) {
      for (const [id, at] of touches) await pool.query(`UPDATE ${s}.tokens SET last_used_at = $1 WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $1)`, [at, id]);
    },
    async downloadTotals() {
      const r = await pool.query<{ library: string; n: string }>(`SELECT library, SUM(n) AS n FROM ${s}.downloads GROUP BY library`);
      return new Map(r.rows.map((x) => [x.library, Number(x.n)]));
    },
    async versionTotals(library) {
      const r = await pool.query<{ version: string; n: string }>(`SELECT version, SUM(n) AS n FROM ${s}.downloads WHERE library = $1 GROUP BY version`, [library]);
      return new Map(r.rows.map((x) => [x.version, Number(x.n)]));
    },
    async downloadsSince(fromDay, libraries) {
      const r = libraries
        ? await pool.query<{ library: string; version: string; day: string; n: string }>(`SELECT library, version, day, n FROM ${s}.downloads WHERE day >= $1 AND library = ANY($2::text[]) ORDER BY day, library, version`, [fromDay, libraries])
        : await pool.query<{ library: string; version: string; day: string; n: string }>(`SELECT library, version, day, n FROM ${s}.downloads WHERE day >= $1 ORDER BY day, library, version`, [fromDay]);
      return r.rows.map((x): DownloadRow => ({ library: x.library, version: x.version, day: x.day, n: Number(x.n) }));
    },
    async audit(e: AuditEvent) {
      await pool.query(`INSERT INTO ${s}.audit_log (at, event, actor, target, ip, details) VALUES ($1,$2,$3,$4,$5,$6)`, [e.at, e.event, e.actor, e.target, e.ip, JSON.stringify(e.details)]);
    },
    async auditEvents(limit) {
      const r = await pool.query<{ at: string; event: string; actor: string | null; target: string | null; ip: string | null; details: string }>(`SELECT at, event, actor, target, ip, details FROM ${s}.audit_log ORDER BY id DESC LIMIT $1`, [limit]);
      return r.rows.map((x) => ({ ...x, details: JSON.parse(x.details) as Record<string, unknown> }));
    },
    async pruneRateLimits(before) {
      await pool.query(`DELETE FROM ${s}.rate_limits WHERE win < $1`, [before]);
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    close: () => pool.end(),
  };
}
