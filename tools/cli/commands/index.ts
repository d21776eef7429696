/**
 * Every `mdlibs` command: name, one-line description and a lazy loader. Nothing here
 * imports a command module statically, so start-up stays fast. The dynamic imports are
 * literal so a bundler (tools/cli/bundle.mjs) can keep each command lazy.
 */
import type { CliCommand } from '../command.js';

export interface CommandEntry {
  name: string;
  describe: string;
  load: () => Promise<CliCommand>;
}

type Module = { default: unknown };
const pick = (m: Module): CliCommand => m.default as CliCommand;

export const COMMANDS: readonly CommandEntry[] = [
  { name: 'init', describe: 'Create a library from a template', load: async () => pick(await import('./init.js')) },
  { name: 'list', describe: 'List docs in this folder, or installed libraries with --installed', load: async () => pick(await import('./list.js')) },
  { name: 'search', describe: 'Search a registry, or local docs with --local', load: async () => pick(await import('./search.js')) },
  { name: 'info', describe: 'Show a library\'s details, versions and docs (from its index file)', load: async () => pick(await import('./info.js')) },
  { name: 'install', describe: 'Install libraries (no arguments: exactly what mdlibs.lock says)', load: async () => pick(await import('./install.js')) },
  { name: 'uninstall', describe: 'Remove installed libraries', load: async () => pick(await import('./uninstall.js')) },
  { name: 'update', describe: 'Update installed libraries within their ranges, or a doc title with --title', load: async () => pick(await import('./update.js')) },
  { name: 'outdated', describe: 'Show installed libraries that have newer versions', load: async () => pick(await import('./outdated.js')) },
  { name: 'registry', describe: 'Add, list, remove registries and set the default', load: async () => pick(await import('./registry.js')) },
  { name: 'login', describe: 'Store a token for a registry (verified with its server)', load: async () => pick(await import('./login.js')) },
  { name: 'logout', describe: 'Forget the token for a registry', load: async () => pick(await import('./logout.js')) },
  { name: 'whoami', describe: 'Show who the stored token belongs to', load: async () => pick(await import('./whoami.js')) },
  { name: 'token', describe: 'Create, list and revoke API tokens', load: async () => pick(await import('./token.js')) },
  { name: 'publish', describe: 'Publish a library to a registry repo (--dry-run: validate and show the tarball)', load: async () => pick(await import('./publish.js')) },
  { name: 'yank', describe: 'Yank a published version (prepares the registry-repo change)', load: async () => pick(await import('./yank.js')) },
  { name: 'deprecate', describe: 'Deprecate a library (prepares the registry-repo change)', load: async () => pick(await import('./deprecate.js')) },
  { name: 'team', describe: 'Manage scope members (prepares the registry-repo change)', load: async () => pick(await import('./team.js')) },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name);
}
