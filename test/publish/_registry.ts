/** A registry repo with scopes, members and signing keys, for the publishing tests. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitInit, writeFiles, writeLibrary } from '../helpers/registry.js';
import { keyToml, type Signer } from './_keys.js';

export interface ScopeSpec {
  visibility?: 'public' | 'private';
  members: Record<string, 'admin' | 'member'>;
  keys?: Signer[];
}

export function scopeToml(name: string, s: ScopeSpec): string {
  const members = Object.entries(s.members).map(([u, r]) => `\n[[members]]\nuser = "${u}"\nrole = "${r}"\n`).join('');
  return `[scope]\nname = "${name}"\ndisplay_name = "${name} team"\nvisibility = "${s.visibility ?? 'public'}"\n${members}${(s.keys ?? []).map(keyToml).join('')}`;
}

export function writeScope(root: string, name: string, s: ScopeSpec): void {
  writeFileSync(join(root, 'scopes', `${name}.toml`), scopeToml(name, s));
}

/** Writes registry.toml, the scopes and one library @acme/guide@1.0.0, in a fresh git repo (not committed). */
/** `adminKeys` go to registry.toml [[keys]]: the keys of registry admins. */
export function makeRegistryRepo(root: string, scopes: Record<string, ScopeSpec>, admins: string[] = ['root'], adminKeys: Signer[] = []): void {
  gitInit(root);
  writeFiles(root, {
    'registry.toml': `[registry]\nname = "Check Test Registry"\nurl = "http://localhost/"\nadmins = [${admins.map((a) => `"${a}"`).join(', ')}]\nbranch = "main"\npublish_via = "git"\n${adminKeys.map(keyToml).join('')}`,
  });
  for (const [name, s] of Object.entries(scopes)) writeFiles(root, { [`scopes/${name}.toml`]: scopeToml(name, s) });
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
}

/** Starts a new branch `name` at `rev`. */
export function branchAt(root: string, name: string, rev: string): void {
  git(root, 'checkout', '-q', '-B', name, rev);
}
