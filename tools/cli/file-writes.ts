/** Asynchronous file writes the CLI's caches and installs share (node:fs/promises, libuv's thread pool). */
import { mkdir, rename, writeFile } from 'node:fs/promises';

/** Writes `data` to a temporary name beside `file` and renames it into place: a reader sees the whole file or none. */
export async function writeFileAtomic(file: string, data: string | Buffer, mode?: number): Promise<void> {
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data, mode === undefined ? {} : { mode });
  await rename(tmp, file);
}

/**
 * Makes each folder at most once however many writes wait for it (a `mkdir` of an existing
 * folder fails with EEXIST but still costs a path walk under the parent's lock). `known`:
 * folders that exist already.
 */
export function folderMaker(mode?: number, known: readonly string[] = []): (dir: string) => Promise<unknown> {
  const made = new Map<string, Promise<unknown>>(known.map((d) => [d, Promise.resolve()]));
  return (dir) => {
    let p = made.get(dir);
    if (!p) {
      p = mkdir(dir, mode === undefined ? { recursive: true } : { recursive: true, mode });
      made.set(dir, p);
    }
    return p;
  };
}
