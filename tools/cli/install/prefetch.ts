/**
 * Tarballs asked for before resolution ends: as soon as the index of a library the project
 * names arrives, the version its own range picks (the final choice unless another library's
 * range overrides it) is downloaded while the other index files still come in, as pnpm does.
 * `materialize` takes a download from here when the locked entry is the same file (integrity and
 * URL); those not taken are abandoned once the install is done (`abandon`: the process does not
 * wait for them) and their failures ignored.
 */
export class TarballPrefetch {
  private readonly pending = new Map<string, { download: Promise<Buffer>; stop: AbortController }>();

  private static key(integrity: string, url: string): string {
    return `${integrity}\n${url}`;
  }

  /** Starts `download` for this file unless it was started already. Never throws. */
  start(integrity: string, url: string, download: (signal: AbortSignal) => Promise<Buffer>): void {
    const key = TarballPrefetch.key(integrity, url);
    if (this.pending.has(key)) return;
    const stop = new AbortController();
    let p: Promise<Buffer>;
    try {
      p = download(stop.signal);
    } catch (e) {
      p = Promise.reject(e);
    }
    p.catch(() => undefined); // reported only if the download is taken
    this.pending.set(key, { download: p, stop });
  }

  /** The download started for this file, at most once (null: none). */
  take(integrity: string, url: string): Promise<Buffer> | null {
    const key = TarballPrefetch.key(integrity, url);
    const p = this.pending.get(key)?.download ?? null;
    this.pending.delete(key);
    return p;
  }

  /** Stops the downloads nobody took; returns how many there were. */
  abandon(): number {
    const n = this.pending.size;
    for (const { stop } of this.pending.values()) stop.abort();
    this.pending.clear();
    return n;
  }
}
