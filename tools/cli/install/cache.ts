/** Content-addressed tarball cache: `<cache>/content/sha512/<xx>/<hex>.tgz`, verified on read. */
import { existsSync, rmSync } from 'node:fs';
import { readRegularFile } from '../file-reads.js';
import { folderMaker, writeFileAtomic } from '../file-writes.js';
import { dirname, join } from 'node:path';
import { inBackground } from '../net/background-writes.js';
import { integrityHex, matchesIntegrity } from './integrity.js';

/** Largest cache entry read (the largest tarball the client downloads, LIMITS.tarballBytes). */
export const MAX_CACHED_TARBALL_BYTES = 100 * 1024 * 1024;

export class TarballCache {
  private readonly folder = folderMaker(0o700);

  constructor(readonly dir: string) {}

  path(integrity: string): string {
    const hex = integrityHex(integrity);
    return join(this.dir, 'content', 'sha512', hex.slice(0, 2), `${hex}.tgz`);
  }

  /** Whether a file is cached for this integrity (not verified: `get` does that). */
  has(integrity: string): boolean {
    return existsSync(this.path(integrity));
  }

  /**
   * Bytes for an integrity, or null. A corrupt entry, or one that is not a regular file (a
   * folder crashed install with EISDIR, a named pipe blocked it forever), is removed and
   * reported as a miss, so the download that follows can be cached again.
   */
  get(integrity: string): Buffer | null {
    const p = this.path(integrity);
    const r = readRegularFile(p, MAX_CACHED_TARBALL_BYTES);
    if (r.ok && matchesIntegrity(r.bytes, integrity)) return r.bytes;
    if (r.ok || r.why !== 'missing') {
      try {
        rmSync(p, { recursive: true, force: true });
      } catch {
        // an entry it may not remove (a read-only cache): a miss all the same
      }
    }
    return null;
  }

  /**
   * Stores verified bytes (the caller has checked integrity), in the background (see
   * background-writes.ts): written to a temporary name and renamed, so a reader sees the
   * whole file or none. Returns when it is written (or failed: the cache is best effort).
   */
  put(integrity: string, bytes: Buffer): Promise<void> {
    const p = this.path(integrity);
    if (existsSync(p)) return Promise.resolve();
    return inBackground(async () => {
      await this.folder(dirname(p));
      await writeFileAtomic(p, bytes);
    });
  }
}
