/** `mdlibs install [@scope/name[@range]...]` (CLI-5). */
import { defineCommand } from '../command.js';
import { targetRegistry } from '../config/settings.js';
import { installFromLockfile, resolveAndInstall, type InstallResult } from '../install/installer.js';
import { parseSpec } from '../install/spec.js';
import { renderInstall } from './install-render.js';
import { changeProject, projectOptions, type ProjectFlags } from './shared.js';

interface Opts extends ProjectFlags {
  libs?: string[];
  force: boolean;
}

export default defineCommand<Opts, InstallResult>({
  command: 'install [libs..]',
  describe: 'Install libraries (no arguments: exactly what mdlibs.lock says)',
  builder: (y) => projectOptions(y)
    .positional('libs', { type: 'string', array: true, describe: 'libraries as @scope/name or @scope/name@range' })
    .option('force', { type: 'boolean', default: false, describe: 'replace or remove library folders even when their files were edited after install (without it: CLI_LOCAL_CHANGES, exit 9, nothing changed)' })
    .example('$0 install @acme/handbook', 'install the latest version, save ^version')
    .example('$0 install @acme/handbook@~1.2', 'install within a range')
    .example('$0 install', 'reproduce mdlibs.lock exactly (fails if it is out of date)'),
  handler: async (o) => {
    const specs = (o.libs ?? []).map(parseSpec);
    // a library folder with local edits is replaced or removed only with --force (materialize.ts)
    const refuseLocalChanges = o.force ? undefined : 'install';
    return changeProject(o.ctx, o, ({ settings, session, project }) => {
      if (!specs.length) {
        if (project.lock || !Object.keys(project.dependencies).length) return installFromLockfile(session, project, o.force);
        return resolveAndInstall(session, project, project.dependencies, { registryUrl: targetRegistry(settings).url, unlock: 'all', refuseLocalChanges });
      }
      const deps = { ...project.dependencies };
      for (const s of specs) deps[s.full] = s.range ?? '*';
      return resolveAndInstall(session, project, deps, { registryUrl: targetRegistry(settings).url, unlock: new Set(specs.map((s) => s.full)), refuseLocalChanges });
    });
  },
  render: renderInstall,
});
