/**
 * `mdlibs update [@scope/name...]`: re-resolve within the ranges in .mdlibs.toml and
 * rewrite mdlibs.lock (CLI-5). `mdlibs update <doc.md> --title <title>`: set a local
 * document's title (CLI-1).
 */
import { defineCommand } from '../command.js';
import { targetRegistry } from '../config/settings.js';
import { cliError } from '../errors.js';
import { resolveAndInstall, type InstallResult } from '../install/installer.js';
import { parseSpec } from '../install/spec.js';
import { safe } from '../output.js';
import { renderInstall } from './install-render.js';
import { changeProject, projectOptions, type ProjectFlags } from './shared.js';

interface Opts extends ProjectFlags {
  targets?: string[];
  title?: string;
  force: boolean;
}

type Result = ({ kind: 'libraries' } & InstallResult) | { kind: 'doc'; path: string; title: string; previous: string };

export default defineCommand<Opts, Result>({
  command: 'update [targets..]',
  describe: 'Update installed libraries within their ranges, or a doc title with --title',
  builder: (y) => projectOptions(y)
    .positional('targets', { type: 'string', array: true, describe: 'libraries (@scope/name) to update; default: all. With --title: one markdown file' })
    .option('title', { type: 'string', describe: 'set the title of the markdown document given as target' })
    .option('force', { type: 'boolean', default: false, describe: 'replace or remove library folders even when their files were edited after install (without it: CLI_LOCAL_CHANGES, exit 9, nothing changed)' })
    .example('$0 update', 'move every library to the newest version its range allows')
    .example('$0 update docs/intro.md --title "Getting started"', 'retitle a local document'),
  handler: async (o) => {
    const targets = o.targets ?? [];
    if (o.title !== undefined) {
      if (targets.length !== 1) throw cliError('CLI_USAGE', 'update --title needs exactly one markdown file', 'run `mdlibs update docs/file.md --title "New title"`');
      const { setDocTitle } = await import('../local/edit.js');
      return { kind: 'doc', ...setDocTitle(o.ctx.cwd, targets[0] as string, o.title) };
    }
    const names = targets.map((t) => parseSpec(t).full);
    return changeProject(o.ctx, o, async ({ settings, session, project }): Promise<Result> => {
      for (const n of names) {
        if (project.dependencies[n] === undefined && !project.lock?.libraries[n]) throw cliError('CLI_NOT_INSTALLED', `${n} is not installed here`, `install it with \`mdlibs install ${n}\``);
      }
      const registryUrl = settings.defaultRegistry ? targetRegistry(settings).url : Object.values(project.lock?.libraries ?? {})[0]?.registry;
      if (!registryUrl) return { kind: 'libraries', ...(await noop()) };
      const r = await resolveAndInstall(session, project, project.dependencies, { registryUrl, unlock: names.length ? new Set(names) : 'all', refuseLocalChanges: o.force ? undefined : 'update' });
      return { kind: 'libraries', ...r };
    });
  },
  render: (r, ctx) => (r.kind === 'doc' ? `${safe(r.path)}: title "${safe(r.previous)}" → "${safe(r.title)}"` : renderInstall(r, ctx)),
});

async function noop(): Promise<InstallResult> {
  return { mode: 'resolve', libraries: [], extracted: [], unchanged: [], removed: [], downloaded: 0, fromCache: 0, warnings: [] };
}
