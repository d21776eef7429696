/**
 * Server configuration: one table of options (key, env var, flag, default, doc), one zod
 * schema. Sources, lowest first: defaults < config file (TOML or JSON) < environment < flags.
 * docs/server.md lists every option; test/server/docs.test.ts checks it against this table.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';

const bool = z.union([z.boolean(), z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((s) => ['true', '1', 'yes'].includes(s))]);
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const configSchema = z.object({
  publicDir: z.string().min(1),
  privateDir: z.string().min(1).optional(),
  dataDir: z.string().min(1).default('.mdlibs-data'),
  databaseUrl: z.string().min(1).optional(),
  databaseSchema: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('public'),
  host: z.string().min(1).default('127.0.0.1'),
  port: int(0, 65535).default(4873),
  anonymousRead: bool.default(true),
  rateLimitAnonymous: int(0, 1e9).default(60),
  rateLimitAuthenticated: int(0, 1e9).default(5000),
  rateLimitWindowSeconds: int(1, 86400 * 7).default(3600),
  corsOrigins: z.string().default('*'),
  trustProxy: bool.default(false),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  maxBodyBytes: int(1, 16 * 1024 * 1024).default(64 * 1024),
  maxHeaderBytes: int(1024, 1024 * 1024).default(16 * 1024),
  fileCacheMB: int(0, 4096).default(64),
  headersTimeoutMs: int(100, 3_600_000).default(60_000),
  requestTimeoutMs: int(100, 3_600_000).default(60_000),
  publicUrl: z.string().optional(),
  tokenRetentionDays: int(0, 3650).default(30),
  metricsToken: z.string().min(16).max(256).regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces').optional(),
});
export type ServerConfig = z.infer<typeof configSchema>;
export type ServerConfigInput = z.input<typeof configSchema>;

export interface OptionDoc { key: keyof ServerConfig; env: string; flag: string; doc: string }

export const OPTIONS: readonly OptionDoc[] = [
  { key: 'publicDir', env: 'MDLIBS_PUBLIC_DIR', flag: '--public-dir', doc: 'The public output folder of mdlibs-build (the `<out>` symlink). Required.' },
  { key: 'privateDir', env: 'MDLIBS_PRIVATE_DIR', flag: '--private-dir', doc: 'The private output folder (private scopes); served only to allowed tokens.' },
  { key: 'dataDir', env: 'MDLIBS_DATA_DIR', flag: '--data-dir', doc: 'Folder of the embedded SQLite store (`mdlibs.db`), used when no database URL is set.' },
  { key: 'databaseUrl', env: 'DATABASE_URL', flag: '--database-url', doc: 'PostgreSQL URL; when set, tokens, counts, rate limits and audit live there (share it between replicas).' },
  { key: 'databaseSchema', env: 'MDLIBS_DATABASE_SCHEMA', flag: '--database-schema', doc: 'PostgreSQL schema for the tables (created if missing).' },
  { key: 'host', env: 'HOST', flag: '--host', doc: 'Address to listen on (`0.0.0.0` in a container).' },
  { key: 'port', env: 'PORT', flag: '--port', doc: 'Port to listen on; 0 picks a free port.' },
  { key: 'anonymousRead', env: 'MDLIBS_ANONYMOUS_READ', flag: '--anonymous-read', doc: 'Serve public libraries without a token.' },
  { key: 'rateLimitAnonymous', env: 'MDLIBS_RATE_LIMIT_ANONYMOUS', flag: '--rate-limit-anonymous', doc: 'Requests per window per client IP without a token (API and tarballs); 0 turns it off.' },
  { key: 'rateLimitAuthenticated', env: 'MDLIBS_RATE_LIMIT_AUTHENTICATED', flag: '--rate-limit-authenticated', doc: 'Requests per window per token (API and tarballs); 0 turns it off.' },
  { key: 'rateLimitWindowSeconds', env: 'MDLIBS_RATE_LIMIT_WINDOW', flag: '--rate-limit-window', doc: 'Length of the fixed rate-limit window, in seconds.' },
  { key: 'corsOrigins', env: 'MDLIBS_CORS_ORIGINS', flag: '--cors-origins', doc: 'Comma-separated allowed origins for CORS, `*` for any, `none` to send no CORS headers.' },
  { key: 'trustProxy', env: 'MDLIBS_TRUST_PROXY', flag: '--trust-proxy', doc: 'Take the client IP from the last `X-Forwarded-For` entry, the one your proxy added (only behind one proxy you run).' },
  { key: 'logLevel', env: 'LOG_LEVEL', flag: '--log-level', doc: 'pino log level (`info` logs one JSON line per request).' },
  { key: 'maxBodyBytes', env: 'MDLIBS_MAX_BODY_BYTES', flag: '--max-body-bytes', doc: 'Largest accepted request body (413 above).' },
  { key: 'maxHeaderBytes', env: 'MDLIBS_MAX_HEADER_BYTES', flag: '--max-header-bytes', doc: 'Largest accepted request header block (431 above).' },
  { key: 'headersTimeoutMs', env: 'MDLIBS_HEADERS_TIMEOUT_MS', flag: '--headers-timeout-ms', doc: 'Time a client has to send the request headers, in milliseconds (408 `MDL_REQUEST_TIMEOUT` after it); at most `requestTimeoutMs`.' },
  { key: 'requestTimeoutMs', env: 'MDLIBS_REQUEST_TIMEOUT_MS', flag: '--request-timeout-ms', doc: 'Time a client has to send the whole request (headers and body), in milliseconds (408 `MDL_REQUEST_TIMEOUT` after it).' },
  { key: 'fileCacheMB', env: 'MDLIBS_FILE_CACHE_MB', flag: '--file-cache-mb', doc: 'Memory for cached tree files (tarballs, JSON); 0 reads every file from disk.' },
  { key: 'publicUrl', env: 'MDLIBS_PUBLIC_URL', flag: '--public-url', doc: 'URL printed at start-up and used in logs (defaults to http://host:port/).' },
  { key: 'tokenRetentionDays', env: 'MDLIBS_TOKEN_RETENTION_DAYS', flag: '--token-retention-days', doc: 'Days an expired or revoked token stays listed (`GET /auth/tokens?include=inactive`, `token list --include inactive`) before the store deletes its row (checked at start and every hour); a deleted token is refused as unknown (401 `MDL_TOKEN_INVALID`).' },
  { key: 'metricsToken', env: 'MDLIBS_METRICS_TOKEN', flag: '--metrics-token', doc: 'When set (16+ characters), `/metrics` answers only `Authorization: Bearer <this>` (Prometheus: `authorization.credentials`); else anyone may read it.' },
];

export const CONFIG_FILE_ENV = 'MDLIBS_CONFIG';

/** Reads a config file: TOML (`.toml`) or JSON; keys as in the option table. */
export function readConfigFile(path: string): Record<string, unknown> {
  const text = readFileSync(path, 'utf8');
  return path.endsWith('.json') ? (JSON.parse(text) as Record<string, unknown>) : (parseToml(text) as Record<string, unknown>);
}

export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of OPTIONS) if (env[o.env] !== undefined && env[o.env] !== '') out[o.key] = env[o.env];
  return out;
}

/** A configuration the server cannot start with; `mdlibs-server` prints `error MDL_CONFIG_INVALID: <message>`. */
export class ConfigError extends Error {
  readonly code = 'MDL_CONFIG_INVALID';
}

/**
 * Validates a configuration: each bad field named with its flag and environment variable (a
 * zod error printed whole was `error MDL_INTERNAL: [ { "expected": ...`), and the public and the
 * private folder never the same (the private tree's files would be served as public ones).
 */
export function parseConfig(input: Record<string, unknown>): ServerConfig {
  const r = configSchema.safeParse(input);
  if (!r.success) {
    const problems = r.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      const o = OPTIONS.find((x) => x.key === key);
      return `${key || '(config)'}${o ? ` (${o.flag}, ${o.env})` : ''}: ${i.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const c = r.data;
  if (c.privateDir !== undefined && resolve(c.privateDir) === resolve(c.publicDir)) {
    throw new ConfigError(`the public and the private folder are the same (${resolve(c.publicDir)}): give the builder's --out as the public folder and its --private-out as the private one`);
  }
  if (c.headersTimeoutMs > c.requestTimeoutMs) {
    throw new ConfigError(`headersTimeoutMs (--headers-timeout-ms, MDLIBS_HEADERS_TIMEOUT_MS) is ${c.headersTimeoutMs} ms, more than requestTimeoutMs (--request-timeout-ms, MDLIBS_REQUEST_TIMEOUT_MS), ${c.requestTimeoutMs} ms: the headers are part of the request, so give a headers timeout no longer than the request timeout`);
  }
  return c;
}

/** Merges the sources (later wins) and validates (parseConfig). */
export function resolveConfig(...sources: Record<string, unknown>[]): ServerConfig {
  const merged: Record<string, unknown> = {};
  for (const s of sources) for (const [k, v] of Object.entries(s)) if (v !== undefined) merged[k] = v;
  return parseConfig(merged);
}
