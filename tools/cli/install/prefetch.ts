/**
 * Tarballs asked for before resolution ends: as soon as the index of a library the project
 * names arrives, the version its own range picks (the final choice unless another library's
 * range overrides it) is downloaded while the other index files still come in, as pnpm does.
 * `materialize` takes a download from here when the locked entry is the same file (integrity and
 * URL); one not taken is dropped and its failure ignored.
 */
export class TarballPrefetch {
  private readonly pending = new Map<string, Promise<Buffer>>();

  private static key(integrity: string, url: string): string {
    return `${integrity}\n${url}`;
  }

  /** Starts `download` for this file unless it was started already. Never throws. */
  start(integrity: string, url: string, download: () => Promise<Buffer>): void {
    const key = TarballPrefetch.key(integrity, url);
    if (this.pending.has(key)) return;
    let p: Promise<Buffer>;
    try {
      p = download();
    } catch (e) {
      p = Promise.reject(e);
    }
    p.catch(() => undefined); // reported only if the download is taken
    this.pending.set(key, p);
  }

  /** The download started for this file, at most once (null: none). */
  take(integrity: string, url: string): Promise<Buffer> | null {
    const key = TarballPrefetch.key(integrity, url);
    const p = this.pending.get(key) ?? null;
    this.pending.delete(key);
    return p;
  }
}
