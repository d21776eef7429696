/**
 * Reading a file the CLI did not necessarily write itself (a cache entry, a project file a
 * cloned repository carries), with the builder's guarded reader: opened without blocking (a
 * named pipe would block readFileSync forever) and checked on the open descriptor before a byte
 * is read: only a regular file, of at most `maxBytes` (a link to /dev/zero was read until memory
 * ran out).
 */
import { guardedRead, type GuardedRead } from '../../index-builder/src/read/guarded-read.js';

export type RegularRead = GuardedRead;

export function readRegularFile(file: string, maxBytes: number): RegularRead {
  try {
    return guardedRead(file, { maxBytes });
  } catch {
    return { ok: false, why: 'not-a-file' }; // an error of the open descriptor (EISDIR and the like)
  }
}
