/**
 * Fresh tarballs between packing and the tree. A full build packs every version before it may
 * write the tree (nothing is written when a version fails validation), and held in memory the
 * 20,000 tarballs of 10,000 libraries were ~120 MB of the build's peak. They go instead to a
 * folder of their own beside the output (same file system as the staging tree, so the tree takes
 * each one by a rename), removed whatever the build's outcome. An output whose parent does not
 * exist yet (`--out dist/registry` in a fresh clone) gets that parent made for the folder, as
 * the tree's swap would make it, and removed again with the folder if nothing else went in
 * (a failed build leaves nothing behind): the tarballs of such a build stayed in memory, and a
 * full build of the bench's 10,000 libraries peaked at 739 MB instead of 438 MB. Only where the
 * folder cannot be made at all (an unwritable parent) do they stay in memory.
 */
import { mkdirSync, mkdtempSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { TreeWriter } from '../emit/tree-writer.js';

export class TarballSpill {
  private dir: string | null | undefined; // undefined: not made yet; null: cannot be made
  /** The first folder made for the spill on the way to the output's parent (null: none made). */
  private madeParent: string | null = null;
  private readonly files = new Map<string, { file: string; size: number } | Buffer>();
  /** Files made so far: names the next one (the map's size shrinks as tarballs move out). */
  private made = 0;

  /** `out`: the output path the tree goes to; the folder is `.<name>.spill-XXXXXX` beside it. */
  constructor(private readonly out: string) {}

  private folder(): string | null {
    if (this.dir === undefined) {
      const parent = dirname(resolve(this.out));
      try {
        this.madeParent ??= mkdirSync(parent, { recursive: true }) ?? null;
        this.dir = mkdtempSync(join(parent, `.${basename(resolve(this.out))}.spill-`));
      } catch {
        this.dir = null;
      }
    }
    return this.dir;
  }

  put(id: string, bytes: Buffer): void {
    const dir = this.folder();
    if (dir === null) {
      this.files.set(id, bytes);
      return;
    }
    const file = join(dir, String(this.made++));
    writeFileSync(file, bytes);
    this.files.set(id, { file, size: bytes.length });
  }

  has(id: string): boolean {
    return this.files.has(id);
  }

  /** Puts the tarball of `id` at `rel` in the tree (moved, or written from memory); false when there is none. */
  moveInto(w: TreeWriter, id: string, rel: string): boolean {
    const entry = this.files.get(id);
    if (entry === undefined) return false;
    if (Buffer.isBuffer(entry)) w.write(rel, entry);
    else w.adopt(rel, entry.file, entry.size);
    this.files.delete(id);
    return true;
  }

  /** Removes the folder and whatever is left in it (tarballs of a failed build, or of private libraries not emitted). */
  remove(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    this.files.clear();
    if (this.madeParent === null) return;
    // the folders made for the spill, deepest first, each only while empty (the tree of a
    // build that succeeded is in there: the first one then stays, and so do the ones above it)
    for (let d = dirname(resolve(this.out)); ; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        break;
      }
      if (d === this.madeParent || d === dirname(d)) break;
    }
    this.madeParent = null;
  }
}
