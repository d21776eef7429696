/**
 * Follows a builder output (`<out>` symlink to `.<out>.builds/<id>/`). Every call to
 * `current()` reads the link (one readlink) and, when it points elsewhere, loads a new
 * snapshot from the new target; requests already running keep the old snapshot, whose folder
 * the builder keeps on disk for two more builds. A plain folder (no symlink) is keyed by the
 * mtime of its build-info.json.
 */
import { readlinkSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadTreeSnapshot, type TreeSnapshot } from './tree-snapshot.js';

export class TreeWatcher {
  private snap: TreeSnapshot | null = null;
  private key = '';
  private failedKey = '';
  readonly out: string;

  constructor(out: string, readonly visibility: 'public' | 'private', private readonly onError: (e: unknown) => void = () => undefined) {
    this.out = resolve(out);
  }

  private linkKey(): string | null {
    try {
      return `link:${resolve(dirname(this.out), readlinkSync(this.out))}`;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return null;
      try {
        return `dir:${statSync(`${this.out}/build-info.json`).mtimeMs}`;
      } catch {
        return null;
      }
    }
  }

  /** The snapshot of the tree served now, or null when there is no tree. */
  current(): TreeSnapshot | null {
    const key = this.linkKey();
    if (key === null) return this.snap; // link briefly missing: keep serving what we have
    if (key === this.key || key === this.failedKey) return this.snap;
    try {
      const root = realpathSync(this.out);
      this.snap = loadTreeSnapshot(root, this.visibility);
      this.key = key;
    } catch (e) {
      this.failedKey = key;
      this.onError(e);
    }
    return this.snap;
  }
}
