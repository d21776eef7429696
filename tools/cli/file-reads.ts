/**
 * Reading a file the CLI did not necessarily write itself (a cache entry, a project file a
 * cloned repository carries). Opened without blocking (a named pipe would block readFileSync
 * forever) and checked on the open descriptor before a byte is read: only a regular file, of at
 * most `maxBytes` (a link to /dev/zero was read until memory ran out).
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

export type RegularRead =
  | { ok: true; bytes: Buffer }
  | { ok: false; why: 'missing' | 'not-a-file' | 'too-large' | 'changed' | 'unreadable'; size?: number; code?: string };

export function readRegularFile(file: string, maxBytes: number): RegularRead {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' || code === 'ENOTDIR' ? { ok: false, why: 'missing' } : { ok: false, why: 'unreadable', code };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { ok: false, why: 'not-a-file' };
    if (st.size > maxBytes) return { ok: false, why: 'too-large', size: st.size };
    // one byte more than its size tells a file that grew while it was read
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (let r = 1; r > 0 && n < buf.length; n += r) r = readSync(fd, buf, n, buf.length - n, null);
    if (n > st.size) return { ok: false, why: 'changed' };
    return { ok: true, bytes: buf.subarray(0, n) };
  } catch {
    return { ok: false, why: 'not-a-file' }; // EISDIR and the like
  } finally {
    closeSync(fd);
  }
}
