/**
 * Who may read which private scope (SEC-1). A token reads private scope S when it is an
 * admin token, or when it grants S and its owner is a member of S (or a registry admin)
 * in the private tree's teams.json as the builder emitted it from scopes/*.toml.
 */
import type { TeamsJson } from '../../../index-builder/src/index.js';
import type { Caller } from './authenticate.js';

export interface Access {
  caller: Caller;
  owner: string | null;
  admin: boolean;
  /** Private scopes this caller may read. */
  privateScopes: ReadonlySet<string>;
  /** Scopes that are private in the current private tree (readable or not). */
  allPrivate: ReadonlySet<string>;
  mayReadScope(scope: string): boolean;
}

export function accessFor(caller: Caller, privateTeams: TeamsJson | null): Access {
  const allPrivate = new Set((privateTeams?.scopes ?? []).map((s) => s.name));
  const token = caller.kind === 'token' ? caller.token : null;
  const readable = new Set<string>();
  if (token && privateTeams) {
    const registryAdmin = privateTeams.admins.includes(token.owner);
    for (const s of privateTeams.scopes) {
      const member = s.members.some((m) => m.user === token.owner);
      if (token.admin || (token.scopes.includes(s.name) && (member || registryAdmin))) readable.add(s.name);
    }
  }
  return {
    caller,
    owner: token?.owner ?? null,
    admin: token?.admin ?? false,
    privateScopes: readable,
    allPrivate,
    mayReadScope: (scope) => !allPrivate.has(scope) || readable.has(scope),
  };
}
