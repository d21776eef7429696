/**
 * Pure edits of `scopes/<scope>.toml` membership (REPO-3, CLI-7): add a member with a role,
 * change a role, remove a member. Validated against the builder's schema.
 */
import { parse, stringify } from 'smol-toml';
import { scopeFileSchema, stripControlChars } from '../../index-builder/src/index.js';
import { publishError } from './errors.js';

const USER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;

export function checkUser(user: string): string {
  if (!USER_RE.test(user)) throw publishError('PUB_BAD_ARGUMENT', `"${stripControlChars(user).slice(0, 40)}" is not a Git-host username`, 'usernames are letters, digits and hyphens, up to 39 characters');
  return user;
}

function toText(raw: Record<string, unknown>): string {
  const text = `${stringify(raw)}\n`;
  scopeFileSchema.parse(parse(text));
  return text;
}

export function addMember(text: string, user: string, role: 'admin' | 'member'): string {
  checkUser(user);
  const raw = parse(text) as Record<string, unknown>;
  const scope = scopeFileSchema.parse(raw);
  const existing = scope.members.find((m) => m.user === user);
  if (existing?.role === role) throw publishError('PUB_NO_CHANGE', `${user} is already ${role === 'admin' ? 'an admin' : 'a member'} of @${scope.scope.name}`, 'nothing to change');
  const members = existing ? scope.members.map((m) => (m.user === user ? { user, role } : m)) : [...scope.members, { user, role }];
  return toText({ ...raw, members });
}

export function removeMember(text: string, user: string): string {
  checkUser(user);
  const raw = parse(text) as Record<string, unknown>;
  const scope = scopeFileSchema.parse(raw);
  if (!scope.members.some((m) => m.user === user)) throw publishError('PUB_NOT_FOUND', `${user} is not a member of @${scope.scope.name}`, 'check the username (mdlibs team members, or the scope file)');
  const members = scope.members.filter((m) => m.user !== user);
  if (!members.some((m) => m.role === 'admin')) throw publishError('PUB_BAD_ARGUMENT', `removing ${user} would leave @${scope.scope.name} without an admin`, 'add another admin first');
  const keys = scope.keys.filter((k) => k.user !== user);
  return toText({ ...raw, members, keys });
}
