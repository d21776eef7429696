/** Everything a request handler needs, built once by startServer. */
import type { Logger } from 'pino';
import type { ServerConfig } from './config.js';
import type { GroupCommit } from './group-commit.js';
import type { Metrics } from './metrics.js';
import type { FileCache } from './static/file-cache.js';
import type { AuditEvent, Store } from './store/store.js';
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
  touch(tokenId: string): void;
}

/** All-time downloads per library, cached until this process counts more or 5 s pass (other replicas). */
export class DownloadTotals {
  private cached: { epoch: number; at: number; map: Map<string, number> } | null = null;
  private loading: Promise<Map<string, number>> | null = null;

  constructor(private readonly store: Store, private readonly epoch: () => number, private readonly ttlMs = 5000) {}

  async get(): Promise<Map<string, number>> {
    const e = this.epoch();
    const c = this.cached;
    if (c && c.epoch === e && Date.now() - c.at < this.ttlMs) return c.map;
    this.loading ??= this.store.downloadTotals().then(
      (map) => {
        this.cached = { epoch: e, at: Date.now(), map };
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
