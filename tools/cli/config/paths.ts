/** Where the CLI keeps its files (XDG base directories, from the context's env). */
import { join } from 'node:path';

type Env = Record<string, string | undefined>;

function home(env: Env): string {
  const h = env.HOME ?? env.USERPROFILE;
  if (!h) throw new Error('HOME is not set');
  return h;
}

/** `$XDG_CONFIG_HOME/mdlibs` (default `~/.config/mdlibs`). */
export function configDir(env: Env): string {
  return join(env.XDG_CONFIG_HOME || join(home(env), '.config'), 'mdlibs');
}

/** `$XDG_CACHE_HOME/mdlibs` (default `~/.cache/mdlibs`). */
export function defaultCacheDir(env: Env): string {
  return join(env.XDG_CACHE_HOME || join(home(env), '.cache'), 'mdlibs');
}

export const configFile = (env: Env): string => join(configDir(env), 'config.toml');
export const credentialsFile = (env: Env): string => join(configDir(env), 'credentials.toml');

/** Project files, relative to the project folder. */
export const PROJECT_FILE = '.mdlibs.toml';
export const LOCK_FILE = 'mdlibs.lock';
/** Held (with the holder's pid) while install, update or uninstall changes the project. */
export const PROJECT_LOCK_FILE = '.mdlibs.lock-file';
export const DEFAULT_INSTALL_DIR = 'libraries';
