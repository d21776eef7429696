/**
 * Local edits to installed libraries. Install records a sha256 of every file it writes
 * (in `<installDir>/.mdlibs-state.json`, beside the libraries, never inside one); `install`,
 * `update` and `uninstall` compare the folder with that record before they replace or remove it,
 * and refuse (CLI_LOCAL_CHANGES) when a file was changed, added or removed, unless --force.
 */
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { sanitizeForMessage } from '../../../index-builder/src/format/names.js';
import { readRegularFile } from '../file-reads.js';
import { DEFAULT_EXTRACT_LIMITS, type ArchiveFile } from './extract.js';

/** Relative path (`/`-separated, as in the archive) → sha256 of the file's bytes (base64url). */
export type FileDigests = Record<string, string>;

export const fileDigest = (data: Buffer): string => createHash('sha256').update(data).digest('base64url');

export function archiveDigests(files: readonly ArchiveFile[]): FileDigests {
  const out: FileDigests = {};
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) out[f.path] = fileDigest(f.data);
  return out;
}

export interface LocalChange {
  path: string;
  change: 'changed' | 'added' | 'removed';
}

/** A file larger than any archive unpacks to was not written by mdlibs as it is now. */
const MAX_HASHED_BYTES = DEFAULT_EXTRACT_LIMITS.maxUnpackedBytes;

/** What is on disk under `dir`: each entry that is not a folder, with its digest (null: not a regular file, or unreadable). */
function onDisk(dir: string): Map<string, string | null> {
  const out = new Map<string, string | null>();
  const walk = (rel: string): void => {
    for (const d of readdirSync(rel ? join(dir, rel) : dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) {
        walk(r); // a Dirent of a link is never a folder: links are not followed
        continue;
      }
      // a link, pipe or device where mdlibs writes only regular files is a change, and never opened
      const read = d.isFile() ? readRegularFile(join(dir, r), MAX_HASHED_BYTES) : null;
      out.set(r, read?.ok ? fileDigest(read.bytes) : null);
    }
  };
  walk('');
  return out;
}

/** Files of the library folder `dir` that differ from what was installed, sorted by path. */
export function localChanges(dir: string, installed: Readonly<FileDigests>): LocalChange[] {
  const disk = onDisk(dir);
  const out: LocalChange[] = [];
  for (const [path, digest] of disk) {
    if (!Object.hasOwn(installed, path)) out.push({ path, change: 'added' });
    else if (digest === null || digest !== installed[path]) out.push({ path, change: 'changed' });
  }
  for (const path of Object.keys(installed)) if (!disk.has(path)) out.push({ path, change: 'removed' });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** `README.md (changed), notes.md (added) and 4 more`. */
export function describeChanges(changes: readonly LocalChange[], shown = 3): string {
  const head = changes.slice(0, shown).map((c) => `${sanitizeForMessage(c.path)} (${c.change})`).join(', ');
  return changes.length > shown ? `${head} and ${changes.length - shown} more` : head;
}
