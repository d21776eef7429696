/** `mdlibs install [@scope/name[@range]...]` (CLI-5). */
import { defineCommand } from '../command.js';
import { targetRegistry } from '../config/settings.js';
import { installFromLockfile, resolveAndInstall, type InstallResult } from '../install/installer.js';
import { parseSpec } from '../install/spec.js';
import { renderInstall } from './install-render.js';
import { changeProject, projectOptions, type ProjectFlags } from './shared.js';

interface Opts extends ProjectFlags {
  libs?: string[];
}

export default defineCommand<Opts, InstallResult>({
  command: 'install [libs..]',
  describe: 'Install libraries (no arguments: exactly what mdlibs.lock says)',
  builder: (y) => projectOptions(y)
    .positional('libs', { type: 'string', array: true, describe: 'libraries as @scope/name or @scope/name@range' })
    .example('$0 install @acme/handbook', 'install the latest version, save ^version')
    .example('$0 install @acme/handbook@~1.2', 'install within a range')
    .example('$0 install', 'reproduce mdlibs.lock exactly (fails if it is out of date)'),
  handler: async (o) => {
    const specs = (o.libs ?? []).map(parseSpec);
    return changeProject(o.ctx, o, ({ settings, session, project }) => {
      if (!specs.length) {
        if (project.lock || !Object.keys(project.dependencies).length) return installFromLockfile(session, project);
        return resolveAndInstall(session, project, project.dependencies, { registryUrl: targetRegistry(settings).url, unlock: 'all' });
      }
      const deps = { ...project.dependencies };
      for (const s of specs) deps[s.full] = s.range ?? '*';
      return resolveAndInstall(session, project, deps, { registryUrl: targetRegistry(settings).url, unlock: new Set(specs.map((s) => s.full)) });
    });
  },
  render: renderInstall,
});
