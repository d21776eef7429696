/**
 * Every `mdlibs` command: name, one-line description and a lazy loader. Nothing here
 * imports a command module statically, so start-up stays fast.
 */
import type { CliCommand } from '../command.js';

export interface CommandEntry {
  name: string;
  describe: string;
  load: () => Promise<CliCommand>;
}

type Module = { default: CliCommand };

/**
 * Loads `./<file>` relative to this module. The specifier is a variable so modules
 * written by other components (publish, yank, deprecate, team) need not exist for the
 * type-check.
 */
function lazy(file: string): () => Promise<CliCommand> {
  return async () => {
    const spec = `./${file}`;
    const m = (await import(spec)) as Module;
    return m.default;
  };
}

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', describe: 'Create a library from a template', load: lazy('init.js') },
  { name: 'list', describe: 'List docs in this folder, or installed libraries with --installed', load: lazy('list.js') },
  { name: 'search', describe: 'Search a registry, or local docs with --local', load: lazy('search.js') },
  { name: 'install', describe: 'Install libraries (no arguments: exactly what mdlibs.lock says)', load: lazy('install.js') },
  { name: 'uninstall', describe: 'Remove installed libraries', load: lazy('uninstall.js') },
  { name: 'update', describe: 'Update installed libraries within their ranges, or a doc title with --title', load: lazy('update.js') },
  { name: 'outdated', describe: 'Show installed libraries that have newer versions', load: lazy('outdated.js') },
  { name: 'registry', describe: 'Add, list, remove registries and set the default', load: lazy('registry.js') },
  { name: 'login', describe: 'Store a token for a registry (verified with its server)', load: lazy('login.js') },
  { name: 'logout', describe: 'Forget the token for a registry', load: lazy('logout.js') },
  { name: 'whoami', describe: 'Show who the stored token belongs to', load: lazy('whoami.js') },
  { name: 'token', describe: 'Create, list and revoke API tokens', load: lazy('token.js') },
  { name: 'publish', describe: 'Publish a library to a registry repo (--dry-run: validate and show the tarball)', load: lazy('publish.js') },
  { name: 'yank', describe: 'Yank a published version (prepares the registry-repo change)', load: lazy('yank.js') },
  { name: 'deprecate', describe: 'Deprecate a library (prepares the registry-repo change)', load: lazy('deprecate.js') },
  { name: 'team', describe: 'Manage scope members (prepares the registry-repo change)', load: lazy('team.js') },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
