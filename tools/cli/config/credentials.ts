/** credentials.toml: tokens per registry URL, written with mode 0600 (never printed). */
import { chmodSync, existsSync, statSync } from 'node:fs';
import { credentialsFile } from './paths.js';
import { credentialsSchema, type Credentials } from './schema.js';
import { readToml, writeToml } from './toml-io.js';

type Env = Record<string, string | undefined>;

export function readCredentials(env: Env): Credentials {
  return readToml(credentialsFile(env), credentialsSchema, 'credentials file') ?? credentialsSchema.parse({});
}

export function saveToken(env: Env, url: string, token: string, user: string | undefined, now = new Date()): string {
  const c = readCredentials(env);
  c.registries[url] = { token, ...(user ? { user } : {}), created: now.toISOString() };
  const file = credentialsFile(env);
  writeToml(file, c, 0o600);
  return file;
}

/** Removes a registry's token; true when there was one. */
export function removeToken(env: Env, url: string): boolean {
  const c = readCredentials(env);
  if (!c.registries[url]) return false;
  delete c.registries[url];
  writeToml(credentialsFile(env), c, 0o600);
  return true;
}

/** Tightens a credentials file someone made world-readable; returns the old mode when it changed it. */
export function ensurePrivateMode(env: Env): number | null {
  const file = credentialsFile(env);
  if (!existsSync(file)) return null;
  const mode = statSync(file).mode & 0o777;
  if ((mode & 0o077) === 0) return null;
  chmodSync(file, 0o600);
  return mode;
}
