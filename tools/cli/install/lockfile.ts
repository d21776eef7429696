/** mdlibs.lock: exact versions, resolved URLs and integrity (JSON, sorted keys, stable bytes). */
import { join } from 'node:path';
import semver from 'semver';
import { dependencyMap, libraryName, semverVersion, shortString } from '../../../index-builder/src/format/protocol.js';
import { z } from 'zod';
import { LOCK_FILE } from '../config/paths.js';
import { cliError } from '../errors.js';
import { readRegularFile } from '../file-reads.js';
import { writeFileAtomicSync } from '../file-writes.js';
import { firstIssue } from '../schema-issue.js';

export const LOCKFILE_VERSION = 1;

/**
 * A version written exactly as semver writes it. `semver.valid` trims and drops a leading
 * `v` or `=`, so "\r1.1.0" passed as 1.1.0 and was then printed and compared raw.
 */
export const isExactVersion = (v: string): boolean => semver.valid(v) === v;

export const lockEntrySchema = z.strictObject({
  version: semverVersion(shortString(64).min(1)),
  /** Normalised registry URL the library came from. */
  registry: z.string().url(),
  /** Tarball URL. */
  resolved: z.string().url(),
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+=*$/),
  size: z.number().int().nonnegative().optional(),
  dependencies: dependencyMap().default({}),
});
export type LockEntry = z.infer<typeof lockEntrySchema>;

export const lockfileSchema = z.strictObject({
  lockfileVersion: z.literal(LOCKFILE_VERSION),
  /** The project's ranges this lock was resolved from (to detect an outdated lock). */
  dependencies: dependencyMap(),
  libraries: z.record(libraryName(z.string().max(140)), lockEntrySchema),
});
export type Lockfile = z.infer<typeof lockfileSchema>;

const sortKeys = <T>(r: Record<string, T>): Record<string, T> => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export function serializeLockfile(l: Lockfile): string {
  const libs = Object.fromEntries(Object.entries(sortKeys(l.libraries)).map(([k, e]) => [k, { ...e, dependencies: sortKeys(e.dependencies) }]));
  return `${JSON.stringify({ lockfileVersion: l.lockfileVersion, dependencies: sortKeys(l.dependencies), libraries: libs }, null, 2)}\n`;
}

export function parseLockfile(text: string, file: string): Lockfile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw cliError('CLI_LOCKFILE_INVALID', `${file} is not valid JSON`, 'restore it from version control, or delete it and run `mdlibs update` to resolve again');
  }
  const r = lockfileSchema.safeParse(raw);
  if (!r.success) {
    throw cliError('CLI_LOCKFILE_INVALID', `${file} does not match the lockfile schema (${firstIssue(r.error)})`, 'restore it from version control, or delete it and run `mdlibs update` to resolve again');
  }
  for (const [name, e] of Object.entries(r.data.libraries)) checkResolvedOrigin(name, e, file);
  return r.data;
}

/**
 * A tarball comes only from its library's registry: an entry whose `resolved` is on another
 * origin (or not http/https) is refused when the lock is read, before any request. It was
 * refused only when its tarball was to be downloaded, as CLI_BAD_RESPONSE blaming the
 * registry, and installed without a word when the cache held a tarball of that integrity.
 */
function checkResolvedOrigin(name: string, e: LockEntry, file: string): void {
  const resolved = new URL(e.resolved);
  const registry = new URL(e.registry);
  const web = (u: URL) => u.protocol === 'http:' || u.protocol === 'https:';
  if (web(resolved) && web(registry) && resolved.origin === registry.origin) return;
  const found = web(resolved) ? resolved.origin : `a ${resolved.protocol} URL`;
  const expected = web(registry) ? registry.origin : `an http(s) origin (its registry is a ${registry.protocol} URL)`;
  throw cliError('CLI_LOCKFILE_INVALID', `${file} entry ${name} has its tarball ("resolved") on ${found}, but its registry's origin is ${expected}; mdlibs downloads a tarball only from the registry its library came from`,
    `nothing was fetched or installed; restore ${file} from version control, or delete it and run \`mdlibs update\` to resolve again from the registry`);
}

/** Largest mdlibs.lock read: 10,000 libraries (the most one resolution reaches) take about 10 MB. */
export const MAX_LOCKFILE_BYTES = 32 * 1024 * 1024;

export function readLockfile(projectDir: string): Lockfile | null {
  const file = join(projectDir, LOCK_FILE);
  // not readFileSync: a cloned project's `mdlibs.lock -> /dev/zero` was read until memory ran out, a pipe blocked forever
  const r = readRegularFile(file, MAX_LOCKFILE_BYTES);
  if (r.ok) return parseLockfile(r.bytes.toString('utf8'), LOCK_FILE);
  if (r.why === 'missing') return null;
  const fix = 'restore it from version control, or delete it and run `mdlibs update` to resolve again';
  if (r.why === 'too-large') throw cliError('CLI_LOCKFILE_INVALID', `${LOCK_FILE} is ${r.size ?? 'over'} bytes; the limit is ${MAX_LOCKFILE_BYTES}`, fix);
  if (r.why === 'changed') throw cliError('CLI_LOCKFILE_INVALID', `${LOCK_FILE} changed while it was read`, 'run the command again when nothing else writes to it');
  if (r.why === 'unreadable') throw cliError('CLI_LOCKFILE_INVALID', `${LOCK_FILE} cannot be read (${r.code ?? 'error'})`, `check its permissions (ls -l ${LOCK_FILE})`);
  throw cliError('CLI_LOCKFILE_INVALID', `${LOCK_FILE} is not a regular file (found a folder, device, socket or pipe, or a link to one)`, fix);
}

/**
 * Refuses a lock the reader would refuse (the values come from registry indexes, which may
 * hold longer versions or ranges than mdlibs.lock takes): without this check install wrote
 * it, and the next command failed with CLI_LOCKFILE_INVALID. Install calls it before it
 * changes anything; writeLockfile calls it again.
 */
export function assertLockfileWritable(l: Lockfile): void {
  const r = lockfileSchema.safeParse(l);
  if (!r.success) {
    throw cliError('CLI_BAD_RESPONSE', `the registry metadata cannot be recorded in ${LOCK_FILE} (${firstIssue(r.error)})`,
      `nothing was installed and ${LOCK_FILE} was not changed; the registry serves values beyond what ${LOCK_FILE} accepts (plain semver versions and ranges of at most 64 characters): tell its operator, or pick another version`);
  }
}

export function writeLockfile(projectDir: string, l: Lockfile): void {
  assertLockfileWritable(l);
  writeFileAtomicSync(join(projectDir, LOCK_FILE), serializeLockfile(l));
}

/** Why a lockfile no longer matches the project's dependencies, or null when it does. */
export function lockfileDrift(lock: Lockfile, deps: Readonly<Record<string, string>>): string | null {
  for (const [name, range] of Object.entries(deps)) {
    if (lock.dependencies[name] === undefined) return `${name} is in .mdlibs.toml but not in ${LOCK_FILE}`;
    if (lock.dependencies[name] !== range) return `${name} is "${range}" in .mdlibs.toml but "${lock.dependencies[name]}" in ${LOCK_FILE}`;
    const e = lock.libraries[name];
    if (!e) return `${LOCK_FILE} lists ${name} as a dependency but has no entry for it`;
    if (!semver.satisfies(e.version, range)) return `${LOCK_FILE} has ${name}@${e.version}, outside "${range}"`;
  }
  for (const name of Object.keys(lock.dependencies)) {
    if (deps[name] === undefined) return `${name} is in ${LOCK_FILE} but no longer in .mdlibs.toml`;
  }
  for (const [name, e] of Object.entries(lock.libraries)) {
    for (const dep of Object.keys(e.dependencies)) if (!lock.libraries[dep]) return `${LOCK_FILE} entry ${name} needs ${dep}, which has no entry`;
  }
  // every entry must be reached from the dependencies (mdlibs never writes one that is not): an
  // entry slipped into the lock (another name, another registry) was downloaded and installed
  const reached = new Set<string>();
  const queue = Object.keys(lock.dependencies);
  while (queue.length) {
    const n = queue.pop() as string;
    const e = Object.hasOwn(lock.libraries, n) ? lock.libraries[n] : undefined;
    if (!e || reached.has(n)) continue;
    reached.add(n);
    queue.push(...Object.keys(e.dependencies));
  }
  const stray = Object.keys(lock.libraries).filter((n) => !reached.has(n)).sort();
  if (stray.length) return `${LOCK_FILE} lists ${stray.slice(0, 3).join(', ')}${stray.length > 3 ? ` and ${stray.length - 3} more` : ''}, which nothing in .mdlibs.toml needs`;
  return null;
}
