/** `mdlibs team add-member|remove-member <scope> <user>` (CLI-7, REPO-3): prepares the scope-file change. */
import { defineCommand, type CliCommand } from '../command.js';
import { defaultCacheDir } from '../config/paths.js';
import { changeOptions, renderChange, repoOptions, type RepoFlags } from '../../publish/cli-options.js';
import type { ChangeResult } from '../../publish/run-change.js';

interface Opts extends RepoFlags {
  scope: string;
  user: string;
  role?: 'admin' | 'member';
}

const positionals = (y: Parameters<NonNullable<CliCommand['builder']>>[0]) => y
  .positional('scope', { type: 'string', describe: 'scope name (acme or @acme)' })
  .positional('user', { type: 'string', describe: 'Git-host username' });

const add = defineCommand<Opts, ChangeResult>({
  command: 'add-member <scope> <user>',
  describe: 'Add a member to a scope, or change their role',
  builder: (y) => repoOptions(positionals(y).option('role', { choices: ['admin', 'member'] as const, default: 'member' as const, describe: 'role in the scope' })),
  handler: async (o) => {
    const { teamChange } = await import('../../publish/prepare-edits.js');
    const { runChange } = await import('../../publish/run-change.js');
    return runChange(changeOptions(o, o.ctx.env, defaultCacheDir(o.ctx.env)), teamChange(o.scope, o.user, { add: o.role ?? 'member' }));
  },
  render: (r) => renderChange(r),
});

const remove = defineCommand<Opts, ChangeResult>({
  command: 'remove-member <scope> <user>',
  describe: 'Remove a member (and their signing keys) from a scope',
  builder: (y) => repoOptions(positionals(y)),
  handler: async (o) => {
    const { teamChange } = await import('../../publish/prepare-edits.js');
    const { runChange } = await import('../../publish/run-change.js');
    return runChange(changeOptions(o, o.ctx.env, defaultCacheDir(o.ctx.env)), teamChange(o.scope, o.user, { remove: true }));
  },
  render: (r) => renderChange(r),
});

export default defineCommand({
  command: 'team',
  describe: 'Manage scope members (prepares the registry-repo change)',
  subcommands: [add, remove] as unknown as CliCommand[],
});
