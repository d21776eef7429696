/** Writes files into a staging tree: JSON with .gz/.br copies (PROTO-4), and reuse by hard link. */
import { copyFileSync, existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

/**
 * Brotli quality for precompressed JSON. Measured on a 3.6 KB index file: q9 with a window
 * fitted to the input 0.22 ms, q11 7.7 ms, q9 with the default 4 MB window 26 ms.
 */
export const BROTLI_QUALITY = 9;

/**
 * Files above this size (the search index, big summary pages) use brotli q5 and gzip 6:
 * on a 10.9 MB search index q5 gave 1.353 MB vs q9 1.352 MB in 38 % of the time, and gzip 6
 * took 44 % of gzip 9's time (bench notes in bench/RESULTS.md).
 */
export const LARGE_FILE_BYTES = 256 * 1024;

/** Smallest brotli window (log2, 10..24) that holds the whole input. */
export function brotliWindow(length: number): number {
  return Math.min(24, Math.max(10, Math.ceil(Math.log2(length + 1))));
}

export class TreeWriter {
  private readonly made = new Set<string>();
  bytesWritten = 0;
  filesWritten = 0;
  filesLinked = 0;

  constructor(readonly root: string) {}

  private ensureDir(rel: string): void {
    const d = dirname(rel);
    if (d === '.' || this.made.has(d)) return;
    mkdirSync(join(this.root, d), { recursive: true });
    this.made.add(d);
  }

  write(rel: string, bytes: Buffer | string): void {
    this.ensureDir(rel);
    writeFileSync(join(this.root, rel), bytes);
    this.bytesWritten += typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    this.filesWritten++;
  }

  /** Writes `rel` plus `rel.gz` and `rel.br`. */
  writeCompressed(rel: string, text: string): void {
    const buf = Buffer.from(text);
    const large = buf.length > LARGE_FILE_BYTES;
    this.write(rel, buf);
    this.write(`${rel}.gz`, gzipSync(buf, { level: large ? 6 : 9 }));
    this.write(`${rel}.br`, brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: large ? 5 : BROTLI_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: buf.length, [constants.BROTLI_PARAM_LGWIN]: brotliWindow(buf.length), [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT } }));
  }

  /**
   * Writes a derived file (and its compressed copies) unless the previous tree made it from
   * the same input: then the three files are linked. `make` runs only when needed.
   */
  writeDerived(rel: string, inputHash: string, previous: { dir: string | null; hash: string | undefined }, make: () => string): boolean {
    if (previous.dir && previous.hash === inputHash && existsSync(join(previous.dir, `${rel}.br`))) {
      for (const suffix of ['', '.gz', '.br']) this.reuse(previous.dir, rel + suffix);
      return false;
    }
    this.writeCompressed(rel, make());
    return true;
  }

  writeJson(rel: string, value: unknown): string {
    const text = JSON.stringify(value);
    this.writeCompressed(rel, text);
    return text;
  }

  /** Reuses a file of the previous tree: hard link (same file system), else copy. */
  reuse(fromRoot: string, rel: string): void {
    this.ensureDir(rel);
    const src = join(fromRoot, rel);
    const dst = join(this.root, rel);
    try {
      linkSync(src, dst);
    } catch {
      copyFileSync(src, dst);
    }
    this.filesLinked++;
  }
}
