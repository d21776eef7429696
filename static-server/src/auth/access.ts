/**
 * Who may read which private scope (SEC-1). A token reads private scope S when it is an
 * admin token, or when it grants S and its owner is a member of S (or a registry admin)
 * in the private tree's teams.json as the builder emitted it from scopes/*.toml.
 */
import type { TeamsJson } from '../../../index-builder/src/index.js';
import type { TokenRecord } from '../store/store.js';
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

/**
 * The scope sets computed before, per emitted teams.json (a snapshot never changes) and token id
 * and what decides them (owner, admin flag, scopes): every request needs them, and building
 * them took ~1.5 µs of a counted download in the bench:server profile. Bounded per snapshot.
 */
const known = new WeakMap<TeamsJson, { allPrivate: ReadonlySet<string>; readable: Map<string, ReadonlySet<string>> }>();
const NO_SCOPES: ReadonlySet<string> = new Set();

function readableScopes(token: TokenRecord, teams: TeamsJson): ReadonlySet<string> {
  const readable = new Set<string>();
  const registryAdmin = teams.admins.includes(token.owner);
  for (const s of teams.scopes) {
    const member = s.members.some((m) => m.user === token.owner);
    if (token.admin || (token.scopes.includes(s.name) && (member || registryAdmin))) readable.add(s.name);
  }
  return readable;
}

export function accessFor(caller: Caller, privateTeams: TeamsJson | null): Access {
  const token = caller.kind === 'token' ? caller.token : null;
  let allPrivate = NO_SCOPES;
  let readable = NO_SCOPES;
  if (privateTeams) {
    let k = known.get(privateTeams);
    if (!k) known.set(privateTeams, (k = { allPrivate: new Set(privateTeams.scopes.map((s) => s.name)), readable: new Map() }));
    allPrivate = k.allPrivate;
    if (token) {
      const key = `${token.id}\0${token.owner}\0${token.admin ? 1 : 0}\0${token.scopes.join(',')}`;
      let r = k.readable.get(key);
      if (!r) {
        if (k.readable.size >= 10_000) k.readable.clear();
        k.readable.set(key, (r = readableScopes(token, privateTeams)));
      }
      readable = r;
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
