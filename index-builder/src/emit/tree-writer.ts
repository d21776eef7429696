/** Writes files into a staging tree: JSON with .gz/.br copies (PROTO-4), and reuse by hard link. */
import { copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, readlinkSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, brotliCompressSync, constants, gzip, gzipSync, type BrotliOptions, type ZlibOptions } from 'node:zlib';

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);
const brotliAsync = promisify<Buffer, BrotliOptions, Buffer>(brotliCompress);

/**
 * Files above this size (the search index, big summary pages) use brotli q5 and gzip 5:
 * on a 10.9 MB search index q5 gave 1.353 MB vs q9 1.352 MB in 38 % of the time, and gzip 6
 * took 44 % of gzip 9's time (bench notes in bench/RESULTS.md); gzip 5 then took 55-60 % of
 * gzip 6's time for 0.4 % more bytes (11.1 MB search index: 2.770 vs 2.759 MB, 235 vs 410 ms;
 * 2.3 MB browser search base +1.4 %, 0.7 MB shard +0.3 %).
 */
export const LARGE_FILE_BYTES = 256 * 1024;

/**
 * Files above this size (the search index, 11 MB at 10,000 libraries, and nothing else there)
 * use brotli q4 and gzip 4: on the 11.1 MB index q4 took 155 ms against q5's 282 ms for 8.5 %
 * more bytes (2.14 vs 1.97 MB), gzip 4 123 ms against 218 ms for 4.2 % more (2.88 vs 2.76 MB),
 * best of 3 each. The index is made again in every rebuild, and its copies were the last thing a
 * one-library rebuild waited for; neither the CLI nor the server reads them (the web UI reads the
 * browser's search files, under this size).
 */
export const BULK_FILE_BYTES = 4 * 1024 * 1024;

/**
 * Compressed copies: gzip and brotli settings for a file of `length` bytes. Brotli q9 with the
 * smallest window (log2, 10..24; 21 at most for a large file) that holds the whole input:
 * measured on a 3.6 KB index file, 0.22 ms, q11 7.7 ms, q9 with the default 4 MB window 26 ms.
 * Large files: see LARGE_FILE_BYTES and BULK_FILE_BYTES.
 * Self-contained: its source text also runs on the search index worker, called with every argument.
 */
export function compressionOptions(length: number, largeBytes: number = LARGE_FILE_BYTES, zc: typeof constants = constants, bulkBytes: number = BULK_FILE_BYTES): { gzip: ZlibOptions; brotli: BrotliOptions } {
  const large = length > largeBytes;
  const level = length > bulkBytes ? 4 : large ? 5 : 9;
  // q5 gains nothing from matches further back than 2 MB: on the 11.1 MB search index a 2 MB
  // window (21) gave 0.2 % fewer bytes than 16 MB (24) in ~75 % of the time and ~20 MB less memory
  const window = Math.min(large ? 21 : 24, Math.max(10, Math.ceil(Math.log2(length + 1))));
  return {
    gzip: { level },
    brotli: { params: { [zc.BROTLI_PARAM_QUALITY]: level, [zc.BROTLI_PARAM_SIZE_HINT]: length, [zc.BROTLI_PARAM_LGWIN]: window, [zc.BROTLI_PARAM_MODE]: zc.BROTLI_MODE_TEXT } },
  };
}

/** A file whose compressed copies are being made elsewhere (a worker), with `compressionOptions`. */
export interface Precompressed {
  text: string;
  copies: Promise<{ gz: Uint8Array; br: Uint8Array }>;
}

/**
 * Top folders whose `@scope` subfolders are shards: each is a symlink from the tree to a folder
 * of its own under the output's objects folder, so a build reuses a scope nothing changed in
 * with ONE symlink to the previous build's shard instead of a hard link per file and a folder per
 * library (a one-library rebuild of 10,000 libraries linked 110,000 files in 30,000 folders).
 */
export const SHARDED = ['index', 'tarballs', 'libraries'] as const;
export type ShardPrefix = (typeof SHARDED)[number];
const SHARD_RE = /^(index|tarballs|libraries)\/(@[^/]+)\//;

/**
 * The folder the shard `prefix/@scope` of the tree at `root` links to, when that is a shard link
 * to an existing folder; null otherwise (no such tree, a plain folder, a dangling link).
 */
export function shardTarget(root: string | null, prefix: ShardPrefix, scope: string): string | null {
  if (!root) return null;
  const at = join(root, `${prefix}/@${scope}`);
  try {
    if (!lstatSync(at).isSymbolicLink()) return null;
    const target = resolve(dirname(at), readlinkSync(at));
    return existsSync(target) ? target : null;
  } catch {
    return null;
  }
}

export interface ShardOptions {
  /** Folder holding shard folders (`<objects>/<prefix>/<@scope>-<id>`); the same for every build of one output. */
  objectsDir: string;
  /** Unique per build: names this build's new shard folders. */
  id: string;
}

export class TreeWriter {
  private readonly made = new Set<string>();
  /** Shards of this tree, by `prefix/@scope`: opened for writing, or linked to a previous build's. */
  private readonly shards = new Map<string, 'open' | 'linked'>();
  bytesWritten = 0;
  filesWritten = 0;
  filesLinked = 0;
  shardsReused = 0;

  constructor(readonly root: string, private readonly sharding: ShardOptions | null = null) {}

  private ensureDir(rel: string): void {
    const d = dirname(rel);
    if (d === '.' || this.made.has(d)) return;
    if (this.sharding) this.openShard(rel);
    mkdirSync(join(this.root, d), { recursive: true });
    this.made.add(d);
  }

  /** The first file of a shard in this build: its own folder under objects, linked into the tree. */
  private openShard(rel: string): void {
    const m = SHARD_RE.exec(rel);
    if (!m || !this.sharding) return;
    const key = `${m[1]}/${m[2]}`;
    const state = this.shards.get(key);
    if (state === 'open') return;
    if (state === 'linked') throw new Error(`${rel}: the shard ${key} was reused from the previous build and cannot change`);
    const target = join(this.sharding.objectsDir, m[1] as string, `${m[2]}-${this.sharding.id}`);
    mkdirSync(target, { recursive: true });
    this.link(key, target);
    this.shards.set(key, 'open');
  }

  private link(key: string, target: string): void {
    const at = join(this.root, key);
    mkdirSync(dirname(at), { recursive: true });
    symlinkSync(relative(dirname(at), target), at, 'dir');
  }

  /**
   * Reuses the whole `prefix/@scope` shard of the previous tree (one symlink to the same
   * folder), when that tree has it as a shard. The caller must know nothing in it changed
   * (same files, same content); false: not possible, write or reuse its files one by one.
   */
  reuseShard(prefix: ShardPrefix, scope: string, previousRoot: string | null): boolean {
    const key = `${prefix}/@${scope}`;
    if (!this.sharding || this.shards.has(key)) return false;
    const target = shardTarget(previousRoot, prefix, scope);
    if (!target) return false;
    this.link(key, target);
    this.shards.set(key, 'linked');
    this.shardsReused++;
    return true;
  }

  write(rel: string, bytes: Uint8Array | string): void {
    this.ensureDir(rel);
    writeFileSync(join(this.root, rel), bytes);
    this.bytesWritten += typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.length;
    this.filesWritten++;
  }

  /** Moves `file` (`size` bytes, on the same file system) to `rel`; copies it across file systems. */
  adopt(rel: string, file: string, size: number): void {
    this.ensureDir(rel);
    const dst = join(this.root, rel);
    try {
      renameSync(file, dst);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
      copyFileSync(file, dst);
      rmSync(file, { force: true });
    }
    this.bytesWritten += size;
    this.filesWritten++;
  }

  /**
   * Writes the pieces of a large text in order, on the thread pool, making each piece only when
   * the previous one is written (one piece in memory at a time); `flush()` waits for it.
   * `encoding` 'latin1' copies the characters as bytes: for a text known to be ASCII (utf8 gives
   * the same bytes, after a scan). Byte pieces are written as they are.
   */
  writeChunksInBackground(rel: string, chunks: Iterable<string | Uint8Array>, encoding: 'utf8' | 'latin1' = 'utf8'): void {
    this.ensureDir(rel);
    const p = (async () => {
      const handle = await open(join(this.root, rel), 'w');
      try {
        for (const chunk of chunks) {
          const bytes = typeof chunk === 'string' ? Buffer.from(chunk, encoding) : chunk;
          await handle.write(bytes, 0, bytes.length);
          this.bytesWritten += bytes.length;
        }
      } finally {
        await handle.close();
      }
      this.filesWritten++;
    })();
    p.catch(() => undefined); // reported by flush()
    this.pending.push(p);
  }

  /**
   * Writes `rel` plus `rel.gz` and `rel.br`. A large file's copies are compressed on the thread
   * pool while the build goes on (the search index: ~0.9 s of a one-library rebuild at 10,000
   * libraries); `flush()` waits for them, and must be awaited before the tree is swapped in.
   */
  writeCompressed(rel: string, text: string): void {
    const buf = Buffer.from(text);
    const large = buf.length > LARGE_FILE_BYTES;
    this.write(rel, buf);
    const { gzip: gz, brotli: br } = compressionOptions(buf.length);
    if (!large) {
      this.write(`${rel}.gz`, gzipSync(buf, gz));
      this.write(`${rel}.br`, brotliCompressSync(buf, br));
      return;
    }
    this.ensureDir(rel);
    for (const p of [gzipAsync(buf, gz).then((b) => this.write(`${rel}.gz`, b)), brotliAsync(buf, br).then((b) => this.write(`${rel}.br`, b))]) {
      p.catch(() => undefined); // reported by flush(); a build that failed before flushing must not crash on it
      this.pending.push(p);
    }
  }

  private pending: Promise<void>[] = [];

  /** Waits for the compressed copies still being made; rejects when one failed. */
  async flush(): Promise<void> {
    while (this.pending.length) {
      // a finished derived file queues its own compressed copies: loop until none is left
      const all = this.pending;
      this.pending = [];
      const results = await Promise.allSettled(all);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    }
  }

  /**
   * Writes a derived file (and its compressed copies) unless the previous tree made it from
   * the same input: then the three files are linked. `make` runs only when needed.
   */
  writeDerived(rel: string, inputHash: string, previous: { dir: string | null; hash: string | undefined }, make: () => string): boolean {
    if (this.reuseDerived(rel, inputHash, previous)) return false;
    this.writeCompressed(rel, make());
    return true;
  }

  /** Links `rel` and its compressed copies from the previous tree when it made them from the same input. */
  private reuseDerived(rel: string, inputHash: string, previous: { dir: string | null; hash: string | undefined }): boolean {
    if (!previous.dir || previous.hash !== inputHash || !existsSync(join(previous.dir, `${rel}.br`))) return false;
    for (const suffix of ['', '.gz', '.br']) this.reuse(previous.dir, rel + suffix);
    return true;
  }

  /**
   * `writeDerived` with `make` running elsewhere (a worker): the file and its copies are written
   * when it answers; `flush()` waits for that too. Resolves once the file itself is written.
   */
  writeDerivedAsync(rel: string, inputHash: string, previous: { dir: string | null; hash: string | undefined }, make: () => Promise<string | Precompressed>): Promise<void> {
    if (this.reuseDerived(rel, inputHash, previous)) return Promise.resolve();
    this.ensureDir(rel);
    const p = make().then((made) => {
      if (typeof made === 'string') return this.writeCompressed(rel, made);
      this.write(rel, made.text);
      const copies = made.copies.then(({ gz, br }) => {
        this.write(`${rel}.gz`, gz);
        this.write(`${rel}.br`, br);
      });
      copies.catch(() => undefined); // reported by flush()
      this.pending.push(copies);
    });
    p.catch(() => undefined); // reported by flush()
    this.pending.push(p);
    return p;
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
