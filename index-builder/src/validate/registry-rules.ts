/** Pure rules across libraries: dependencies resolve, names are not confusable (BUILD-1, LIB-2). */
import semver from 'semver';
import type { Problem } from '../errors.js';
import { confusableSkeleton } from '../format/names.js';
import type { Visibility } from '../format/source-schema.js';

export interface RuleLibrary {
  full: string;
  scope: string;
  name: string;
  rel: string;
  visibility: Visibility;
  /**
   * `yanked`: yanked in meta.toml. `published`: in the previous build (its dependencies were
   * checked then): a range of a version being published must match a version not yanked, one of a
   * published version may come to match only yanked ones (yanking must not break the build).
   */
  versions: { version: string; rel: string; dependencies: Record<string, string>; yanked?: boolean; published?: boolean }[];
}

/** `lineOf(file, field)`: the manifest line of a field, when the caller can read the file. */
export function checkDependencies(libs: readonly RuleLibrary[], lineOf: (file: string, field: string) => number | undefined = () => undefined): Problem[] {
  const byName = new Map(libs.map((l) => [l.full, l]));
  const problems: Problem[] = [];
  for (const lib of libs) {
    for (const v of lib.versions) {
      for (const [dep, range] of Object.entries(v.dependencies)) {
        const target = byName.get(dep);
        const file = `${v.rel}/.mdlibs.toml`;
        const line = lineOf(file, `dependencies.${dep}`);
        const at = { file, ...(line ? { line } : {}) };
        if (!target) {
          problems.push({ code: 'MDL_DEPENDENCY_MISSING', ...at, field: `dependencies.${dep}`, message: `dependency ${dep} is not in this registry`, hint: `publish ${dep} first, or fix the name` });
        } else if (!target.versions.some((t) => semver.satisfies(t.version, range, { includePrerelease: false }))) {
          problems.push({ code: 'MDL_DEPENDENCY_MISSING', ...at, field: `dependencies.${dep}`, message: `no version of ${dep} satisfies "${range}" (has ${target.versions.map((t) => t.version).join(', ')})`, hint: 'widen the range or publish a matching version first' });
        } else if (!v.published && !target.versions.some((t) => !t.yanked && semver.satisfies(t.version, range, { includePrerelease: false }))) {
          // installs never pick a yanked version for a range: this one could not be installed
          const yanked = target.versions.filter((t) => t.yanked).map((t) => t.version);
          problems.push({ code: 'MDL_DEPENDENCY_MISSING', ...at, field: `dependencies.${dep}`, message: `only yanked versions of ${dep} satisfy "${range}" (yanked: ${yanked.join(', ')})`, hint: 'depend on a range that matches a version not yanked, or publish a fixed version first' });
        } else if (lib.visibility === 'public' && target.visibility === 'private') {
          problems.push({ code: 'MDL_DEPENDENCY_INVALID', ...at, field: `dependencies.${dep}`, message: `public library depends on private library ${dep}`, hint: 'make the dependency public, or move this library to a private scope' });
        }
      }
    }
  }
  return problems;
}

/**
 * Two names in one scope (or two scopes) whose skeletons match are confusable.
 * The one not in `known` (the previous build) is refused; with no history, the later one in sort order.
 */
export function checkConfusables(libs: readonly RuleLibrary[], known: ReadonlySet<string>, scopeFiles: readonly string[] = []): Problem[] {
  const problems: Problem[] = [];
  const flag = (items: { key: string; label: string; rel: string }[], what: string) => {
    const seen = new Map<string, { key: string; label: string }>();
    for (const it of [...items].sort((a, b) => Number(known.has(b.key)) - Number(known.has(a.key)) || (a.key < b.key ? -1 : 1))) {
      const sk = confusableSkeleton(it.label);
      const other = seen.get(sk);
      if (other && other.label !== it.label) {
        problems.push({ code: 'MDL_NAME_CONFUSABLE', file: it.rel, message: `${what} "${it.label}" is confusable with existing "${other.label}"`, hint: 'pick a name that differs by more than look-alike characters (0/o, 1/l/i, rn/m, hyphens)' });
      } else if (!other) seen.set(sk, it);
    }
  };
  const scopes = new Map<string, string>();
  // a scope file is a scope too, libraries or not: `acrne` beside `acme` is a second team named
  // like the first (teams.json), waiting for look-alike libraries
  for (const scope of scopeFiles) scopes.set(scope, `scopes/${scope}.toml`);
  for (const l of libs) scopes.set(l.scope, `libraries/@${l.scope}`);
  flag([...scopes].map(([s, rel]) => ({ key: `@${s}`, label: s, rel })), 'scope');
  const byScope = new Map<string, RuleLibrary[]>();
  for (const l of libs) {
    const group = byScope.get(l.scope);
    if (group) group.push(l);
    else byScope.set(l.scope, [l]);
  }
  for (const group of byScope.values()) flag(group.map((l) => ({ key: l.full, label: l.name, rel: l.rel })), 'library name');
  return problems;
}
