/**
 * Safe tarball extraction (SEC-2). node-tar parses; we accept only regular files under
 * `package/` with clean relative paths, cap the unpacked size and entry count (gzip bombs
 * are stopped by the gunzip output cap), and write into a fresh folder beside the target.
 * Nothing is written until the whole archive has been checked.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { sanitizeForMessage } from '../../../index-builder/src/format/names.js';
import { cliError } from '../errors.js';
import { folderMaker } from '../file-writes.js';

export interface ExtractLimits {
  maxUnpackedBytes: number;
  maxEntries: number;
}

export const DEFAULT_EXTRACT_LIMITS: ExtractLimits = { maxUnpackedBytes: 64 * 1024 * 1024, maxEntries: 10_000 };

const FILE_TYPES = new Set(['File', 'OldFile', 'ContiguousFile']);
const PREFIX = 'package/';

export interface ArchiveFile {
  path: string;
  data: Buffer;
}

/** Returns the clean relative path of an entry, or a reason it is refused. */
export function checkEntryPath(raw: string): { path: string } | { refused: string } {
  if (raw.includes('\0')) return { refused: 'contains a NUL byte' };
  if (raw.includes('\\')) return { refused: 'contains a backslash' };
  if (raw.startsWith('/') || /^[A-Za-z]:/.test(raw)) return { refused: 'is an absolute path' };
  if (!raw.startsWith(PREFIX)) return { refused: 'is not under package/' };
  const rel = raw.slice(PREFIX.length).replace(/\/+$/, '');
  const parts = rel.split('/');
  if (!rel || parts.some((p) => p === '' || p === '.' || p === '..')) return { refused: 'has an empty, . or .. path segment' };
  return { path: rel };
}

/** Parses and checks a gzip tarball in memory; throws before anything is written. */
export async function readArchive(gz: Buffer, what: string, limits: ExtractLimits = DEFAULT_EXTRACT_LIMITS): Promise<ArchiveFile[]> {
  let tar: Buffer;
  try {
    // the tar stream holds headers and padding too: allow 1 KiB per entry on top of the data cap
    tar = gunzipSync(gz, { maxOutputLength: limits.maxUnpackedBytes + limits.maxEntries * 1024 + 1024 * 1024 });
  } catch (e) {
    if (e instanceof RangeError || (e instanceof Error && /buffer|length/i.test(e.message) && (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE')) {
      throw cliError('CLI_ARCHIVE_TOO_LARGE', `${what} unpacks to more than ${limits.maxUnpackedBytes} bytes (a gzip bomb?)`, 'the tarball was refused and nothing was written; tell the registry operator');
    }
    throw cliError('CLI_ARCHIVE_CORRUPT', `${what} is not a valid gzip file`, 'the tarball was refused and nothing was written; retry, or tell the registry operator', undefined, e);
  }
  const files: ArchiveFile[] = [];
  const seen = new Set<string>();
  let total = 0;
  let failure: Error | null = null;
  const fail = (e: Error) => {
    failure ??= e;
  };
  // case-folded folders the entries need (each file's parents, and Directory entries): a file
  // may not sit where a folder is, in either order (`docs` + `docs/a.md`, or `DOCS/a.md` + `docs`)
  const folders = new Set<string>();
  const clashWith = (path: string, isFolder: boolean): Error | null => {
    const lower = path.toLowerCase();
    const parts = lower.split('/');
    const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
    const fileInTheWay = parents.find((p) => seen.has(p)) ?? (isFolder && seen.has(lower) ? lower : undefined);
    const folderInTheWay = !isFolder && folders.has(lower);
    for (const p of isFolder ? [...parents, lower] : parents) folders.add(p);
    if (fileInTheWay === undefined && !folderInTheWay) return null;
    const at = sanitizeForMessage(fileInTheWay ?? path);
    return cliError('CLI_UNSAFE_ARCHIVE', `${what} holds "${at}" both as a file and as a folder (letter case ignored)`, 'the tarball was refused and nothing was written; tell the registry operator');
  };
  const parser = new Parser({ strict: true });
  parser.on('entry', (entry: ReadEntry) => {
    if (failure) return entry.resume();
    const checked = checkEntryPath(entry.path);
    const label = sanitizeForMessage(entry.path);
    if ('refused' in checked) {
      fail(cliError('CLI_UNSAFE_ARCHIVE', `${what} holds the entry "${label}", which ${checked.refused}`, 'the tarball was refused and nothing was written; tell the registry operator'));
      return entry.resume();
    }
    if (entry.type === 'Directory') {
      // a folder where a file is: the later writes failed with EEXIST/ENOTDIR, an internal error
      const clash = clashWith(checked.path, true);
      if (clash) fail(clash);
      return entry.resume();
    }
    if (!FILE_TYPES.has(entry.type)) {
      fail(cliError('CLI_UNSAFE_ARCHIVE', `${what} holds "${label}" of type ${entry.type}; only regular files are allowed (no links or devices)`, 'the tarball was refused and nothing was written; tell the registry operator'));
      return entry.resume();
    }
    if (seen.has(checked.path.toLowerCase())) {
      fail(cliError('CLI_UNSAFE_ARCHIVE', `${what} holds "${label}" twice (or twice with different letter case)`, 'the tarball was refused and nothing was written; tell the registry operator'));
      return entry.resume();
    }
    const clash = clashWith(checked.path, false);
    if (clash) {
      fail(clash);
      return entry.resume();
    }
    seen.add(checked.path.toLowerCase());
    if (files.length + 1 > limits.maxEntries) {
      fail(cliError('CLI_ARCHIVE_TOO_LARGE', `${what} has more than ${limits.maxEntries} entries`, 'the tarball was refused and nothing was written; tell the registry operator'));
      return entry.resume();
    }
    const chunks: Buffer[] = [];
    entry.on('data', (c: Buffer) => {
      total += c.length;
      if (total > limits.maxUnpackedBytes) fail(cliError('CLI_ARCHIVE_TOO_LARGE', `${what} unpacks to more than ${limits.maxUnpackedBytes} bytes`, 'the tarball was refused and nothing was written; tell the registry operator'));
      else chunks.push(c);
    });
    entry.on('end', () => files.push({ path: checked.path, data: Buffer.concat(chunks) }));
    return undefined;
  });
  await new Promise<void>((res) => {
    parser.on('warn', (code: string, msg: string | Error) => fail(cliError('CLI_ARCHIVE_CORRUPT', `${what} is not a valid tar archive (${code}: ${msg instanceof Error ? msg.message : msg})`, 'the tarball was refused and nothing was written; tell the registry operator')));
    parser.on('error', (e: Error) => {
      fail(cliError('CLI_ARCHIVE_CORRUPT', `${what} is not a valid tar archive (${e.message})`, 'the tarball was refused and nothing was written; tell the registry operator'));
      res();
    });
    parser.on('end', () => res());
    parser.end(tar);
  });
  if (failure) throw failure;
  return files;
}

/**
 * Writes checked files into `dir` (which must not exist yet), all at once through libuv's
 * thread pool: file creation is the slow part of an install from the cache, and overlapping
 * it took a 50-library write from 87 to 58 ms on this project's CI machine. Each folder is
 * made once (folderMaker). Every write has settled when this returns or throws, so a caller
 * that removes `dir` after a failure races with nothing.
 */
export async function writeArchive(files: readonly ArchiveFile[], dir: string): Promise<void> {
  const root = resolve(dir);
  await mkdir(root, { recursive: false });
  const folder = folderMaker(undefined, [root]);
  const results = await Promise.allSettled(files.map(async (f) => {
    const target = resolve(root, ...f.path.split('/'));
    if (!target.startsWith(root + sep)) throw new Error(`bug: checked path escaped: ${f.path}`);
    await folder(dirname(target));
    await writeFile(target, f.data, { flag: 'wx', mode: 0o644 });
  }));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const stagingName = (dir: string): string => join(dirname(dir), `.${dir.split(sep).pop() ?? 'lib'}.mdlibs-tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`);
