/** docs/server.md cannot drift: every option (with env var, flag and default) and every error code is documented. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, OPTIONS, SERVER_ERRORS } from '../../static-server/src/index.js';

const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'server.md'), 'utf8');

describe('docs/server.md', () => {
  it('has one exact table row per config option', () => {
    const defaults = configSchema.parse({ publicDir: 'x' }) as Record<string, unknown>;
    const keys = Object.keys(configSchema.shape);
    expect(OPTIONS.map((o) => o.key).sort()).toEqual(keys.sort());
    for (const o of OPTIONS) {
      const def = o.key === 'publicDir' ? '(required)' : defaults[o.key] === undefined ? '(none)' : `\`${JSON.stringify(defaults[o.key])}\``;
      expect(doc).toContain(`| \`${o.key}\` | \`${o.env}\` | \`${o.flag}\` | ${def} | ${o.doc} |`);
    }
  });

  it('documents every error code with its status, and no unknown code', () => {
    for (const [code, e] of Object.entries(SERVER_ERRORS)) expect(doc).toContain(`### ${code}\n**Status:** ${e.status}.`);
    const documented = [...doc.matchAll(/^### (MDL_[A-Z_]+)$/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(Object.keys(SERVER_ERRORS).sort());
  });
});

describe('public API of static-server/src/index.ts', () => {
  it('changes only on purpose', async () => {
    const mod = await import('../../static-server/src/index.js');
    expect(Object.keys(mod).sort()).toEqual([
      'ConfigError', 'OPTIONS', 'SERVER_ERRORS', 'SQLITE_FILE', 'ServerError', 'TOKEN_PREFIX', 'configFromEnv', 'configSchema', 'hashToken', 'issueToken',
      'openPostgresStore', 'openSqliteStore', 'openStore', 'parseExpiry', 'readConfigFile', 'resolveConfig', 'startServer', 'tokenView',
    ]);
  });
});
