/**
 * Reading a file the program did not write itself (a registry's config files, a previous build
 * record, a library's manifest, the CLI's cache entries and project files), the one way they
 * are all read: opened without blocking (a named pipe blocked readFileSync forever, the open
 * itself waits for a writer) and, with `noFollow`, without following a link at the path (it
 * could point anywhere on the machine), then checked on the open descriptor before a byte is
 * read, so a swap after any earlier check changes nothing: only a regular file (a folder
 * crashed readers with EISDIR), of at most `maxBytes` (a link to /dev/zero was read until
 * memory ran out). It is read into a buffer of its own size plus one byte, which tells a file
 * that grew while it was read (`changed`); one that shrank is returned as read (`bytes` shorter
 * than `stats.size`).
 *
 * Never throws for what the path holds. An error of the descriptor itself, once it is open (EIO
 * on fstat or read), is thrown: each caller decides what that is.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open } from 'node:fs/promises';

export interface GuardedReadOptions {
  /** Largest file read; a larger one is `too-large` (with its `size`) and not read. */
  maxBytes: number;
  /** Refuse a symbolic link at the path itself (`link`) instead of following it. */
  noFollow?: boolean;
}

/**
 * `missing`: nothing at the path (ENOENT, or a parent is not a folder: ENOTDIR). `link`: a link,
 * refused by `noFollow`. `unreadable`: the open failed otherwise (EACCES, a socket's ENXIO...).
 * `code` is the open's error code for these three. `not-a-file`: a folder, device, socket or
 * pipe. `too-large`: over `maxBytes`, `size` its size. `changed`: it grew while it was read.
 */
export type GuardedRead =
  | { ok: true; bytes: Buffer; stats: Stats }
  | { ok: false; why: 'missing' | 'link' | 'not-a-file' | 'too-large' | 'changed' | 'unreadable'; size?: number; code?: string };

function openFlags(noFollow: boolean | undefined): number {
  return constants.O_RDONLY | (noFollow ? (constants.O_NOFOLLOW ?? 0) : 0) | (constants.O_NONBLOCK ?? 0);
}

function openFailure(e: unknown, noFollow: boolean | undefined): GuardedRead {
  const code = (e as NodeJS.ErrnoException).code ?? 'error';
  if (code === 'ELOOP' && noFollow) return { ok: false, why: 'link', code };
  if (code === 'ENOENT' || code === 'ENOTDIR') return { ok: false, why: 'missing', code };
  return { ok: false, why: 'unreadable', code };
}

/** The refusal for what fstat found, or null when the file may be read. */
function refusal(st: Stats, maxBytes: number): GuardedRead | null {
  if (!st.isFile()) return { ok: false, why: 'not-a-file' };
  if (st.size > maxBytes) return { ok: false, why: 'too-large', size: st.size };
  return null;
}

/** Reads `path` as the module comment says, on this thread. */
export function guardedRead(path: string, opts: GuardedReadOptions): GuardedRead {
  let fd: number;
  try {
    fd = openSync(path, openFlags(opts.noFollow));
  } catch (e) {
    return openFailure(e, opts.noFollow);
  }
  try {
    const stats = fstatSync(fd);
    const refused = refusal(stats, opts.maxBytes);
    if (refused) return refused;
    // one byte more than its size tells a file that grew while it was read
    const buf = Buffer.allocUnsafe(stats.size + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > stats.size) return { ok: false, why: 'changed' };
    return { ok: true, bytes: buf.subarray(0, n), stats };
  } finally {
    closeSync(fd);
  }
}

/** Reads `path` as the module comment says, with the open, fstat and reads on the thread pool. */
export async function guardedReadAsync(path: string, opts: GuardedReadOptions): Promise<GuardedRead> {
  let handle;
  try {
    handle = await open(path, openFlags(opts.noFollow));
  } catch (e) {
    return openFailure(e, opts.noFollow);
  }
  try {
    const stats = await handle.stat();
    const refused = refusal(stats, opts.maxBytes);
    if (refused) return refused;
    // one read for the whole file when it can (readFile reads 512 KB at a time, each next read
    // waiting for this thread); one byte more than its size tells a file that grew
    const buf = Buffer.allocUnsafe(stats.size + 1);
    let n = 0;
    while (n < buf.length) {
      const { bytesRead } = await handle.read(buf, n, buf.length - n, n);
      if (bytesRead === 0) break;
      n += bytesRead;
    }
    if (n > stats.size) return { ok: false, why: 'changed' };
    return { ok: true, bytes: buf.subarray(0, n), stats };
  } finally {
    await handle.close();
  }
}
