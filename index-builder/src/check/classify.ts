/**
 * Pure: sorts the paths a change touches into registry changes (a new version, an edit of a
 * published version, a deletion, a scope-file change...). No git, no fs.
 */

export type ChangeKind =
  | 'version-added'
  | 'version-edited'
  | 'version-deleted'
  | 'meta'
  | 'scope-file'
  | 'scope-added'
  | 'scope-deleted'
  | 'registry-config'
  | 'layout'
  | 'outside';

export interface Change {
  kind: ChangeKind;
  /** Registry-relative path of the unit (version folder, meta.toml, scope file, or the file). */
  path: string;
  scope: string | null;
  /** `@scope/name` for library changes. */
  library: string | null;
  version: string | null;
  /** Registry-relative files changed inside the unit, sorted. */
  files: string[];
}

export interface PathChange {
  status: 'A' | 'M' | 'D' | 'T';
  /** Registry-relative path; paths outside the registry folder keep their repo path and `outside: true`. */
  path: string;
  outside?: boolean;
}

interface Located {
  kind: 'version' | 'meta' | 'scope' | 'registry-config' | 'layout' | 'outside';
  unit: string;
  scope: string | null;
  library: string | null;
  version: string | null;
}

/** Where one registry-relative path belongs. */
export function locatePath(path: string): Located {
  const parts = path.split('/');
  const none = { scope: null, library: null, version: null };
  if (path === 'registry.toml') return { kind: 'registry-config', unit: path, ...none };
  if (parts[0] === 'scopes') {
    const m = parts.length === 2 ? /^(.+)\.toml$/.exec(parts[1] ?? '') : null;
    return m ? { kind: 'scope', unit: path, scope: m[1] ?? null, library: null, version: null } : { kind: 'layout', unit: path, ...none };
  }
  if (parts[0] !== 'libraries') return { kind: 'outside', unit: path, ...none };
  const scope = parts[1]?.startsWith('@') && parts[1].length > 1 ? parts[1].slice(1) : null;
  const library = scope && parts[2] ? `@${scope}/${parts[2]}` : null;
  if (library && parts.length === 4 && parts[3] === 'meta.toml') return { kind: 'meta', unit: path, scope, library, version: null };
  if (library && parts.length >= 5) return { kind: 'version', unit: parts.slice(0, 4).join('/'), scope, library, version: parts[3] ?? null };
  return { kind: 'layout', unit: path, scope, library, version: null };
}

/**
 * Groups path changes into registry changes. `baseUnits`/`headUnits` say which version folders
 * and scope files exist on each side (a folder with changes that exists on both sides was edited).
 */
export function classifyChanges(paths: readonly PathChange[], baseUnits: ReadonlySet<string>, headUnits: ReadonlySet<string>): Change[] {
  const byUnit = new Map<string, Change>();
  for (const p of paths) {
    const loc: Located = p.outside ? { kind: 'outside', unit: p.path, scope: null, library: null, version: null } : locatePath(p.path);
    const existing = byUnit.get(`${loc.kind}:${loc.unit}`);
    if (existing) {
      existing.files.push(p.path);
      continue;
    }
    byUnit.set(`${loc.kind}:${loc.unit}`, { kind: kindOf(loc, baseUnits, headUnits), path: loc.unit, scope: loc.scope, library: loc.library, version: loc.version, files: [p.path] });
  }
  const out = [...byUnit.values()];
  for (const c of out) c.files.sort();
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function kindOf(loc: Located, baseUnits: ReadonlySet<string>, headUnits: ReadonlySet<string>): ChangeKind {
  switch (loc.kind) {
    case 'version':
      if (!baseUnits.has(loc.unit)) return 'version-added';
      return headUnits.has(loc.unit) ? 'version-edited' : 'version-deleted';
    case 'scope':
      if (!baseUnits.has(loc.unit)) return 'scope-added';
      return headUnits.has(loc.unit) ? 'scope-file' : 'scope-deleted';
    default:
      return loc.kind;
  }
}

/** Human label of a change kind, for reports. */
export const CHANGE_LABELS: Record<ChangeKind, string> = {
  'version-added': 'new version',
  'version-edited': 'edit of a published version',
  'version-deleted': 'deleted version',
  meta: 'yank / deprecation (meta.toml)',
  'scope-file': 'scope file change',
  'scope-added': 'new scope',
  'scope-deleted': 'deleted scope',
  'registry-config': 'registry.toml change',
  layout: 'file outside the layout',
  outside: 'file outside the registry',
};
