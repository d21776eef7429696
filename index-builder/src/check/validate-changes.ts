/**
 * Validates only what a change touches (BUILD-6): the head side of each changed unit is
 * exported from git into a temp folder and run through the builder's own rules.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isMdlibsError, type Problem } from '../errors.js';
import { buildVersion } from '../build/version.js';
import { readRegistryLayout, scopeVisibility, type RegistryLayout } from '../read/registry.js';
import { checkConfusables, checkDependencies, type RuleLibrary } from '../validate/registry-rules.js';
import type { Change } from './classify.js';
import type { GitRepo } from './git-range.js';

export interface ChangeValidation {
  problems: Problem[];
  layout: RegistryLayout | null;
}

const under = (file: string | undefined, unit: string): boolean => !!file && (file === unit || file.startsWith(`${unit}/`) || unit.startsWith(`${file}/`));

function groupVersions(folders: Iterable<string>): Map<string, string[]> {
  const libs = new Map<string, string[]>();
  for (const f of folders) {
    const [, s, n, v] = f.split('/');
    if (!s || !n || !v) continue;
    const full = `${s}/${n}`;
    libs.set(full, [...(libs.get(full) ?? []), v]);
  }
  return libs;
}

/** `baseScopeFiles`: the base side's `scopes/<scope>.toml` paths (names taken before the change, libraries or not). */
export async function validateChanges(repo: GitRepo, base: string | null, head: string, changes: readonly Change[], headFolders: ReadonlySet<string>, baseFolders: ReadonlySet<string>, baseScopeFiles: ReadonlySet<string>, tmp: string): Promise<ChangeValidation> {
  const relevant = changes.filter((c) => c.kind !== 'version-deleted' && c.kind !== 'scope-deleted' && c.kind !== 'outside');
  const candidates = new Set<string>(['registry.toml', 'scopes']);
  for (const c of relevant) {
    if (c.kind === 'version-added' || c.kind === 'version-edited') candidates.add(c.path);
    else for (const f of c.files) candidates.add(f);
  }
  const present = await repo.existing(head, [...candidates]);
  await repo.exportPaths(head, [...present], tmp);
  const headLibs = groupVersions(headFolders);
  // meta.toml yanks are checked against every version at head, so give those versions a (empty) folder
  for (const c of relevant) if (c.kind === 'meta' && c.library) for (const v of headLibs.get(c.library) ?? []) mkdirSync(join(tmp, 'libraries', c.library, v), { recursive: true });

  let layout: RegistryLayout;
  try {
    layout = readRegistryLayout(tmp);
  } catch (e) {
    if (!isMdlibsError(e)) throw e;
    return { problems: [{ code: 'MDL_REGISTRY_NOT_FOUND', file: 'registry.toml', message: 'the head side has no registry.toml', hint: 'restore registry.toml' }], layout: null };
  }
  const units = changes.map((c) => c.path);
  const problems = layout.problems.filter((p) => units.some((u) => under(p.file, u)));

  const added = relevant.filter((c) => c.kind === 'version-added');
  const deps = new Map<string, Record<string, string>>();
  for (const c of added) {
    const lib = layout.libraries.find((l) => l.full === c.library);
    if (!lib || !c.version || !lib.versions.some((v) => v.version === c.version)) continue;
    const r = buildVersion(tmp, c.path, { name: lib.full, version: c.version }, layout.config.limits);
    problems.push(...r.problems);
    if (r.built) deps.set(c.path, r.built.manifest.dependencies);
    const deleted = base ? await repo.lastDeletion(base, c.path) : null;
    if (deleted) {
      const [before, now] = await Promise.all([repo.objectId(`${deleted}^`, c.path), repo.objectId(head, c.path)]);
      if (before !== now) problems.push({ code: 'MDL_VERSION_REUSED', file: c.path, message: `${c.library}@${c.version} was deleted in ${deleted.slice(0, 12)} and now comes back with different content`, hint: 'a deleted version number can never be reused: publish this content under a new version number' });
    }
  }

  const yankedBy = new Map(layout.libraries.map((l) => [l.full, l.meta.yanked]));
  const yankedOf = (full: string, version: string) => Object.hasOwn(yankedBy.get(full) ?? {}, version);
  const ruleLibs: RuleLibrary[] = [...headLibs].map(([full, versions]) => {
    const [s, n] = full.split('/');
    const scope = (s ?? '').slice(1);
    return {
      full, scope, name: n ?? '', rel: `libraries/${full}`, visibility: scopeVisibility(layout, scope),
      // versions added by the change are not published yet: their ranges must match a version not yanked
    versions: versions.map((v) => ({ version: v, rel: `libraries/${full}/${v}`, dependencies: deps.get(`libraries/${full}/${v}`) ?? {}, yanked: yankedOf(full, v), published: !deps.has(`libraries/${full}/${v}`) })),
    };
  });
  const known = new Set<string>();
  for (const [full] of groupVersions(baseFolders)) {
    known.add(full);
    known.add(full.split('/')[0] ?? '');
  }
  // a scope the base side has a file for is taken, libraries or not: a look-alike the change
  // adds is the one refused, whatever the sort order
  for (const f of baseScopeFiles) known.add(`@${f.slice('scopes/'.length, -'.toml'.length)}`);
  // the head side's scope files are scopes too, as in the build (a look-alike scope file is
  // MDL_NAME_CONFUSABLE before it has libraries); reported when the change adds or edits it
  const checked = [...added, ...relevant.filter((c) => c.kind === 'scope-added' || c.kind === 'scope-file')].map((c) => c.path);
  for (const p of [...checkDependencies(ruleLibs), ...checkConfusables(ruleLibs, known, [...layout.scopes.keys()])]) {
    if (checked.some((a) => under(p.file, a))) problems.push(p);
  }
  return { problems, layout };
}
