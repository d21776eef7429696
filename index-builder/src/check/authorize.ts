/**
 * Pure: who may make each change (REPO-2, REPO-3). Decided against the BASE side's scope files
 * and registry admins, so a change can never authorize itself.
 */
import type { ScopeFile } from '../format/source-schema.js';
import type { Change } from './classify.js';
import type { CheckCode } from './codes.js';

export interface Authority {
  registryAdmins: ReadonlySet<string>;
  /** scope -> members (user -> role), from the base side. */
  scopes: ReadonlyMap<string, ReadonlyMap<string, 'admin' | 'member'>>;
}

export type Requirement = { need: 'member' | 'scope-admin'; scope: string } | { need: 'registry-admin' };

export interface Refusal {
  code: CheckCode;
  message: string;
  hint: string;
}

export function authorityFrom(registryAdmins: readonly string[], scopes: ReadonlyMap<string, ScopeFile>): Authority {
  const m = new Map<string, Map<string, 'admin' | 'member'>>();
  for (const [name, s] of scopes) m.set(name, new Map(s.members.map((x) => [x.user, x.role])));
  return { registryAdmins: new Set(registryAdmins), scopes: m };
}

/** What a change needs. Edits of published versions are refused elsewhere (immutability), for everyone. */
export function requirementFor(c: Change, authority: Authority): Requirement {
  switch (c.kind) {
    case 'version-added':
    case 'version-edited':
    case 'meta':
      return c.scope && authority.scopes.has(c.scope) ? { need: 'member', scope: c.scope } : { need: 'registry-admin' };
    case 'layout':
      return c.scope && authority.scopes.has(c.scope) ? { need: 'member', scope: c.scope } : { need: 'registry-admin' };
    case 'scope-file':
      return c.scope ? { need: 'scope-admin', scope: c.scope } : { need: 'registry-admin' };
    default:
      // version-deleted, scope-added, scope-deleted, registry-config, outside
      return { need: 'registry-admin' };
  }
}

const what = (c: Change): string => {
  switch (c.kind) {
    case 'version-added':
      return `publishing ${c.library}@${c.version}`;
    case 'version-edited':
      return `changing ${c.library}@${c.version}`;
    case 'version-deleted':
      return `deleting ${c.library}@${c.version}`;
    case 'meta':
      return `yanking or deprecating in ${c.library} (${c.path})`;
    case 'scope-file':
      return `changing ${c.path}`;
    case 'scope-added':
      return `creating scope ${c.scope ?? c.path} (${c.path})`;
    case 'scope-deleted':
      return `deleting scope ${c.scope ?? c.path} (${c.path})`;
    case 'registry-config':
      return 'changing registry.toml';
    default:
      return `changing ${c.path}`;
  }
};

/** Null when `user` may make the change; otherwise why not and what to do. */
export function authorize(c: Change, user: string, authority: Authority): Refusal | null {
  if (authority.registryAdmins.has(user)) return null;
  const req = requirementFor(c, authority);
  const admins = [...authority.registryAdmins].sort().join(', ') || '(none listed in registry.toml)';
  if (req.need === 'registry-admin') {
    return {
      code: 'MDL_CHECK_NOT_REGISTRY_ADMIN',
      message: `${what(c)} needs a registry admin, and user "${user}" is not one`,
      hint: `ask a registry admin (${admins}) to make or approve this change; registry admins are listed in registry.toml [registry] admins`,
    };
  }
  const members = authority.scopes.get(req.scope);
  const role = members?.get(user);
  const scopeAdmins = [...(members ?? new Map<string, string>())].filter(([, r]) => r === 'admin').map(([u]) => u).sort().join(', ') || admins;
  if (req.need === 'member' && !role) {
    return {
      code: 'MDL_CHECK_NOT_MEMBER',
      message: `${what(c)} needs a member of scope @${req.scope}, and user "${user}" is not in scopes/${req.scope}.toml`,
      hint: `ask an admin of @${req.scope} (${scopeAdmins}) to add you (mdlibs team add-member ${req.scope} ${user}), or have a member make the change`,
    };
  }
  if (req.need === 'scope-admin' && role !== 'admin') {
    return {
      code: 'MDL_CHECK_NOT_SCOPE_ADMIN',
      message: `${what(c)} needs an admin of scope @${req.scope}, and user "${user}" is ${role ? 'only a member' : 'not in the scope'}`,
      hint: `ask an admin of @${req.scope} (${scopeAdmins}) or a registry admin (${admins}) to make this change`,
    };
  }
  return null;
}
