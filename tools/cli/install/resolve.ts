/**
 * Pure dependency resolution for a flat install (one version per library, like the
 * `libraries/@scope/name` layout requires). Ranges from the project and from every
 * chosen version are intersected; the highest non-yanked version satisfying all wins.
 * Locked versions are kept while they still satisfy (so adding one library does not
 * upgrade the others). Repeats until the choice is stable.
 */
import semver from 'semver';
import type { LibraryIndex, VersionEntry } from '../../../index-builder/src/format/protocol.js';
import { cliError } from '../errors.js';

export interface Requirement {
  range: string;
  /** `project` or `@scope/name@version` of the dependent. */
  by: string;
}

export interface Resolution {
  /** name → chosen version entry. */
  chosen: Map<string, VersionEntry>;
  requirements: Map<string, Requirement[]>;
}

export type IndexLoader = (full: string) => Promise<LibraryIndex>;

/** Highest version that satisfies every range and is not yanked (prereleases only when a range asks). */
export function pickVersion(ix: LibraryIndex, ranges: readonly string[], prefer?: string): VersionEntry | null {
  const ok = (v: VersionEntry) => !v.yanked && ranges.every((r) => semver.satisfies(v.version, r));
  if (prefer) {
    const p = ix.versions.find((v) => v.version === prefer);
    if (p && ok(p)) return p;
  }
  const sorted = [...ix.versions].sort((a, b) => semver.rcompare(a.version, b.version));
  return sorted.find(ok) ?? null;
}

/**
 * The error for ranges no non-yanked version of `full` satisfies (CLI_NO_MATCHING_VERSION, naming
 * the available and yanked versions), or CLI_DEPENDENCY_CONFLICT when each range alone would match.
 */
export function noMatch(full: string, reqs: readonly Requirement[], ix: LibraryIndex): Error {
  const wanted = reqs.map((r) => `${r.range} (by ${r.by})`).join(', ');
  const avail = ix.versions.filter((v) => !v.yanked).map((v) => v.version);
  const yanked = ix.versions.filter((v) => v.yanked).map((v) => v.version);
  if (reqs.length > 1 && reqs.every((r) => pickVersion(ix, [r.range]) !== null)) {
    return cliError('CLI_DEPENDENCY_CONFLICT', `no single version of ${full} satisfies ${wanted}`, 'change one of the ranges (in .mdlibs.toml or by updating the dependent library) so they overlap', { available: avail });
  }
  return cliError('CLI_NO_MATCHING_VERSION', `no version of ${full} satisfies ${wanted}; available: ${avail.join(', ') || 'none'}${yanked.length ? `; yanked: ${yanked.join(', ')}` : ''}`, `pick a range that matches an available version (\`mdlibs info ${full}\` lists them)`, { available: avail, yanked });
}

/**
 * Rounds in which a version already chosen changes (or a chosen library drops out) before
 * resolution gives up. A round that only adds libraries does not count: a dependency chain
 * gains one level per round, and a chain 150 deep failed with "did not settle".
 */
export const MAX_UNSETTLED_ROUNDS = 100;
/** Most libraries one resolution may reach (a registry that invents dependencies forever stops here). */
export const MAX_RESOLVED_LIBRARIES = 10_000;

export async function resolveTree(roots: Readonly<Record<string, string>>, load: IndexLoader, locked: ReadonlyMap<string, string> = new Map()): Promise<Resolution> {
  let chosen = new Map<string, VersionEntry>();
  let unsettled = 0;
  for (;;) {
    // requirements: the project's ranges plus the dependencies of every version chosen so far
    const reqs = new Map<string, Requirement[]>();
    const add = (name: string, r: Requirement) => reqs.set(name, [...(reqs.get(name) ?? []), r]);
    for (const [name, range] of Object.entries(roots)) add(name, { range, by: 'project' });
    for (const [name, v] of chosen) for (const [dep, range] of Object.entries(v.dependencies)) add(dep, { range, by: `${name}@${v.version}` });
    const indexes = new Map(await Promise.all([...reqs.keys()].map(async (n) => [n, await load(n)] as const)));
    const picked = new Map<string, VersionEntry>();
    for (const [name, rs] of reqs) {
      const ix = indexes.get(name) as LibraryIndex;
      const v = pickVersion(ix, rs.map((r) => r.range), chosen.get(name)?.version ?? locked.get(name));
      if (!v) throw noMatch(name, rs, ix);
      picked.set(name, v);
    }
    // keep only what the roots still reach through the picked versions
    const next = new Map<string, VersionEntry>();
    const queue = Object.keys(roots);
    while (queue.length) {
      const n = queue.shift() as string;
      const v = picked.get(n);
      if (!v || next.has(n)) continue;
      next.set(n, v);
      queue.push(...Object.keys(v.dependencies));
    }
    const stable = next.size === chosen.size && [...next].every(([n, v]) => chosen.get(n)?.version === v.version)
      && [...next.values()].every((v) => Object.keys(v.dependencies).every((d) => next.has(d)));
    const changed = [...chosen].some(([n, v]) => next.get(n)?.version !== v.version);
    chosen = next;
    if (changed && ++unsettled >= MAX_UNSETTLED_ROUNDS) {
      throw cliError('CLI_DEPENDENCY_CONFLICT', `dependency resolution did not settle: chosen versions changed in ${MAX_UNSETTLED_ROUNDS} rounds`, 'the libraries\' dependency ranges pull each other back and forth; pin exact versions in .mdlibs.toml');
    }
    if (chosen.size > MAX_RESOLVED_LIBRARIES) {
      throw cliError('CLI_DEPENDENCY_CONFLICT', `the dependencies reach more than ${MAX_RESOLVED_LIBRARIES} libraries`, 'the registry metadata is broken or hostile (dependencies without end); tell its operator');
    }
    if (stable) {
      const finalReqs = new Map<string, Requirement[]>();
      for (const [name, range] of Object.entries(roots)) finalReqs.set(name, [{ range, by: 'project' }]);
      for (const [name, v] of chosen) for (const [dep, range] of Object.entries(v.dependencies)) finalReqs.set(dep, [...(finalReqs.get(dep) ?? []), { range, by: `${name}@${v.version}` }]);
      return { chosen, requirements: finalReqs };
    }
  }
}
