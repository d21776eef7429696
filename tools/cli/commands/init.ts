/** `mdlibs init [path] [--template NAME]` (CLI-1, LIB-4). */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { initLibrary, TEMPLATES } from '../local/init.js';

interface Opts {
  path?: string;
  template: string;
  name?: string;
  description?: string;
  list: boolean;
}

type Result = { kind: 'templates'; templates: { name: string; description: string }[] } | ({ kind: 'created' } & ReturnType<typeof initLibrary>);

export default defineCommand<Opts, Result>({
  command: 'init [path]',
  describe: 'Create a library from a template',
  builder: (y) => y
    .positional('path', { type: 'string', describe: 'folder to create (default: current folder, which must be empty)' })
    .option('template', { type: 'string', default: 'docs-handbook', describe: `template: ${Object.keys(TEMPLATES).join(', ')}` })
    .option('name', { type: 'string', describe: 'library name @scope/name (default: @my-team/<folder>)' })
    .option('description', { type: 'string', describe: 'one-line description for the manifest' })
    .option('list', { type: 'boolean', default: false, describe: 'list the templates and exit' }),
  handler: async (o) => {
    if (o.list) return { kind: 'templates', templates: Object.entries(TEMPLATES).map(([name, description]) => ({ name, description })) };
    return { kind: 'created', ...initLibrary({ target: resolve(o.ctx.cwd, o.path ?? '.'), template: o.template, name: o.name, description: o.description, env: o.ctx.env }) };
  },
  render: (r) => {
    if (r.kind === 'templates') return r.templates.map((t) => `${t.name.padEnd(14)} ${t.description}`).join('\n');
    return [`created ${r.name} from the ${r.template} template in ${r.path}`, ...r.files.map((f) => `  ${f}`), '', 'next: edit the docs, then `mdlibs publish --dry-run` to check and preview the tarball'].join('\n');
  },
});
