/** install / update / uninstall as operations on (project dependencies, lockfile, disk). */
import { stripControlChars } from '../../../index-builder/src/format/names.js';
import type { LibraryIndex } from '../../../index-builder/src/format/protocol.js';
import { LOCK_FILE } from '../config/paths.js';
import { cliError } from '../errors.js';
import type { Session } from '../registry/session.js';
import { assertLockfileWritable, lockfileDrift, LOCKFILE_VERSION, writeLockfile, type LockEntry, type Lockfile } from './lockfile.js';
import { materialize, type LocalChangesCommand, type MaterializeStats } from './materialize.js';
import { saveDependencies } from './project.js';
import { pickVersion, resolveTree } from './resolve.js';
import { checkedName } from './spec.js';

export interface InstalledLibrary {
  name: string;
  version: string;
  direct: boolean;
}

export interface InstallResult {
  mode: 'lockfile' | 'resolve';
  libraries: InstalledLibrary[];
  extracted: string[];
  unchanged: string[];
  removed: string[];
  downloaded: number;
  fromCache: number;
  warnings: string[];
}

export interface ProjectState {
  projectDir: string;
  installDir: string;
  dependencies: Record<string, string>;
  lock: Lockfile | null;
}

function result(mode: InstallResult['mode'], lock: Lockfile, stats: MaterializeStats, warnings: string[]): InstallResult {
  return {
    mode, warnings, ...stats,
    libraries: Object.entries(lock.libraries).map(([name, e]) => ({ name, version: e.version, direct: lock.dependencies[name] !== undefined })).sort((a, b) => (a.name < b.name ? -1 : 1)),
  };
}

/** Index files confirmed this recently are not asked again for the yank warning (like npm's metadata max-age). */
export const YANK_CHECK_MAX_AGE_MS = 5 * 60 * 1000;

/** Warns about yanked or deprecated locked versions; network trouble here only warns. */
async function lockWarnings(session: Session, lock: Lockfile, warn: (s: string) => void): Promise<void> {
  if (session.offline) return;
  const failed: { full: string; why: string }[] = [];
  await Promise.all(Object.entries(lock.libraries).map(async ([full, e]) => {
    try {
      const { scope, name } = checkedName(full, LOCK_FILE);
      const ix = await session.client(e.registry).yankFacts(scope, name, YANK_CHECK_MAX_AGE_MS);
      const v = ix.versions.find((x) => x.version === e.version);
      if (v?.yanked) warn(`${full}@${e.version} is yanked${v.yankedReason ? `: ${stripControlChars(v.yankedReason)}` : ''}; installing it because ${LOCK_FILE} pins it (run \`mdlibs update ${full}\` to move off it)`);
      if (ix.deprecated) warn(`${full} is deprecated: ${stripControlChars(ix.deprecated)}`);
    } catch (err) {
      failed.push({ full, why: err instanceof Error ? stripControlChars(err.message) : String(err) });
    }
  }));
  if (failed.length) {
    failed.sort((a, b) => (a.full < b.full ? -1 : 1));
    const what = failed.length === 1 ? (failed[0] as { full: string }).full : `${failed.length} libraries`;
    warn(`could not check ${what} for yanks or deprecation (${(failed[0] as { why: string }).why}); installed from ${LOCK_FILE} anyway`);
  }
}

/**
 * `mdlibs install` without arguments: exactly the lockfile, or fail when it is out of date.
 * Without `force`, a library folder with local edits that the lockfile moves to another
 * version or drops is not replaced or deleted: CLI_LOCAL_CHANGES.
 */
export async function installFromLockfile(session: Session, p: ProjectState, force = false): Promise<InstallResult> {
  const lock = p.lock;
  if (!lock) throw cliError('CLI_LOCKFILE_MISSING', `there is no ${LOCK_FILE} in ${p.projectDir}`, 'run `mdlibs install @scope/name` to add a library, or `mdlibs update` to resolve the dependencies in .mdlibs.toml');
  const drift = lockfileDrift(lock, p.dependencies);
  if (drift) throw cliError('CLI_LOCKFILE_OUTDATED', `${LOCK_FILE} is out of date: ${drift}`, 'run `mdlibs update` to resolve again and rewrite the lockfile (or restore .mdlibs.toml)');
  const warnings: string[] = [];
  const warn = (s: string) => {
    warnings.push(s);
    session.ctx.warn(`warning: ${s}`);
  };
  const [stats] = await Promise.all([materialize(session, p.projectDir, p.installDir, lock.libraries, { refuseLocalChanges: force ? undefined : 'install' }), lockWarnings(session, lock, warn)]);
  return result('lockfile', lock, stats, warnings);
}

export interface ResolveOptions {
  registryUrl: string;
  /** Libraries whose locked version may change (update); 'all' re-resolves everything. */
  unlock: ReadonlySet<string> | 'all';
  /** `install` or `update` without --force: refuse to replace or remove libraries with local edits (CLI_LOCAL_CHANGES). */
  refuseLocalChanges?: Exclude<LocalChangesCommand, 'uninstall'> | undefined;
}

/** Resolves the project's dependencies (with new ones), installs, then writes the lockfile and .mdlibs.toml. */
export async function resolveAndInstall(session: Session, p: ProjectState, deps: Record<string, string>, o: ResolveOptions): Promise<InstallResult> {
  const client = session.client(o.registryUrl);
  const prev = p.lock?.libraries ?? {};
  const locked = new Map<string, string>();
  for (const [n, e] of Object.entries(prev)) if (o.unlock !== 'all' && !o.unlock.has(n) && e.registry === o.registryUrl) locked.set(n, e.version);
  const load = (full: string): Promise<LibraryIndex> => {
    const { scope, name } = checkedName(full, 'a dependency');
    return client.libraryIndex(scope, name);
  };
  // the tarball a named library's own range picks is downloaded while the other index files come
  // in, unless the lockfile has it already (then it is installed or in the cache, as a rule)
  const prefetch = (full: string, ix: LibraryIndex): void => {
    const range = deps[full];
    const v = range === undefined ? null : pickVersion(ix, [range], locked.get(full));
    if (!v || session.offline || prev[full]?.integrity === v.integrity || session.tarballs.has(v.integrity)) return;
    let url: string;
    try {
      url = client.resolve(v.tarball);
    } catch {
      return; // refused again, with its message, when the lock entry is made
    }
    session.prefetch.start(v.integrity, url, (signal) => client.tarball(url, v.size ?? null, `${full}@${v.version}`, signal));
  };
  try {
    for (const full of Object.keys(deps)) {
      let ix: Promise<LibraryIndex>;
      try {
        ix = load(full);
      } catch {
        continue; // a bad name: resolveTree reports it
      }
      ix.then((i) => prefetch(full, i)).catch(() => undefined); // best effort: resolveTree reports a failure
    }
    const res = await resolveTree(deps, load, locked);
    const warnings: string[] = [];
    const libraries: Record<string, LockEntry> = {};
    for (const [full, v] of res.chosen) {
      const old = prev[full];
      if (old && old.version === v.version && old.registry === o.registryUrl && old.integrity !== v.integrity) {
        throw cliError('CLI_INTEGRITY_MISMATCH', `${full}@${v.version} has integrity ${v.integrity.slice(0, 20)}… in the registry but ${old.integrity.slice(0, 20)}… in ${LOCK_FILE}`, 'a published version changed: the registry may be compromised; tell its operator before installing');
      }
      libraries[full] = { version: v.version, registry: o.registryUrl, resolved: client.resolve(v.tarball), integrity: v.integrity, size: v.size, dependencies: v.dependencies };
      const ix = await load(full);
      if (ix.deprecated) {
        const w = `${full} is deprecated: ${stripControlChars(ix.deprecated)}`;
        warnings.push(w);
        session.ctx.warn(`warning: ${w}`);
      }
    }
    const finalDeps = Object.fromEntries(Object.entries(deps).map(([n, r]) => [n, r === '*' ? `^${res.chosen.get(n)?.version ?? '0.0.0'}` : r]));
    const lock: Lockfile = { lockfileVersion: LOCKFILE_VERSION, dependencies: finalDeps, libraries };
    assertLockfileWritable(lock);
    const stats = await materialize(session, p.projectDir, p.installDir, libraries, { refuseLocalChanges: o.refuseLocalChanges });
    writeLockfile(p.projectDir, lock);
    saveDependencies(p.projectDir, finalDeps);
    return result('resolve', lock, stats, warnings);
  } finally {
    session.prefetch.abandon(); // what resolution did not pick: the process does not wait for it
  }
}

/**
 * Removes libraries from the project; what nothing else needs is deleted. No network.
 * Without `force`, a library folder with local edits is not deleted: CLI_LOCAL_CHANGES.
 */
export async function uninstall(session: Session, p: ProjectState, names: readonly string[], force = false): Promise<InstallResult> {
  const lock = p.lock;
  for (const n of names) {
    if (p.dependencies[n] === undefined && !lock?.dependencies[n]) throw cliError('CLI_NOT_INSTALLED', `${n} is not a dependency of this project`, '`mdlibs list --installed` shows what is installed');
  }
  const deps = Object.fromEntries(Object.entries(p.dependencies).filter(([n]) => !names.includes(n)));
  const prev = lock?.libraries ?? {};
  const keep: Record<string, LockEntry> = {};
  const queue = Object.keys(deps);
  while (queue.length) {
    const n = queue.shift() as string;
    const e = prev[n];
    if (!e || keep[n]) continue;
    keep[n] = e;
    queue.push(...Object.keys(e.dependencies));
  }
  const next: Lockfile = { lockfileVersion: LOCKFILE_VERSION, dependencies: Object.fromEntries(Object.entries(lock?.dependencies ?? {}).filter(([n]) => deps[n] !== undefined)), libraries: keep };
  assertLockfileWritable(next);
  const stats = await materialize(session, p.projectDir, p.installDir, keep, { refuseLocalChanges: force ? undefined : 'uninstall' });
  writeLockfile(p.projectDir, next);
  saveDependencies(p.projectDir, deps);
  return result('resolve', next, stats, []);
}
