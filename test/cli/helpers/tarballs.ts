/** Hand-made (hostile) tarballs: any path, any entry type, built with node-tar's Header encoder. */
import { createHash } from 'node:crypto';
import { createGzip, gzipSync } from 'node:zlib';
import { Header } from 'tar';

export interface RawEntry {
  path: string;
  type?: 'File' | 'SymbolicLink' | 'Link' | 'Directory' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  data?: Buffer | string;
  linkpath?: string;
}

export function rawTar(entries: readonly RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const type = e.type ?? 'File';
    const h = new Header({ path: e.path, mode: 0o644, uid: 0, gid: 0, size: type === 'File' ? data.length : 0, mtime: new Date(0), type, linkpath: e.linkpath ?? '', uname: '', gname: '' });
    const block = Buffer.alloc(512);
    h.encode(block);
    parts.push(block);
    if (type === 'File' && data.length) {
      parts.push(data, Buffer.alloc((512 - (data.length % 512)) % 512));
    }
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const rawTgz = (entries: readonly RawEntry[]): Buffer => gzipSync(rawTar(entries));

/** A gzip file that inflates to a tar entry of `bytes` zeros (streamed, so the test stays small in memory). */
export async function gzipBomb(bytes: number): Promise<Buffer> {
  const h = new Header({ path: 'package/zeros.md', mode: 0o644, size: bytes, mtime: new Date(0), type: 'File' });
  const block = Buffer.alloc(512);
  h.encode(block);
  const gz = createGzip({ level: 9 });
  const out: Buffer[] = [];
  gz.on('data', (c: Buffer) => out.push(c));
  const done = new Promise<void>((r) => gz.on('end', () => r()));
  gz.write(block);
  const chunk = Buffer.alloc(1024 * 1024);
  for (let left = bytes; left > 0; left -= chunk.length) {
    if (!gz.write(left >= chunk.length ? chunk : chunk.subarray(0, left))) await new Promise((r) => gz.once('drain', r));
  }
  gz.end();
  await done;
  return Buffer.concat(out);
}

export function integrityOf(bytes: Buffer): { integrity: string; sha256: string; size: number } {
  return {
    integrity: `sha512-${createHash('sha512').update(bytes).digest('base64')}`,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    size: bytes.length,
  };
}
