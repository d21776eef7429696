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

/** One batch of rate-limit hits, in arrival order; `decide` sees the totals and names the downloads to count. */
export interface Batch {
  window: number;
  hits: ReadonlyMap<string, number>;
  decide: (totals: ReadonlyMap<string, number>) => readonly DownloadRow[];
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  /** Group commit: adds the hits, lets `decide` pick the downloads, commits both in one transaction. */
  commitBatch(batch: Batch): Promise<ReadonlyMap<string, number>>;
  insertToken(t: TokenRecord): Promise<void>;
  tokenByHash(hash: string): Promise<TokenRecord | null>;
  tokenById(id: string): Promise<TokenRecord | null>;
  listTokens(owner: string | null): Promise<TokenRecord[]>;
  /** Sets revokedAt if not yet revoked; false when no such token (or already revoked). */
  revokeToken(id: string, at: string): Promise<boolean>;
  touchTokens(touches: ReadonlyMap<string, string>): Promise<void>;
  /** All-time downloads per library. */
  downloadTotals(): Promise<Map<string, number>>;
  /** All-time downloads per version of one library. */
  versionTotals(library: string): Promise<Map<string, number>>;
  /** Daily rows since `fromDay` (inclusive), for the given libraries or all when null. */
  downloadsSince(fromDay: string, libraries: readonly string[] | null): Promise<DownloadRow[]>;
  audit(e: AuditEvent): Promise<void>;
  auditEvents(limit: number): Promise<AuditEvent[]>;
  /** Drops rate-limit windows older than `window`. */
  pruneRateLimits(beforeWindow: number): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const day = (d: Date): string => d.toISOString().slice(0, 10);
