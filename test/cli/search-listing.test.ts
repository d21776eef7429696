/**
 * `mdlibs search --scope @acme` / `--tag docs` with no words: every library they select, by name,
 * from a plain static host (the prebuilt index) and through the server (the API). It answered
 * "Not enough non-option arguments" before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startServer, type RunningServer } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;
let server: RunningServer;
let token: string;

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'zeta', version: '1.0.0', description: 'Last by name' },
    { scope: 'acme', name: 'alpha', version: '1.0.0', description: 'First by name' },
    { scope: 'acme', name: 'mid', version: '2.1.0', description: 'In between' },
    { scope: 'other', name: 'elsewhere', version: '1.0.0', description: 'Another scope' },
    { scope: 'secret', name: 'plans', version: '1.0.0', description: 'Private plans' },
  ], { scopes: { acme: 'public', other: 'public', secret: 'private' } });
  host = await startStaticHost(reg.out);
  server = await startServer({ publicDir: reg.out, privateDir: reg.priv, dataDir: tempDir('mdlibs-cli-srv-'), port: 0, logLevel: 'silent', rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
  token = (await issueToken(server.store, { owner: 'alice', name: 'laptop', scopes: ['secret'] })).secret;
});
afterAll(async () => {
  await host?.close();
  await server?.close();
});

const names = (r: { json: <T>() => T }) => r.json<{ hits: { name: string }[] }>().hits.map((h) => h.name);

describe('search without words lists what --scope or --tag selects', () => {
  for (const where of ['static host', 'server'] as const) {
    it(`on a ${where}: every library of the scope by name, every one with the tag, and a clear error with neither`, async () => {
      const url = where === 'server' ? server.url : host.url;
      const cli = cliEnv();
      const scope = await cli.run(['search', '--scope', '@acme', '--registry', url, '--json']);
      expect(scope.stderr).toBe('');
      expect(scope.json<{ via: string }>().via).toBe(where === 'server' ? 'api' : 'static-index');
      expect(names(scope)).toEqual(['@acme/alpha', '@acme/mid', '@acme/zeta']);
      expect(names(await cli.run(['search', '--tag', 'docs', '--registry', url, '--json']))).toEqual(['@acme/alpha', '@acme/mid', '@acme/zeta', '@other/elsewhere']);
      expect(names(await cli.run(['search', '--tag', 'nobody-has-it', '--registry', url, '--json']))).toEqual([]);
      const text = await cli.run(['search', '--scope', 'acme', '--registry', url]);
      expect(text.stdout).toMatch(/@acme\/mid\s+2\.1\.0\s+In between/);
      const none = await cli.run(['search', '--registry', url]);
      expect(none.code).toBe(2);
      expect(none.stderr).toContain('CLI_USAGE: the search query is empty');
      expect(none.stderr).toContain('--scope @acme / --tag <tag> to list libraries');
    });
  }

  it('lists a private scope only for a token that may read it (server)', async () => {
    expect(names(await cliEnv().run(['search', '--scope', '@secret', '--registry', server.url, '--json']))).toEqual([]);
    expect(names(await cliEnv({ MDLIBS_TOKEN: token }).run(['search', '--scope', '@secret', '--registry', server.url, '--json']))).toEqual(['@secret/plans']);
  });
});
