/** `mdlibs uninstall <@scope/name...>` (CLI-5). */
import { defineCommand } from '../command.js';
import { uninstall, type InstallResult } from '../install/installer.js';
import { parseSpec } from '../install/spec.js';
import { renderInstall } from './install-render.js';
import { changeProject, type ProjectFlags } from './shared.js';

interface Opts extends ProjectFlags {
  libs: string[];
}

export default defineCommand<Opts, InstallResult>({
  command: 'uninstall <libs..>',
  describe: 'Remove installed libraries',
  builder: (y) => y
    .positional('libs', { type: 'string', array: true, describe: 'libraries as @scope/name' })
    .option('path', { type: 'string', describe: 'project folder; default: current folder' }),
  handler: async (o) => {
    const names = o.libs.map((l) => parseSpec(l).full);
    return changeProject(o.ctx, { ...o, offline: true }, ({ session, project }) => uninstall(session, project, names));
  },
  render: renderInstall,
});
