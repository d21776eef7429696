/**
 * Puts locked libraries on disk: tarball from the cache or the registry (in parallel),
 * sha512 checked against the lock entry, archive checked, extracted beside the target,
 * then every target swapped in. If anything fails before the swap, nothing changes.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { cliError } from '../errors.js';
import { redactUrl } from '../net/http.js';
import type { Session } from '../registry/session.js';
import { matchesIntegrity } from './integrity.js';
import { readArchive, stagingName, writeArchive, type ArchiveFile } from './extract.js';
import type { LockEntry } from './lockfile.js';
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

/** What is on disk: `<installDir>/.mdlibs-state.json` maps each installed library to its integrity. */
export const STATE_FILE = '.mdlibs-state.json';

export function readInstallState(projectDir: string, installDir: string): Record<string, string> {
  try {
    const raw = JSON.parse(readFileSync(join(projectDir, installDir, STATE_FILE), 'utf8')) as { libraries?: unknown };
    const libs = raw.libraries;
    if (!libs || typeof libs !== 'object') return {};
    return Object.fromEntries(Object.entries(libs as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

function writeInstallState(projectDir: string, installDir: string, state: Record<string, string>): void {
  const dir = join(projectDir, installDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, STATE_FILE);
  // a name of its own, created new ('wx' fails on anything there, a link included): the fixed
  // name `.mdlibs-state.json.tmp` was written through a link a cloned project carried, so
  // install overwrote the file it pointed to, outside the project
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ libraries: state }, null, 2)}\n`, { flag: 'wx' });
  renameSync(tmp, file);
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

export async function materialize(
  session: Session,
  projectDir: string,
  installDir: string,
  wanted: Readonly<Record<string, LockEntry>>,
): Promise<MaterializeStats> {
  // what is on disk now (written by the last successful install); unknown folders are replaced
  const previous = readInstallState(projectDir, installDir);
  checkInstallPaths(projectDir, installDir, [...Object.keys(wanted), ...Object.keys(previous)].map(scopeOf).filter((x): x is string => x !== null));
  removeStaleStaging(projectDir, installDir);
  const stats: MaterializeStats = { extracted: [], unchanged: [], removed: [], downloaded: 0, fromCache: 0 };
  const todo: [string, LockEntry][] = [];
  for (const [full, e] of Object.entries(wanted).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const dir = libraryDir(projectDir, installDir, full);
    if (previous[full] === e.integrity && existsSync(dir)) stats.unchanged.push(full);
    else todo.push([full, e]);
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
  writeInstallState(projectDir, installDir, Object.fromEntries(Object.entries(wanted).map(([n, e]): [string, string] => [n, e.integrity]).sort(([a], [b]) => (a < b ? -1 : 1))));
  return stats;
}
