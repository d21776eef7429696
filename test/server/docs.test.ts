/** docs/server.md cannot drift: every option (with env var, flag and default) and every error code is documented, and `mdlibs-server` takes the flags it documents. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configSchema, OPTIONS, SERVER_ERRORS } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { runBin } from './spawn.js';

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

describe('mdlibs-server flags', () => {
  /** The flags --help lists, in order (wrapped description lines are indented further). */
  const helpFlags = (out: string) => [...out.matchAll(/^ {2}(--\S+)/gm)].map((m) => m[1]);

  it('--help shows every option under its documented kebab-case flag, none in camelCase', async () => {
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    expect(helpFlags(help.stdout)).toEqual(['--version', '--config', ...OPTIONS.map((o) => o.flag), '--help']);
    expect(help.stdout).not.toMatch(/--[a-z]+[A-Z]/);
    expect(help.stdout).toMatch(/^ {2}--rate-limit-window +Length of the fixed rate-limit window/m);
    const list = await runBin(['token', 'list', '--help']);
    expect(helpFlags(list.stdout)).toEqual(['--version', '--config', ...OPTIONS.map((o) => o.flag), '--help', '--owner', '--include', '--json']);
    expect(list.stdout).not.toMatch(/--[a-z]+[A-Z]/);
  });

  it('takes each option by its documented flag and by its camelCase key (--rate-limit-window and --file-cache-mb were unknown arguments)', async () => {
    const bad: Record<string, string> = { port: 'x', rateLimitWindowSeconds: '0', fileCacheMB: '-1', tokenRetentionDays: '-1', maxBodyBytes: '0', logLevel: 'loud', databaseSchema: 'Bad-Name', anonymousRead: 'maybe', trustProxy: 'maybe', metricsToken: 'short' };
    for (const spelling of ['flag', 'key'] as const) {
      const args = OPTIONS.filter((o) => o.key in bad).flatMap((o) => [spelling === 'flag' ? o.flag : `--${o.key}`, bad[o.key] as string]);
      const r = await runBin(['serve', '--public-dir', tempDir(), ...args]);
      expect(r.code, spelling).toBe(1);
      expect(r.stderr, spelling).not.toContain('Unknown argument');
      for (const o of OPTIONS.filter((x) => x.key in bad)) expect(r.stderr, `${spelling} ${o.key}`).toContain(`${o.key} (${o.flag}, ${o.env})`);
    }
    // a good value reaches the command the same way under either spelling
    const data = tempDir();
    const made = await runBin(['token', 'create', '--owner', 'alice', '--data-dir', data, '--token-retention-days', '7', '--json']);
    expect(made.code).toBe(0);
    const id = (JSON.parse(made.stdout) as { id: string }).id;
    expect((await runBin(['token', 'list', '--dataDir', data, '--tokenRetentionDays', '7'])).stdout).toContain(id);
    expect((await runBin(['token', 'list', '--data-dir', data])).stdout).toContain(id);
  });
});
