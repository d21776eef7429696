/** File writes the CLI's caches, installs and settings share. */
import { randomBytes } from 'node:crypto';
import { closeSync, fchmodSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, open, rename, unlink } from 'node:fs/promises';

/**
 * A temporary name beside `file` that nobody can guess or have made beforehand:
 * `<file>.<16 random hex digits>.tmp`. A name from the pid (`mdlibs.lock.<pid>.tmp`) could
 * be laid in wait as a link by anyone who can write to the folder (a cloned project carries
 * such links), and writeFileSync followed it, writing outside the project.
 */
export const tempNameFor = (file: string): string => `${file}.${randomBytes(8).toString('hex')}.tmp`;

const toBuffer = (data: string | Buffer): Buffer => (typeof data === 'string' ? Buffer.from(data, 'utf8') : data);

/**
 * Writes `data` to a fresh temporary name beside `file` and renames it into place: a reader
 * sees the whole old file or the whole new one. The temporary file is created new ('wx',
 * O_CREAT|O_EXCL: it fails on anything there, a link included, and never follows one) with
 * `mode` set on the descriptor before a byte is written (0600 for secrets: never readable by
 * others, whatever the umask); on any failure it is removed. Without `mode`, 0666 less the umask.
 */
export function writeFileAtomicSync(file: string, data: string | Buffer, mode?: number): void {
  const tmp = tempNameFor(file);
  const fd = openSync(tmp, 'wx', mode ?? 0o666); // fails before creating anything: nothing of ours to remove
  try {
    try {
      if (mode !== undefined) fchmodSync(fd, mode);
      const bytes = toBuffer(data);
      for (let at = 0; at < bytes.length;) at += writeSync(fd, bytes, at, bytes.length - at);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
    throw e;
  }
}

/**
 * writeFileAtomicSync through node:fs/promises (libuv's thread pool), for writes made while
 * other work goes on (the caches). `mode` is given to open only (less the umask).
 */
export async function writeFileAtomic(file: string, data: string | Buffer, mode?: number): Promise<void> {
  const tmp = tempNameFor(file);
  const fh = await open(tmp, 'wx', mode ?? 0o666);
  try {
    try {
      await fh.writeFile(data);
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
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
