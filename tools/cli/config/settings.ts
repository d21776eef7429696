/** Loads config.toml, credentials.toml, the project .mdlibs.toml and env, and resolves settings. */
import { join, resolve } from 'node:path';
import type { CommandContext } from '../command.js';
import { cliError } from '../errors.js';
import { ensurePrivateMode } from './credentials.js';
import { configFile, credentialsFile, DEFAULT_INSTALL_DIR, defaultCacheDir, PROJECT_FILE } from './paths.js';
import { credentialsSchema, globalConfigSchema, MAX_TIMEOUT_MS, projectFileSchema, timeoutIssue, type Credentials, type GlobalConfig, type ProjectFile } from './schema.js';
import { envLayer, isUrl, normalizeRegistryUrl, pick, type Layers, type Resolved, type SettingsLayer, type Source } from './settings-resolve.js';
import { readToml } from './toml-io.js';

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface NamedRegistry {
  name: string;
  url: string;
  from: 'global' | 'project';
}

export interface RegistryTarget {
  url: string;
  /** Configured name, or null when given as a URL. */
  name: string | null;
  source: Source;
  token: Resolved<string> | undefined;
}

export interface Settings {
  projectDir: string;
  project: ProjectFile | null;
  global: GlobalConfig;
  credentials: Credentials;
  registries: NamedRegistry[];
  defaultRegistry: Resolved<string> | undefined;
  timeoutMs: Resolved<number>;
  cacheDir: Resolved<string>;
  installDir: string;
  env: Record<string, string | undefined>;
  layers: Layers;
}

export interface SettingsFlags {
  registry?: string | undefined;
  token?: string | undefined;
  timeout?: number | undefined;
  path?: string | undefined;
}

export function loadSettings(ctx: CommandContext, flags: SettingsFlags = {}): Settings {
  const env = ctx.env;
  const flagIssue = flags.timeout === undefined ? null : timeoutIssue(flags.timeout);
  if (flagIssue) {
    // yargs turns `--timeout abc` into NaN; a timeout past 2^31-1 ms fired after 1 ms
    throw cliError('CLI_USAGE', `--timeout ${Number.isNaN(flags.timeout) ? '(not a number)' : String(flags.timeout)} ${flagIssue}`, `give milliseconds from 1 to ${MAX_TIMEOUT_MS}, e.g. --timeout 30000`);
  }
  const projectDir = resolve(ctx.cwd, flags.path ?? '.');
  const global = readToml(configFile(env), globalConfigSchema, 'global config') ?? globalConfigSchema.parse({});
  const loosened = ensurePrivateMode(env);
  if (loosened !== null) ctx.warn(`warning: ${credentialsFile(env)} was readable by others (mode ${loosened.toString(8)}); it is now 0600`);
  const credentials = readToml(credentialsFile(env), credentialsSchema, 'credentials file') ?? credentialsSchema.parse({});
  const project = readToml(join(projectDir, PROJECT_FILE), projectFileSchema, 'project file (.mdlibs.toml)');
  const layers: Layers = {
    defaults: { timeoutMs: DEFAULT_TIMEOUT_MS, cacheDir: defaultCacheDir(env) },
    global: { registry: global.default, timeoutMs: global.timeout_ms, cacheDir: global.cache_dir },
    project: { registry: project?.project?.registry, timeoutMs: project?.project?.timeout_ms },
    env: envLayer(env),
    flags: { registry: flags.registry, token: flags.token, timeoutMs: flags.timeout },
  };
  const byName = new Map<string, NamedRegistry>();
  for (const [name, r] of Object.entries(global.registries)) byName.set(name, { name, url: r.url, from: 'global' });
  for (const [name, r] of Object.entries(project?.registries ?? {})) byName.set(name, { name, url: r.url, from: 'project' });
  return {
    projectDir, project, global, credentials, env, layers,
    registries: [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : 1)),
    defaultRegistry: pick(layers, 'registry'),
    timeoutMs: pick(layers, 'timeoutMs') as Resolved<number>,
    cacheDir: pick(layers, 'cacheDir') as Resolved<string>,
    installDir: project?.project?.install_dir ?? DEFAULT_INSTALL_DIR,
  };
}

/** Resolves a registry name or URL to its normalised URL. */
export function registryUrlOf(s: Settings, nameOrUrl: string): { url: string; name: string | null } {
  if (isUrl(nameOrUrl)) {
    const url = normalizeRegistryUrl(nameOrUrl);
    return { url, name: s.registries.find((r) => safeNorm(r.url) === url)?.name ?? null };
  }
  const r = s.registries.find((x) => x.name === nameOrUrl);
  if (!r) {
    const known = s.registries.map((x) => x.name).join(', ') || 'none';
    throw cliError('CLI_REGISTRY_UNKNOWN', `no registry named "${nameOrUrl.slice(0, 64)}" (configured: ${known})`, 'add it with `mdlibs registry add <name> <url>` or pass a URL');
  }
  return { url: normalizeRegistryUrl(r.url), name: r.name };
}

function safeNorm(u: string): string | null {
  try {
    return normalizeRegistryUrl(u);
  } catch {
    return null;
  }
}

/** The registry a command talks to, with its token (flag > MDLIBS_TOKEN > credentials). */
export function targetRegistry(s: Settings): RegistryTarget {
  const chosen = s.defaultRegistry;
  if (!chosen) {
    if (s.registries.length) {
      const names = s.registries.map((r) => r.name);
      const shown = names.length > 5 ? `${names.slice(0, 5).join(', ')} and ${names.length - 5} more` : names.join(', ');
      throw cliError('CLI_NO_REGISTRY', `no default registry is set (configured: ${shown})`, `run \`mdlibs registry set-default ${names[0] ?? '<name>'}\`, or pass --registry <name|url>`);
    }
    throw cliError('CLI_NO_REGISTRY', 'no registry is configured', 'pass --registry <url>, set MDLIBS_REGISTRY_URL, or run `mdlibs registry add <name> <url>`');
  }
  const { url, name } = registryUrlOf(s, chosen.value);
  return { url, name, source: chosen.source, token: tokenFor(s, url, chosen.source) };
}

/** Token for a registry URL. Flag/env tokens apply only to the registry chosen by flag/env/config for this run. */
export function tokenFor(s: Settings, url: string, _registrySource?: Source): Resolved<string> | undefined {
  const explicit = pick({ ...s.layers, global: {}, project: {}, defaults: {} }, 'token');
  const current = s.defaultRegistry ? safeTarget(s, s.defaultRegistry.value) : null;
  if (explicit && current === url) return explicit;
  const c = s.credentials.registries[url];
  return c ? { value: c.token, source: 'credentials' } : undefined;
}

function safeTarget(s: Settings, v: string): string | null {
  try {
    return registryUrlOf(s, v).url;
  } catch {
    return null;
  }
}

export type { SettingsLayer };
