/** Options and helpers several commands share. */
import { resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { CommandContext } from '../command.js';
import { loadSettings, type Settings } from '../config/settings.js';
import type { ProjectState } from '../install/installer.js';
import { readLockfile } from '../install/lockfile.js';
import { withProjectLock } from '../install/project-lock.js';
import { Session } from '../registry/session.js';

export interface RegistryFlags {
  registry?: string;
  timeout?: number;
}

export interface ProjectFlags extends RegistryFlags {
  path?: string;
  offline?: boolean;
}

export const registryOption = (y: Argv): Argv => y
  .option('registry', { type: 'string', describe: 'registry name (from `mdlibs registry list`) or URL' })
  .option('timeout', { type: 'number', describe: 'per-request timeout in milliseconds, 1-600000 (default 30000)' });

export const projectOptions = (y: Argv): Argv => registryOption(y)
  .option('path', { type: 'string', describe: 'project folder (holds .mdlibs.toml, mdlibs.lock and libraries/); default: current folder' })
  .option('offline', { type: 'boolean', default: false, describe: 'use only the local cache; fail if something is missing' });

export function openProject(ctx: CommandContext, f: ProjectFlags): { settings: Settings; session: Session; project: ProjectState } {
  const settings = loadSettings(ctx, { registry: f.registry, timeout: f.timeout, path: f.path });
  const session = new Session(settings, ctx, f.offline ?? false);
  const project: ProjectState = {
    projectDir: settings.projectDir,
    installDir: settings.installDir,
    dependencies: { ...(settings.project?.dependencies ?? {}) },
    lock: readLockfile(settings.projectDir),
  };
  return { settings, session, project };
}

/**
 * Runs a command that changes the project (install, update, uninstall) holding its lock:
 * `fn` opens the project (reads .mdlibs.toml and mdlibs.lock) only once the lock is held.
 */
export function changeProject<T>(ctx: CommandContext, f: ProjectFlags, fn: (p: ReturnType<typeof openProject>) => Promise<T>): Promise<T> {
  return withProjectLock(resolve(ctx.cwd, f.path ?? '.'), () => fn(openProject(ctx, f)));
}
