/**
 * Deterministic tarballs (BUILD-2): sorted entries under `package/`, fixed mtime, mode,
 * owner; gzip at a fixed level with no name or time in its header.
 * Headers come from node-tar's Header/Pax encoders; only the assembly is ours.
 */
import { createHash } from 'node:crypto';
import { gzipSync, constants } from 'node:zlib';
import { Header, Pax } from 'tar';
import type { LibraryFile } from '../validate/files.js';

export const TARBALL_PREFIX = 'package/';
export const TARBALL_MTIME = new Date('1985-10-26T08:15:00Z');
const BLOCK = 512;

function headerFor(path: string, size: number): Buffer[] {
  const fields = { path, mode: 0o644, uid: 0, gid: 0, size, mtime: TARBALL_MTIME, type: 'File' as const, uname: '', gname: '' };
  const h = new Header(fields);
  const block = Buffer.alloc(BLOCK);
  h.encode(block);
  if (!h.needPax) return [block];
  const pax = new Pax({ path, mtime: TARBALL_MTIME, size });
  return [pax.encode(), block];
}

export function packTar(files: readonly LibraryFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const parts: Buffer[] = [];
  for (const f of sorted) {
    parts.push(...headerFor(TARBALL_PREFIX + f.path, f.bytes.length), f.bytes);
    const pad = (BLOCK - (f.bytes.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return Buffer.concat(parts);
}

export interface PackedTarball {
  bytes: Buffer;
  sha256: string;
  integrity: string;
  unpackedSize: number;
  fileCount: number;
}

export function packTarball(files: readonly LibraryFile[]): PackedTarball {
  const bytes = gzipSync(packTar(files), { level: 9, memLevel: 9, strategy: constants.Z_DEFAULT_STRATEGY });
  return {
    bytes,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    unpackedSize: files.reduce((n, f) => n + f.bytes.length, 0),
    fileCount: files.length,
  };
}
