/**
 * Files of a build, read once and kept in memory (bounded LRU by bytes), keyed by the absolute
 * path inside the build folder. A build folder the builder swapped in never changes; a plain
 * folder (no symlink) updated in place does, and its watcher calls `dropUnder(root)` when it
 * reloads the tree (build-info.json changed). Precompressed siblings (`.br`, `.gz`) are looked
 * up once per file.
 */
import { readFileSync, statSync } from 'node:fs';
import { sep } from 'node:path';

export interface CachedFile {
  path: string;
  body: Buffer | null; // null: too large to cache, stream from disk
  size: number;
  etag: string;
  lastModified: string;
  br: CachedFile | null | undefined;
  gz: CachedFile | null | undefined;
}

const MAX_ENTRY = 8 * 1024 * 1024;

export class FileCache {
  private map = new Map<string, CachedFile | null>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The file at an absolute path, or null when it is missing or not a regular file. */
  get(path: string): CachedFile | null {
    const hit = this.map.get(path);
    if (hit !== undefined) {
      this.map.delete(path);
      this.map.set(path, hit);
      return hit;
    }
    const f = this.load(path);
    if (this.maxBytes > 0 && f) this.remember(path, f);
    return f;
  }

  /** Forgets every file under the folder `root` (absolute), e.g. a plain folder updated in place. */
  dropUnder(root: string): void {
    const prefix = root.endsWith(sep) ? root : root + sep;
    for (const [k, v] of this.map) {
      if (!k.startsWith(prefix)) continue;
      this.map.delete(k);
      this.bytes -= (v?.body?.length ?? 0) + 200;
    }
  }

  variant(f: CachedFile, enc: 'br' | 'gz'): CachedFile | null {
    if (f[enc] === undefined) f[enc] = this.get(`${f.path}.${enc}`);
    return f[enc] ?? null;
  }

  private load(path: string): CachedFile | null {
    let st;
    try {
      st = statSync(path);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const small = st.size <= MAX_ENTRY && st.size <= this.maxBytes;
    return {
      path, size: st.size, body: small ? readFileSync(path) : null,
      etag: `"${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}-${st.ino.toString(16)}"`,
      lastModified: st.mtime.toUTCString(), br: undefined, gz: undefined,
    };
  }

  private remember(path: string, f: CachedFile | null): void {
    const cost = (f?.body?.length ?? 0) + 200;
    while (this.bytes + cost > this.maxBytes && this.map.size) {
      const [k, v] = this.map.entries().next().value as [string, CachedFile | null];
      this.map.delete(k);
      this.bytes -= (v?.body?.length ?? 0) + 200;
    }
    this.map.set(path, f);
    this.bytes += cost;
  }
}
