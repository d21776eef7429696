/** Prepares yank, deprecate and team changes (CLI-7, REPO-3) against the registry's current files. */
import { checkNamePart } from '../../index-builder/src/index.js';
import { slug, type RegistryChange, type RegistrySource } from './change.js';
import { deprecateIn, parseSpec, yankIn } from './edit-meta.js';
import { addMember, checkUser, removeMember } from './edit-scope.js';
import { publishError } from './errors.js';
import type { MakeChange } from './run-change.js';

const metaPath = (scope: string, short: string) => `libraries/@${scope}/${short}/meta.toml`;

async function requireLibrary(src: RegistrySource, name: string, scope: string, short: string, version: string | null): Promise<void> {
  const folder = `libraries/@${scope}/${short}${version ? `/${version}` : ''}`;
  if (!(await src.exists(folder))) throw publishError('PUB_NOT_FOUND', `${name}${version ? `@${version}` : ''} is not in the registry repo (${folder})`, 'check the name and version (mdlibs search, or the library page)');
}

export function yankChange(spec: string, reason: string | null): MakeChange {
  const { name, scope, short, version } = parseSpec(spec, true);
  const v = version as string;
  return async (src): Promise<RegistryChange> => {
    await requireLibrary(src, name, scope, short, v);
    const path = metaPath(scope, short);
    const text = yankIn((await src.readFile(path))?.toString('utf8') ?? null, v, reason);
    const undo = reason === null;
    return {
      title: `${undo ? 'Un-yank' : 'Yank'} ${name}@${v}`,
      body: [undo ? `Un-yanks **${name}@${v}**.` : `Yanks **${name}@${v}**: ${reason}`, '', `- file: \`${path}\``],
      branch: `mdlibs/${undo ? 'unyank' : 'yank'}-${slug(name)}-${slug(v)}`,
      files: [{ path, content: Buffer.from(text) }],
    };
  };
}

export function deprecateChange(spec: string, message: string | null): MakeChange {
  const { name, scope, short } = parseSpec(spec, false);
  return async (src): Promise<RegistryChange> => {
    await requireLibrary(src, name, scope, short, null);
    const path = metaPath(scope, short);
    const text = deprecateIn((await src.readFile(path))?.toString('utf8') ?? null, message);
    return {
      title: `${message === null ? 'Un-deprecate' : 'Deprecate'} ${name}`,
      body: [message === null ? `Removes the deprecation notice of **${name}**.` : `Deprecates **${name}**: ${message}`, '', `- file: \`${path}\``],
      branch: `mdlibs/deprecate-${slug(name)}`,
      files: [{ path, content: Buffer.from(text) }],
    };
  };
}

export function teamChange(scope: string, user: string, action: { add: 'admin' | 'member' } | { remove: true }): MakeChange {
  const s = scope.replace(/^@/, '');
  if (checkNamePart(s, 'scope')) throw publishError('PUB_BAD_ARGUMENT', `"${s.slice(0, 64)}" is not a scope name`, 'give the scope without @, e.g. acme');
  checkUser(user);
  return async (src): Promise<RegistryChange> => {
    const path = `scopes/${s}.toml`;
    const current = await src.readFile(path);
    if (!current) throw publishError('PUB_NOT_FOUND', `the registry has no scope @${s} (${path})`, 'new scopes are created by a registry admin adding scopes/<scope>.toml');
    const adding = 'add' in action;
    const text = adding ? addMember(current.toString('utf8'), user, action.add) : removeMember(current.toString('utf8'), user);
    return {
      title: adding ? `Add ${user} to @${s} as ${action.add}` : `Remove ${user} from @${s}`,
      body: [adding ? `Adds **${user}** to scope **@${s}** with role **${action.add}**.` : `Removes **${user}** (and their signing keys) from scope **@${s}**.`, '', `- file: \`${path}\``, '- needs approval by an admin of the scope or a registry admin (check mode enforces it)'],
      branch: `mdlibs/team-${slug(s)}-${adding ? 'add' : 'remove'}-${slug(user)}`,
      files: [{ path, content: Buffer.from(text) }],
    };
  };
}
