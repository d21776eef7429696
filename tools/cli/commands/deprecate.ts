/** `mdlibs deprecate <@scope/name> --message` (CLI-7): prepares the meta.toml change (PR or signed commit). */
import { defineCommand } from '../command.js';
import { defaultCacheDir } from '../config/paths.js';
import { changeOptions, renderChange, repoOptions, type RepoFlags } from '../../publish/cli-options.js';
import type { ChangeResult } from '../../publish/run-change.js';

interface Opts extends RepoFlags {
  spec: string;
  message?: string;
  undo: boolean;
}

export default defineCommand<Opts, ChangeResult>({
  command: 'deprecate <spec>',
  describe: 'Deprecate a library (prepares the registry-repo change)',
  builder: (y) => repoOptions(y
    .positional('spec', { type: 'string', describe: '@scope/name' })
    .option('message', { type: 'string', describe: 'deprecation notice shown on install and on the library page; required unless --undo' })
    .option('undo', { type: 'boolean', default: false, describe: 'remove the deprecation notice' })),
  handler: async (o) => {
    const { deprecateChange } = await import('../../publish/prepare-edits.js');
    const { runChange } = await import('../../publish/run-change.js');
    const { publishError } = await import('../../publish/errors.js');
    if (!o.undo && !o.message) throw publishError('PUB_BAD_ARGUMENT', 'deprecate needs --message', 'tell users what to use instead, e.g. --message "use @acme/handbook"');
    return runChange(changeOptions(o, o.ctx.env, defaultCacheDir(o.ctx.env)), deprecateChange(o.spec, o.undo ? null : (o.message as string)));
  },
  render: (r) => renderChange(r),
});
