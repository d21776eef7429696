/** `mdlibs uninstall <@scope/name...>` (CLI-5). */
import { defineCommand } from '../command.js';
import { uninstall, type InstallResult } from '../install/installer.js';
import { parseSpec } from '../install/spec.js';
import { renderInstall } from './install-render.js';
import { changeProject, type ProjectFlags } from './shared.js';

interface Opts extends ProjectFlags {
  libs: string[];
  force: boolean;
}

export default defineCommand<Opts, InstallResult>({
  command: 'uninstall <libs..>',
  describe: 'Remove installed libraries',
  builder: (y) => y
    .positional('libs', { type: 'string', array: true, describe: 'libraries as @scope/name' })
    .option('path', { type: 'string', describe: 'project folder; default: current folder' })
    .option('force', { type: 'boolean', default: false, describe: 'delete library folders even when their files were edited after install (without it: CLI_LOCAL_CHANGES, exit 9, nothing removed)' }),
  handler: async (o) => {
    const names = o.libs.map((l) => parseSpec(l).full);
    return changeProject(o.ctx, { ...o, offline: true }, ({ session, project }) => uninstall(session, project, names, o.force));
  },
  render: renderInstall,
});
