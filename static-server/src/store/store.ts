/**
 * One storage interface (SRV-3, SRV-4, SRV-5, SRV-6) with two implementations:
 * `sqlite-store.ts` (embedded, default) and `postgres-store.ts` (DATABASE_URL, shared by
 * replicas). test/server/store-contract.test.ts runs the same suite against both.
 */
export interface TokenRecord {
  id: string;
  /** sha256 hex of the secret; the secret itself is never stored. */
  hash: string;
  name: string;
  owner: string;
  /** Scope names without `@` the token may read (private scopes need membership too). */
  scopes: string[];
  admin: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface DownloadRow { library: string; version: string; day: string; n: number }

export interface AuditEvent { at: string; event: string; actor: string | null; target: string | null; ip: string | null; details: Record<string, unknown> }

/**
 * How current a token lookup must be. `now`: the store's latest committed state. `turn`: may
 * come from a cache the store checked earlier in this turn of the event loop; whoever asks for
 * it must name the token in the `commitBatch` that follows, which hands `decide` the token's
 * current record whenever it may have changed since (so a revocation committed before the
 * request arrived is still seen, at the cost of one check per batch instead of one per request).
 */
export type Freshness = 'now' | 'turn';

/** One batch of rate-limit hits, in arrival order; `decide` sees the totals and names the downloads to count. */
export interface Batch {
  /** The rate-limit window the hits count in: its end, in seconds since the epoch (group-commit.ts rateWindowEnd). */
  window: number;
  hits: ReadonlyMap<string, number>;
  /** Hashes of the tokens this batch's requests were authenticated with through `turn` lookups. */
  tokens?: ReadonlySet<string>;
  /**
   * Called inside the transaction. `tokens`: the current record (null: gone) of each token in
   * `batch.tokens` when one may have changed since it was looked up; null when none can have.
   */
  decide: (totals: ReadonlyMap<string, number>, tokens: ReadonlyMap<string, TokenRecord | null> | null) => readonly DownloadRow[];
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Group commit: adds the hits, lets `decide` pick the downloads, commits both in one transaction. */
  commitBatch(batch: Batch): Promise<ReadonlyMap<string, number>>;
  insertToken(t: TokenRecord): Promise<void>;
  /**
   * Inserts `t` unless its owner already has `max` or more active tokens (neither revoked nor
   * expired at `now`), atomically: the count and the insert are one transaction, serialised
   * per owner with every other capped insert (on every connection and replica), so concurrent
   * calls never take an owner past `max`. Returns null when inserted, else the active count.
   */
  insertTokenCapped(t: TokenRecord, max: number, now: string): Promise<number | null>;
  tokenByHash(hash: string, freshness?: Freshness): Promise<TokenRecord | null>;
  tokenById(id: string): Promise<TokenRecord | null>;
  /**
   * One owner's tokens (null: everyone's), oldest first. With `activeAt` (ISO time), only those
   * neither revoked nor expired at that time; without it, every row still stored.
   */
  listTokens(owner: string | null, activeAt?: string): Promise<TokenRecord[]>;
  /** Sets revokedAt if not yet revoked; false when no such token (or already revoked). */
  revokeToken(id: string, at: string): Promise<boolean>;
  /**
   * Deletes the tokens revoked, or expired, before `before` (ISO time); returns how many. A
   * deleted token is unknown from then on: presented, it is refused as MDL_TOKEN_INVALID.
   */
  pruneTokens(before: string): Promise<number>;
  touchTokens(touches: ReadonlyMap<string, string>): Promise<void>;
  /** All-time downloads per library. */
  downloadTotals(): Promise<Map<string, number>>;
  /** All-time downloads per version of one library. */
  versionTotals(library: string): Promise<Map<string, number>>;
  /** Daily rows since `fromDay` (inclusive), for the given libraries or all when null. */
  downloadsSince(fromDay: string, libraries: readonly string[] | null): Promise<DownloadRow[]>;
  audit(e: AuditEvent): Promise<void>;
  auditEvents(limit: number): Promise<AuditEvent[]>;
  /** Drops the counters of rate-limit windows keyed below `beforeWindow` (windows that ended before it). */
  pruneRateLimits(beforeWindow: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const day = (d: Date): string => d.toISOString().slice(0, 10);
