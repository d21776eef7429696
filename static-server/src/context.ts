/** Everything a request handler needs, built once by startServer. */
import type { Logger } from 'pino';
import type { DenialThrottle } from './audit-throttle.js';
import type { ServerConfig } from './config.js';
import type { GroupCommit } from './group-commit.js';
import type { Metrics } from './metrics.js';
import type { FileCache } from './static/file-cache.js';
import type { AuditEvent, DownloadRow, Store } from './store/store.js';
import type { TreeWatcher } from './tree/tree-watcher.js';

export interface Context {
  config: ServerConfig;
  store: Store;
  publicTree: TreeWatcher;
  privateTree: TreeWatcher | null;
  files: FileCache;
  commits: GroupCommit;
  totals: DownloadTotals;
  log: Logger;
  metrics: Metrics;
  audit(e: Omit<AuditEvent, 'at'>): void;
  /** Which refused tokens reach the audit log (one per client and reason a minute). */
  denials: DenialThrottle;
  touch(tokenId: string): void;
}

/**
 * All-time downloads per library for listings: loaded from the store at most every 5 s (to see
 * other replicas' counts) and kept exact for this process by adding each commit's rows.
 */
export class DownloadTotals {
  private cached: { at: number; map: Map<string, number> } | null = null;
  private loading: Promise<Map<string, number>> | null = null;

  constructor(private readonly store: Store, private readonly ttlMs = 5000) {}

  add(rows: readonly DownloadRow[]): void {
    const map = this.cached?.map;
    if (map) for (const r of rows) map.set(r.library, (map.get(r.library) ?? 0) + r.n);
  }

  async get(): Promise<Map<string, number>> {
    const c = this.cached;
    if (c && Date.now() - c.at < this.ttlMs) return c.map;
    this.loading ??= this.store.downloadTotals().then(
      (map) => {
        this.cached = { at: Date.now(), map };
        this.loading = null;
        return map;
      },
      (err: unknown) => {
        this.loading = null;
        throw err;
      },
    );
    return this.loading;
  }
}
