/** `mdlibs registry add|list|remove|set-default` (CLI-2). */
import { resolve } from 'node:path';
import { defineCommand, type CliCommand, type CommandContext } from '../command.js';
import { globalTarget, projectTarget, type ConfigTarget } from '../config/edit.js';
import { loadSettings, registryUrlOf, tokenFor, type Settings } from '../config/settings.js';
import { registryNameIssue } from '../config/schema.js';
import { normalizeRegistryUrl, type Source } from '../config/settings-resolve.js';
import { cliError } from '../errors.js';
import { redactUrl } from '../net/http.js';
import { safe, table } from '../output.js';
import { Session } from '../registry/session.js';

interface Where {
  project: boolean;
  path?: string;
}

const where = (ctx: CommandContext, o: Where): ConfigTarget => (o.project ? projectTarget(resolve(ctx.cwd, o.path ?? '.')) : globalTarget(ctx.env));

const add = defineCommand<Where & { name: string; url: string; default: boolean; verify: boolean; timeout?: number }, { name: string; url: string; file: string; default: boolean; registryName: string | null }>({
  command: 'add <name> <url>',
  describe: 'Add a registry under a short name',
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'short name, e.g. acme' })
    .positional('url', { type: 'string', describe: 'registry root URL (where config.json is)' })
    .option('default', { type: 'boolean', default: false, describe: 'also make it the default registry (the first one added becomes the default anyway)' })
    .option('project', { type: 'boolean', default: false, describe: 'store it in this project\'s .mdlibs.toml instead of the global config' })
    .option('path', { type: 'string', describe: 'project folder for --project (default: current folder)' })
    .option('verify', { type: 'boolean', default: true, describe: 'fetch config.json to check the URL is an mdlibs registry (--no-verify to skip)' })
    .option('timeout', { type: 'number', describe: 'timeout for the check in milliseconds, 1-600000' }),
  handler: async (o) => {
    const issue = registryNameIssue(o.name);
    if (issue) throw cliError('CLI_USAGE', `registry name "${safe(o.name, 64)}" is not valid`, issue);
    const url = normalizeRegistryUrl(o.url);
    const t = where(o.ctx, o);
    const doc = t.read();
    // own keys only: "toString" or "constructor" are on every object ("__proto__" was "added" and stored nowhere)
    const existing = Object.hasOwn(doc.registries, o.name) ? doc.registries[o.name] : undefined;
    if (existing && normalizeRegistryUrl(existing.url) !== url) {
      throw cliError('CLI_REGISTRY_EXISTS', `a registry named "${o.name}" already exists (${safe(shown(existing.url), 2048)})`, `remove it first: mdlibs registry remove ${o.name}`);
    }
    let registryName: string | null = null;
    let settings: Settings | null = null;
    if (o.verify) {
      settings = loadSettings(o.ctx, { timeout: o.timeout });
      const cfg = await new Session(settings, o.ctx).client(url).config();
      registryName = cfg.registry.name;
    }
    doc.registries[o.name] = { url };
    // the first registry becomes the default when neither config file names one (like a first
    // `git remote add`): the next `mdlibs search` answered "no registry is configured"
    if (o.default || noDefaultConfigured(o.ctx, settings, doc.default)) doc.default = o.name;
    t.write(doc);
    return { name: o.name, url, file: t.file, default: doc.default === o.name, registryName };
  },
  render: (r) => `added ${safe(r.name, 64)} → ${safe(r.url, 2048)}${r.registryName ? ` ("${safe(r.registryName)}")` : ''}${r.default ? ' (default)' : ''}\n  in ${safe(r.file, 4096)}`,
});

/**
 * Neither the global config nor the project file names a default registry, from the settings
 * `--verify` already read (`loaded`), else read only for this: when they cannot be (a broken project file), the file being
 * edited decides (`own`: its default), as `registry add --no-verify` never read them before.
 */
function noDefaultConfigured(ctx: CommandContext, loaded: Settings | null, own: string | undefined): boolean {
  try {
    const s = loaded ?? loadSettings(ctx, {});
    return s.layers.global.registry === undefined && s.layers.project.registry === undefined;
  } catch {
    return own === undefined;
  }
}

/** A URL as written, without a user name, password or token (redactUrl); a name or a string that is no URL as it is. */
const shown = (v: string): string => {
  if (!URL.canParse(v)) return v;
  const r = redactUrl(v);
  return r === new URL(v).toString() ? v : r; // unchanged unless something was taken out
};

interface ListRow {
  name: string;
  url: string;
  from: 'global' | 'project';
  default: boolean;
  loggedIn: boolean;
}

const list = defineCommand<{ path?: string }, { registries: ListRow[]; default: { value: string; url: string | null; source: Source } | null }>({
  command: 'list',
  describe: 'List configured registries and which one is the default (and why)',
  builder: (y) => y.option('path', { type: 'string', describe: 'project folder (default: current folder)' }),
  handler: async (o) => {
    const s = loadSettings(o.ctx, { path: o.path });
    let defUrl: string | null = null;
    if (s.defaultRegistry) {
      try {
        defUrl = registryUrlOf(s, s.defaultRegistry.value).url;
      } catch {
        defUrl = null;
      }
    }
    // a default given by name marks that entry only, not every entry with the same URL
    const byName = s.defaultRegistry !== null && s.registries.some((r) => r.name === s.defaultRegistry?.value);
    const rows = s.registries.map((r) => {
      let url: string;
      try {
        url = normalizeRegistryUrl(r.url);
      } catch {
        // shown as written, less what must not be printed: a hand-written `http://user:password@host/?token=…` was listed whole
        url = shown(r.url);
      }
      return { name: r.name, url, from: r.from, default: url === defUrl && (!byName || r.name === s.defaultRegistry?.value), loggedIn: tokenFor(s, url) !== undefined };
    });
    return { registries: rows, default: s.defaultRegistry ? { value: shown(s.defaultRegistry.value), url: defUrl, source: s.defaultRegistry.source } : null };
  },
  render: (r) => {
    const lines: string[] = [];
    if (r.registries.length) lines.push(table(r.registries.map((x) => [x.default ? '*' : ' ', safe(x.name, 64), safe(x.url, 2048), x.from, x.loggedIn ? 'logged in' : '']), [' ', 'NAME', 'URL', 'FROM', '']));
    else lines.push('no registries configured (mdlibs registry add <name> <url> --default)');
    lines.push(r.default ? `default: ${safe(r.default.value)} (from ${r.default.source})` : 'default: none');
    return lines.join('\n');
  },
});

const remove = defineCommand<Where & { name: string }, { name: string; file: string }>({
  command: 'remove <name>',
  describe: 'Remove a registry',
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'registry name' })
    .option('project', { type: 'boolean', default: false, describe: 'remove it from this project\'s .mdlibs.toml' })
    .option('path', { type: 'string', describe: 'project folder for --project' }),
  handler: async (o) => {
    const t = where(o.ctx, o);
    const doc = t.read();
    if (!Object.hasOwn(doc.registries, o.name)) throw cliError('CLI_REGISTRY_UNKNOWN', `no registry named "${safe(o.name, 64)}" in ${t.file}`, '`mdlibs registry list` shows the configured registries');
    delete doc.registries[o.name];
    if (doc.default === o.name) doc.default = undefined;
    t.write(doc);
    return { name: o.name, file: t.file };
  },
  render: (r) => `removed ${safe(r.name, 64)} from ${safe(r.file, 4096)}`,
});

const setDefault = defineCommand<Where & { name: string }, { default: string; file: string }>({
  command: 'set-default <name>',
  describe: 'Make a registry (name or URL) the default',
  builder: (y) => y
    .positional('name', { type: 'string', describe: 'registry name or URL' })
    .option('project', { type: 'boolean', default: false, describe: 'set the default for this project only (.mdlibs.toml)' })
    .option('path', { type: 'string', describe: 'project folder for --project' }),
  handler: async (o) => {
    const s = loadSettings(o.ctx, { path: o.path });
    registryUrlOf(s, o.name); // must resolve
    const t = where(o.ctx, o);
    const doc = t.read();
    doc.default = o.name;
    t.write(doc);
    return { default: o.name, file: t.file };
  },
  render: (r) => `default registry: ${safe(r.default, 2048)} (in ${safe(r.file, 4096)})`,
});

export default defineCommand({
  command: 'registry',
  describe: 'Add, list, remove registries and set the default',
  subcommands: [add, list, remove, setDefault] as CliCommand[],
});
