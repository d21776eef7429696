/**
 * Puts locked libraries on disk: tarball from the cache or the registry (in parallel),
 * sha512 checked against the lock entry, archive checked, extracted beside the target,
 * then every target swapped in. If anything fails before the swap, nothing changes.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readlinkSync, renameSync, rmSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { cliError } from '../errors.js';
import { readRegularFile } from '../file-reads.js';
import { writeFileAtomicSync } from '../file-writes.js';
import { redactUrl } from '../net/http.js';
import type { Session } from '../registry/session.js';
import { matchesIntegrity } from './integrity.js';
import { readArchive, stagingName, writeArchive, type ArchiveFile } from './extract.js';
import type { LockEntry } from './lockfile.js';
import { archiveDigests, describeChanges, localChanges, type FileDigests, type LocalChange } from './local-changes.js';
import { pidRunning } from './project-lock.js';
import { runPool } from './pool.js';
import { checkedName } from './spec.js';

export const DOWNLOAD_CONCURRENCY = 16;
/** Libraries written at once (each writes all its files at once). */
export const WRITE_CONCURRENCY = 8;

export interface MaterializeStats {
  extracted: string[];
  unchanged: string[];
  removed: string[];
  downloaded: number;
  fromCache: number;
}

/**
 * What is on disk: `<installDir>/.mdlibs-state.json` maps each installed library to its
 * integrity (`libraries`) and to a digest of each file install wrote (`files`, see
 * local-changes.ts; state files of older versions have none).
 */
export const STATE_FILE = '.mdlibs-state.json';

export interface InstallRecord {
  libraries: Record<string, string>;
  files: Record<string, FileDigests>;
}

/** Largest state file read (10,000 libraries of many files each). */
const MAX_STATE_BYTES = 256 * 1024 * 1024;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function readInstallRecord(projectDir: string, installDir: string): InstallRecord {
  const empty: InstallRecord = { libraries: {}, files: {} };
  // a cloned project's state file may be a pipe or a link to /dev/zero: read only a regular file
  const read = readRegularFile(join(projectDir, installDir, STATE_FILE), MAX_STATE_BYTES);
  if (!read.ok) return empty;
  let raw: unknown;
  try {
    raw = JSON.parse(read.bytes.toString('utf8'));
  } catch {
    return empty;
  }
  if (!isRecord(raw) || !isRecord(raw.libraries)) return empty;
  const libraries = Object.fromEntries(Object.entries(raw.libraries).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const files: Record<string, FileDigests> = {};
  if (isRecord(raw.files)) {
    for (const [name, digests] of Object.entries(raw.files)) {
      if (!Object.hasOwn(libraries, name) || !isRecord(digests) || !Object.values(digests).every((d) => typeof d === 'string')) continue;
      files[name] = digests as FileDigests;
    }
  }
  return { libraries, files };
}

function writeInstallState(projectDir: string, installDir: string, state: InstallRecord): void {
  const dir = join(projectDir, installDir);
  mkdirSync(dir, { recursive: true });
  // a name of its own, created new (writeFileAtomicSync): the fixed name
  // `.mdlibs-state.json.tmp` was written through a link a cloned project carried, so install
  // overwrote the file it pointed to, outside the project
  writeFileAtomicSync(join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

export function libraryDir(projectDir: string, installDir: string, full: string): string {
  const { scope, name } = checkedName(full, 'the lockfile');
  return join(projectDir, installDir, `@${scope}`, name);
}

/**
 * Refuses to work through a symbolic link: the install folder (each part of its path) and each
 * `@scope` folder in it must be real folders inside the project, or not exist yet. A link there,
 * which a cloned project can carry (`libraries/@acme -> ~`), made install replace and uninstall
 * delete folders elsewhere on the disk (`~/<name>` for a library `@acme/<name>`).
 */
export function checkInstallPaths(projectDir: string, installDir: string, scopes: Iterable<string>): void {
  const parts = installDir.split('/').filter((p) => p !== '' && p !== '.');
  const rels = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  for (const scope of new Set(scopes)) rels.push(join(installDir, `@${scope}`));
  for (const rel of rels) {
    const at = join(projectDir, rel);
    const st = lstatSync(at, { throwIfNoEntry: false });
    if (!st || (st.isDirectory() && !st.isSymbolicLink())) continue;
    if (st.isSymbolicLink()) {
      let to = '';
      try {
        to = ` (to ${readlinkSync(at)})`;
      } catch {
        // shown without its target
      }
      throw cliError('CLI_UNSAFE_PATH', `${rel} is a symbolic link${to}; mdlibs installs only into real folders inside the project`, `remove the link (rm ${rel}) and run the command again; nothing was changed`);
    }
    throw cliError('CLI_UNSAFE_PATH', `${rel} is not a folder`, `move it out of the way and run the command again; nothing was changed`);
  }
}

/** `.<name>.mdlibs-tmp-<pid>-<rand>` (stagingName) and its `-old` twin: the pid of the install that made it. */
const STAGING_RE = /^\.[^/]+\.mdlibs-tmp-(\d{1,10})-[a-z0-9]*(?:-old)?$/;

/**
 * Removes staging folders that an install killed mid-way (kill -9, power loss) left in the
 * `@scope` folders: they stayed forever. Only folders whose pid no longer runs; never a link,
 * and never inside a `@scope` entry that is a link (checkInstallPaths refuses those that matter).
 */
export function removeStaleStaging(projectDir: string, installDir: string): string[] {
  const root = join(projectDir, installDir);
  const removed: string[] = [];
  let scopes: string[];
  try {
    scopes = readdirSync(root).filter((n) => n.startsWith('@'));
  } catch {
    return removed; // nothing installed yet
  }
  for (const scope of scopes) {
    const dir = join(root, scope);
    if (!lstatSync(dir, { throwIfNoEntry: false })?.isDirectory()) continue; // a link or a file: not ours to touch
    for (const n of readdirSync(dir)) {
      const m = STAGING_RE.exec(n);
      if (!m || pidRunning(Number(m[1]))) continue;
      const at = join(dir, n);
      if (!lstatSync(at, { throwIfNoEntry: false })?.isDirectory()) continue;
      rmSync(at, { recursive: true, force: true });
      removed.push(join(installDir, scope, n));
    }
  }
  return removed;
}

const scopeOf = (full: string): string | null => {
  try {
    return checkedName(full, 'the lockfile').scope;
  } catch {
    return null;
  }
};

/** Digests of what a tarball holds, when the cache has it (for libraries a state file without digests lists). */
async function cachedDigests(session: Session, integrity: string | undefined): Promise<FileDigests | null> {
  const bytes = integrity === undefined ? null : session.tarballs.get(integrity);
  if (!bytes) return null;
  try {
    return archiveDigests(await readArchive(bytes, 'a cached tarball'));
  } catch {
    return null;
  }
}

interface EditedLibrary {
  name: string;
  path: string;
  changes: LocalChange[];
  /** Set when the changes cannot be told. */
  unknown?: string;
}

/**
 * Throws CLI_LOCAL_CHANGES when a folder of `names` holds files that differ from what was
 * installed there (changed, added or removed), before anything is downloaded or changed.
 * A folder mdlibs has no digests for is compared with its tarball in the cache; without one
 * (another copy of the project, a cleared cache) it counts as edited: mdlibs cannot tell.
 */
async function refuseLocalChanges(session: Session, projectDir: string, installDir: string, record: InstallRecord, names: readonly string[], command: LocalChangesCommand): Promise<void> {
  const edited: EditedLibrary[] = [];
  for (const name of [...new Set(names)].sort()) {
    let dir: string;
    try {
      dir = libraryDir(projectDir, installDir, name);
    } catch {
      continue; // a tampered state file names no real library: the disk is left alone for it
    }
    const st = lstatSync(dir, { throwIfNoEntry: false });
    if (!st) continue;
    const path = relative(projectDir, dir).split(sep).join('/');
    if (!st.isDirectory()) {
      if (!st.isSymbolicLink()) edited.push({ name, path, changes: [], unknown: 'it is not a folder (mdlibs installed one there)' });
      continue; // a link: removing it loses nothing
    }
    const installed = Object.hasOwn(record.files, name) ? record.files[name] as FileDigests
      : Object.hasOwn(record.libraries, name) ? await cachedDigests(session, record.libraries[name]) : null;
    if (!installed) {
      edited.push({ name, path, changes: [], unknown: Object.hasOwn(record.libraries, name)
        ? 'mdlibs cannot tell whether it was edited (no digests were recorded when it was installed and its tarball is not in the cache)'
        : `mdlibs did not install it (${installDir}/${STATE_FILE} does not list it)` });
      continue;
    }
    const changes = localChanges(dir, installed);
    if (changes.length) edited.push({ name, path, changes });
  }
  if (!edited.length) return;
  const shown = edited.slice(0, 3).map((e) => `${e.path}: ${e.unknown ?? describeChanges(e.changes)}`).join('; ');
  const more = edited.length > 3 ? `; and ${edited.length - 3} more libraries` : '';
  const what = command === 'uninstall' ? 'delete' : 'replace';
  throw cliError('CLI_LOCAL_CHANGES', `\`mdlibs ${command}\` would ${what} files that were edited after they were installed: ${shown}${more}`,
    `nothing was changed; copy the edits you want to keep out of ${installDir}/ (or undo them) and run the command again, or run it again with --force to discard them`,
    { libraries: edited.map((e) => ({ name: e.name, path: e.path, ...(e.unknown ? { unknown: e.unknown } : {}), changes: e.changes.slice(0, 100) })) });
}

async function fetchVerified(session: Session, full: string, e: LockEntry, stats: MaterializeStats): Promise<Buffer> {
  const what = `${full}@${e.version}`;
  const cached = session.tarballs.get(e.integrity);
  if (cached) {
    stats.fromCache++;
    return cached;
  }
  if (session.offline) throw cliError('CLI_OFFLINE_MISS', `--offline: the tarball of ${what} is not in the cache`, 'run the install once online, or drop --offline');
  const client = session.client(e.registry);
  const url = client.resolve(e.resolved);
  const bytes = await (session.prefetch.take(e.integrity, url) ?? client.tarball(url, e.size ?? null, what));
  if (!matchesIntegrity(bytes, e.integrity)) {
    throw cliError('CLI_INTEGRITY_MISMATCH', `the tarball of ${what} from ${redactUrl(url)} does not match its integrity ${e.integrity.slice(0, 20)}…`, 'nothing was installed; the download or the registry is corrupt or tampered with: retry, and if it persists tell the registry operator', { library: full, version: e.version });
  }
  stats.downloaded++;
  void session.tarballs.put(e.integrity, bytes); // written while the other downloads go on
  return bytes;
}

/** The commands that refuse to discard local edits (named in the CLI_LOCAL_CHANGES message). */
export type LocalChangesCommand = 'install' | 'update' | 'uninstall';

export interface MaterializeOptions {
  /**
   * The command (`install`, `update`, `uninstall`) that refuses with CLI_LOCAL_CHANGES, before
   * it downloads or changes anything, to replace or remove a library folder whose files differ
   * from what was installed. Unset (--force): such folders are replaced.
   */
  refuseLocalChanges?: LocalChangesCommand | undefined;
}

export async function materialize(
  session: Session,
  projectDir: string,
  installDir: string,
  wanted: Readonly<Record<string, LockEntry>>,
  o: MaterializeOptions = {},
): Promise<MaterializeStats> {
  // what is on disk now (written by the last successful install); unknown folders are replaced
  const record = readInstallRecord(projectDir, installDir);
  const previous = record.libraries;
  checkInstallPaths(projectDir, installDir, [...Object.keys(wanted), ...Object.keys(previous)].map(scopeOf).filter((x): x is string => x !== null));
  removeStaleStaging(projectDir, installDir);
  const stats: MaterializeStats = { extracted: [], unchanged: [], removed: [], downloaded: 0, fromCache: 0 };
  const todo: [string, LockEntry][] = [];
  for (const [full, e] of Object.entries(wanted).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dir = libraryDir(projectDir, installDir, full);
    if (previous[full] === e.integrity && existsSync(dir)) stats.unchanged.push(full);
    else todo.push([full, e]);
  }
  if (o.refuseLocalChanges) {
    const gone = Object.keys(previous).filter((full) => !Object.hasOwn(wanted, full));
    await refuseLocalChanges(session, projectDir, installDir, record, [...todo.map(([full]) => full), ...gone], o.refuseLocalChanges);
  }
  const tty = session.ctx.isTTY;
  let done = 0;
  const bar = () => {
    if (!tty || !todo.length) return;
    const w = 24;
    const fill = Math.round((done / todo.length) * w);
    session.ctx.progress(`[${'#'.repeat(fill)}${'-'.repeat(w - fill)}] ${done}/${todo.length} libraries`);
  };
  bar();
  const archives = await runPool(todo, DOWNLOAD_CONCURRENCY, async ([full, e]): Promise<[string, ArchiveFile[]]> => {
    const bytes = await fetchVerified(session, full, e, stats);
    const files = await readArchive(bytes, `the tarball of ${full}@${e.version}`);
    done++;
    bar();
    return [full, files];
  });
  // stage everything; on failure remove the staging folders and leave the install as it was
  const staged: [string, string][] = [];
  const parents = new Set<string>();
  for (const [full] of archives) {
    const dir = libraryDir(projectDir, installDir, full);
    const parent = join(dir, '..');
    if (!parents.has(parent)) {
      mkdirSync(parent, { recursive: true });
      parents.add(parent);
    }
    staged.push([dir, stagingName(dir)]);
  }
  try {
    await runPool(archives.map((a, i) => [a[1], (staged[i] as [string, string])[1]] as const), WRITE_CONCURRENCY, ([files, tmp]) => writeArchive(files, tmp));
  } catch (e) {
    for (const [, tmp] of staged) rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  for (const [dir, tmp] of staged) {
    const old = existsSync(dir) ? `${tmp}-old` : null;
    if (old) renameSync(dir, old);
    renameSync(tmp, dir);
    if (old) rmSync(old, { recursive: true, force: true });
  }
  stats.extracted = archives.map(([full]) => full);
  for (const full of Object.keys(previous)) {
    if (wanted[full]) continue;
    let dir: string;
    try {
      dir = libraryDir(projectDir, installDir, full);
    } catch {
      continue; // a tampered state file names no real library: leave the disk alone
    }
    if (existsSync(dir)) {
      rmSync(dir, { recursive: true, force: true });
      stats.removed.push(full);
    }
  }
  const written = new Map(archives.map(([full, files]) => [full, archiveDigests(files)]));
  const names = Object.keys(wanted).sort((a, b) => (a < b ? -1 : 1));
  const files: Record<string, FileDigests> = {};
  for (const n of names) {
    // a library left as it was keeps the digests of what was written then
    const digests = written.get(n) ?? (Object.hasOwn(record.files, n) && previous[n] === wanted[n]?.integrity ? record.files[n] : undefined);
    if (digests) files[n] = digests;
  }
  writeInstallState(projectDir, installDir, { libraries: Object.fromEntries(names.map((n) => [n, (wanted[n] as LockEntry).integrity])), files });
  return stats;
}
