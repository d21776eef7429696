/** Content-addressed tarball cache: `<cache>/content/sha512/<xx>/<hex>.tgz`, verified on read. */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { integrityHex, matchesIntegrity } from './integrity.js';

export class TarballCache {
  constructor(readonly dir: string) {}

  path(integrity: string): string {
    const hex = integrityHex(integrity);
    return join(this.dir, 'content', 'sha512', hex.slice(0, 2), `${hex}.tgz`);
  }

  /** Bytes for an integrity, or null. A corrupt entry is removed and reported as a miss. */
  get(integrity: string): Buffer | null {
    const p = this.path(integrity);
    if (!existsSync(p)) return null;
    const bytes = readFileSync(p);
    if (matchesIntegrity(bytes, integrity)) return bytes;
    rmSync(p, { force: true });
    return null;
  }

  /** Stores verified bytes (the caller has checked integrity). */
  put(integrity: string, bytes: Buffer): void {
    const p = this.path(integrity);
    if (existsSync(p)) return;
    mkdirSync(dirname(p), { recursive: true, mode: 0o700 });
    const tmp = `${p}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
    writeFileSync(tmp, bytes);
    renameSync(tmp, p);
  }
}
