/**
 * Exact download counts at batched speed (SRV-4) and rate-limit hits (SRV-5) in one place.
 * Every request that needs either joins the current batch; at the end of the event-loop turn
 * (setImmediate) the whole batch is committed in ONE store transaction, and only then are the
 * responses sent. So a download is durable before its bytes leave (no count lost on SIGKILL),
 * yet the store sees one transaction per turn, not one per request. While a commit is in
 * flight (PostgreSQL), new requests gather into the next batch. Requests authenticated from
 * the store's per-turn token cache are re-checked here: a token revoked since is refused.
 */
import { tokenProblem } from './auth/authenticate.js';
import { ServerError } from './errors.js';
import { day, type DownloadRow, type Store, type TokenRecord } from './store/store.js';

export interface Ticket {
  /** Rate-limit key (`ip:…`, `tok:…`) and its limit; null key: not limited. */
  key: string | null;
  limit: number;
  download: { library: string; version: string } | null;
  /**
   * Hash of the token the request was authenticated with through a `turn` lookup: the commit
   * refuses the request (with the token's error) if the token changed since and is no longer valid.
   */
  tokenHash?: string | null;
}

export interface Verdict { allowed: boolean; limit: number; remaining: number; reset: number }

/**
 * The fixed rate-limit window `nowMs` falls in, for windows of `windowSeconds`: its end, in
 * seconds since the epoch. The store keys a window's counters by it (its index, `now / length`,
 * meant different times for different lengths: a replica run with a 60 s window pruned every
 * row of one run with 3600 s at each tick, so that one's limits never held). Two replicas with
 * the same length share each window's counters; with different lengths they count apart.
 */
export const rateWindowEnd = (nowMs: number, windowSeconds: number): number => (Math.floor(nowMs / 1000 / windowSeconds) + 1) * windowSeconds;

/** Rate-limit rows of windows that ended before this (seconds since the epoch) may be deleted, whatever their length. */
export const rateWindowsEndedBefore = (nowMs: number): number => Math.floor(nowMs / 1000);

interface Pending extends Ticket { resolve: (v: Verdict) => void; reject: (e: unknown) => void }

export class GroupCommit {
  private pending: Pending[] = [];
  private scheduled = false;
  private inflight = false;
  downloadsCounted = 0;
  /** Called after each commit with the download rows it made durable. */
  onCommitted: (rows: readonly DownloadRow[]) => void = () => undefined;

  constructor(private readonly store: Store, private readonly windowSeconds: number, private readonly now: () => number = Date.now) {}

  submit(t: Ticket): Promise<Verdict> {
    return new Promise<Verdict>((resolve, reject) => {
      this.pending.push({ ...t, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.inflight) return;
    this.scheduled = true;
    setImmediate(() => void this.flush());
  }

  private async flush(): Promise<void> {
    this.scheduled = false;
    const items = this.pending;
    this.pending = [];
    if (!items.length) return;
    this.inflight = true;
    const nowMs = this.now();
    const reset = rateWindowEnd(nowMs, this.windowSeconds);
    const window = reset; // the store keys the window by its end (rateWindowEnd)
    const today = day(new Date(nowMs));
    const hits = new Map<string, number>();
    const tokens = new Set<string>();
    for (const it of items) {
      if (it.key !== null) hits.set(it.key, (hits.get(it.key) ?? 0) + 1);
      if (it.tokenHash) tokens.add(it.tokenHash);
    }
    const verdicts: Verdict[] = [];
    const refused: (ServerError | null)[] = [];
    let counted = 0;
    let committed: DownloadRow[] = [];
    const decide = (totals: ReadonlyMap<string, number>, current: ReadonlyMap<string, TokenRecord | null> | null): DownloadRow[] => {
      const seen = new Map<string, number>();
      const rows = new Map<string, DownloadRow>();
      verdicts.length = 0;
      refused.length = 0;
      counted = 0;
      for (const it of items) {
        const problem = current && it.tokenHash ? tokenProblem(current.get(it.tokenHash) ?? null, nowMs) : null;
        refused.push(problem);
        let v: Verdict = { allowed: true, limit: it.limit, remaining: it.limit, reset };
        if (it.key !== null) {
          const before = (totals.get(it.key) ?? 0) - (hits.get(it.key) ?? 0);
          const ord = (seen.get(it.key) ?? 0) + 1;
          seen.set(it.key, ord);
          const used = before + ord;
          v = { allowed: used <= it.limit, limit: it.limit, remaining: Math.max(0, it.limit - used), reset };
        }
        verdicts.push(v);
        if (v.allowed && !problem && it.download) {
          const k = `${it.download.library}\0${it.download.version}`;
          const r = rows.get(k);
          if (r) r.n++;
          else rows.set(k, { library: it.download.library, version: it.download.version, day: today, n: 1 });
          counted++;
        }
      }
      committed = [...rows.values()];
      return committed;
    };
    try {
      await this.store.commitBatch({ window, hits, tokens, decide });
      if (counted) {
        this.downloadsCounted += counted;
        this.onCommitted(committed);
      }
      items.forEach((it, i) => {
        const problem = refused[i];
        if (problem) it.reject(problem);
        else it.resolve(verdicts[i] as Verdict);
      });
    } catch (e) {
      const err = new ServerError('MDL_UNAVAILABLE', 'the store is not available; try again', { cause: e });
      for (const it of items) it.reject(err);
    } finally {
      this.inflight = false;
      if (this.pending.length) this.schedule();
    }
  }
}
