/** `mdlibs list [--filter]` (local docs, CLI-1) and `mdlibs list --installed` (CLI-5). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { libraryDir } from '../install/materialize.js';
import { safe, table } from '../output.js';
import { openProject } from './shared.js';

interface Opts {
  installed: boolean;
  filter?: string;
  path?: string;
}

interface DocRow {
  path: string;
  title: string;
}

interface LibRow {
  name: string;
  version: string;
  direct: boolean;
  present: boolean;
  path: string;
}

type Result = { kind: 'docs'; docs: DocRow[] } | { kind: 'installed'; libraries: LibRow[] };

export default defineCommand<Opts, Result>({
  command: 'list',
  describe: 'List docs in this folder, or installed libraries with --installed',
  builder: (y) => y
    .option('installed', { type: 'boolean', default: false, describe: 'list libraries installed from mdlibs.lock' })
    .option('filter', { type: 'string', describe: 'only entries whose path, title or name contains this text (case-insensitive)' })
    .option('path', { type: 'string', describe: 'folder to list (default: current folder)' }),
  handler: async (o) => {
    const needle = o.filter?.toLowerCase();
    if (o.installed) {
      const { project } = openProject(o.ctx, { path: o.path });
      const lock = project.lock;
      const libraries = Object.entries(lock?.libraries ?? {})
        .filter(([n]) => !needle || n.toLowerCase().includes(needle))
        .map(([name, e]) => {
          const dir = libraryDir(project.projectDir, project.installDir, name);
          return { name, version: e.version, direct: lock?.dependencies[name] !== undefined, present: existsSync(dir), path: dir };
        });
      return { kind: 'installed', libraries };
    }
    const { readDocs } = await import('../local/docs.js');
    const docs = (await readDocs(resolve(o.ctx.cwd, o.path ?? '.')))
      .filter((d) => !needle || d.path.toLowerCase().includes(needle) || d.title.toLowerCase().includes(needle))
      .map((d) => ({ path: d.path, title: d.title }));
    return { kind: 'docs', docs };
  },
  render: (r) => {
    if (r.kind === 'installed') {
      if (!r.libraries.length) return 'no libraries installed (mdlibs install @scope/name adds one)';
      return table(r.libraries.map((l) => [safe(l.name, 140), safe(l.version, 64), l.direct ? 'direct' : 'dependency', l.present ? '' : 'MISSING (run mdlibs install)']), ['LIBRARY', 'VERSION', 'TYPE', '']);
    }
    if (!r.docs.length) return 'no markdown documents here';
    return table(r.docs.map((d) => [safe(d.path), safe(d.title)]), ['DOCUMENT', 'TITLE']);
  },
});
