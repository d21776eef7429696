/** `mdlibs yank <@scope/name@version> --reason` (CLI-7): prepares the meta.toml change (PR or signed commit). */
import { defineCommand } from '../command.js';
import { defaultCacheDir } from '../config/paths.js';
import { changeOptions, renderChange, repoOptions, type RepoFlags } from '../../publish/cli-options.js';
import type { ChangeResult } from '../../publish/run-change.js';

interface Opts extends RepoFlags {
  spec: string;
  reason?: string;
  undo: boolean;
}

export default defineCommand<Opts, ChangeResult>({
  command: 'yank <spec>',
  describe: 'Yank a published version (prepares the registry-repo change)',
  builder: (y) => repoOptions(y
    .positional('spec', { type: 'string', describe: '@scope/name@version' })
    .option('reason', { type: 'string', describe: 'why it is yanked (shown to users); required unless --undo' })
    .option('undo', { type: 'boolean', default: false, describe: 'un-yank the version' })),
  handler: async (o) => {
    const { yankChange } = await import('../../publish/prepare-edits.js');
    const { runChange } = await import('../../publish/run-change.js');
    const { publishError } = await import('../../publish/errors.js');
    if (!o.undo && !o.reason) throw publishError('PUB_BAD_ARGUMENT', 'yank needs --reason', 'say why, e.g. --reason "broken links in docs/setup.md; use 1.2.1"');
    return runChange(changeOptions(o, o.ctx.env, defaultCacheDir(o.ctx.env)), yankChange(o.spec, o.undo ? null : (o.reason as string)));
  },
  render: (r) => renderChange(r),
});
