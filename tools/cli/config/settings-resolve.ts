/**
 * Pure settings resolution with the documented precedence:
 * defaults < global config < project .mdlibs.toml < MDLIBS_* environment < flags.
 * Every value carries where it came from (`mdlibs registry list --json` shows it).
 */
import { sanitizeForMessage } from '../../../index-builder/src/format/names.js';
import { cliError } from '../errors.js';
import { MAX_TIMEOUT_MS, timeoutIssue } from './schema.js';

export type Source = 'default' | 'global' | 'project' | 'env' | 'flag' | 'credentials';

export interface SettingsLayer {
  /** Registry name or URL. */
  registry?: string | undefined;
  timeoutMs?: number | undefined;
  cacheDir?: string | undefined;
  token?: string | undefined;
}

export interface Layers {
  defaults: SettingsLayer;
  global: SettingsLayer;
  project: SettingsLayer;
  env: SettingsLayer;
  flags: SettingsLayer;
}

export interface Resolved<T> {
  value: T;
  source: Source;
}

const ORDER: readonly (keyof Layers)[] = ['flags', 'env', 'project', 'global', 'defaults'];
const SOURCE: Record<keyof Layers, Source> = { flags: 'flag', env: 'env', project: 'project', global: 'global', defaults: 'default' };

/** The highest-precedence layer that sets `key`, or undefined. */
export function pick<K extends keyof SettingsLayer>(layers: Layers, key: K): Resolved<NonNullable<SettingsLayer[K]>> | undefined {
  for (const l of ORDER) {
    const v = layers[l][key];
    if (v !== undefined && v !== '') return { value: v as NonNullable<SettingsLayer[K]>, source: SOURCE[l] };
  }
  return undefined;
}

/** Environment variables the CLI reads. */
export function envLayer(env: Record<string, string | undefined>): SettingsLayer {
  const t = env.MDLIBS_TIMEOUT_MS ? Number(env.MDLIBS_TIMEOUT_MS) : undefined;
  const issue = t === undefined ? null : timeoutIssue(t);
  if (issue) {
    throw cliError('CLI_CONFIG_INVALID', `MDLIBS_TIMEOUT_MS="${sanitizeForMessage(env.MDLIBS_TIMEOUT_MS ?? '', 40)}" ${issue}`, `set it to a number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, e.g. 30000, or unset it`);
  }
  return { registry: env.MDLIBS_REGISTRY_URL || undefined, token: env.MDLIBS_TOKEN || undefined, cacheDir: env.MDLIBS_CACHE_DIR || undefined, timeoutMs: t };
}

/** `https://Host:443/a` → `https://host/a/`: one key per registry for credentials and the lockfile. */
export function normalizeRegistryUrl(input: string): string {
  let u: URL;
  try {
    u = new URL(input);
  } catch {
    throw cliError('CLI_URL_INVALID', `"${input.slice(0, 200)}" is not a URL`, 'give the registry root URL, e.g. https://registry.example.com/');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    throw cliError('CLI_URL_INVALID', `registry URL must be http(s), got ${u.protocol}`, 'give the registry root URL, e.g. https://registry.example.com/');
  }
  if (u.username || u.password) {
    throw cliError('CLI_URL_INVALID', 'registry URL must not carry a user name or password', 'remove user:password@ from the URL and run `mdlibs login` to store a token');
  }
  u.hash = '';
  u.search = '';
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.toString();
}

export const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);
