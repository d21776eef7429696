/** The CLI against the real mdlibs server (static-server/) on loopback: private scopes, tokens, the API. */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startServer, type RunningServer } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let server: RunningServer;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'guide', version: '1.0.0', description: 'Public style guide' },
    { scope: 'secret', name: 'plans', version: '1.0.0', description: 'Secret plans zebracorn', dependencies: { '@acme/guide': '^1.0.0' } },
  ], { api: '/api/v1' });
  server = await startServer({ publicDir: reg.out, privateDir: reg.priv, dataDir: tempDir('mdlibs-cli-srv-'), port: 0, logLevel: 'silent', rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
  tokens.alice = (await issueToken(server.store, { owner: 'alice', name: 'laptop', scopes: ['secret'] })).secret;
  tokens.expired = (await issueToken(server.store, { owner: 'alice', name: 'old', scopes: ['secret'], expiresIn: -1000 })).secret;
  tokens.publicOnly = (await issueToken(server.store, { owner: 'alice', name: 'public-only', scopes: [] })).secret;
  tokens.shortLived = (await issueToken(server.store, { owner: 'alice', name: 'two-days', scopes: ['secret'], expiresIn: 2 * 86_400_000 })).secret;
});
afterAll(async () => {
  await server?.close();
});

describe('the CLI against the mdlibs server', () => {
  it('installs a public library through the server without a token', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/guide', '--registry', server.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'utf8')).toContain('Version 1.0.0');
  });

  it('a private library without a token: not found, with a hint to log in', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@secret/plans', '--registry', server.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('CLI_LIBRARY_NOT_FOUND');
    expect(r.stderr).toContain('mdlibs login');
  });

  it('login verifies the token with the server, stores it 0600, and install then reads the private scope', async () => {
    const cli = cliEnv();
    expect((await cli.run(['registry', 'add', 'corp', server.url, '--default'])).code).toBe(0);
    const login = await cli.run(['login', '--token', tokens.alice as string]);
    expect(login.code).toBe(0);
    expect(login.stdout).toContain(`logged in to ${server.url} as alice`);
    const cred = join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs', 'credentials.toml');
    expect(statSync(cred).mode & 0o777).toBe(0o600);
    expect(statSync(join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs')).mode & 0o077).toBe(0);
    expect(readFileSync(cred, 'utf8')).toContain(tokens.alice);
    const inst = await cli.run(['install', '@secret/plans']);
    expect(inst.code).toBe(0);
    expect(inst.stdout).toContain('+ @secret/plans@1.0.0');
    expect(inst.stdout).toContain('+ @acme/guide@1.0.0');
    const who = await cli.run(['whoami', '--json']);
    expect(who.json()).toMatchObject({ user: 'alice', tokenFrom: 'credentials', private_scopes: ['@secret'] });
    const list = await cli.run(['registry', 'list']);
    expect(list.stdout).toContain('logged in');
    for (const out of [login.stdout, login.stderr, inst.stdout, inst.stderr, who.stdout, list.stdout]) expect(out).not.toContain(tokens.alice);
    // logout forgets it; the private library is out of reach again
    expect((await cli.run(['logout'])).stdout).toContain('logged out');
    expect(readFileSync(cred, 'utf8')).not.toContain(tokens.alice);
    const again = await cliEnv({ XDG_CONFIG_HOME: cli.env.XDG_CONFIG_HOME }).run(['whoami']);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain('CLI_AUTH_REQUIRED');
  });

  it('login reads the token from stdin when none is given (never echoed)', async () => {
    const cli = cliEnv();
    const r = await cli.run(['login', '--registry', server.url], { stdin: `${tokens.alice}\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('as alice');
    expect(r.stdout + r.stderr).not.toContain(tokens.alice);
    const empty = await cli.run(['login', '--registry', server.url], { stdin: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toContain('CLI_USAGE');
  });

  it('a token without the scope cannot install the private library', async () => {
    const cli = cliEnv({ MDLIBS_TOKEN: tokens.publicOnly });
    const r = await cli.run(['install', '@secret/plans', '--registry', server.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('check your token may read its scope');
  });

  it('an expired token gets a message that says so and what to do', async () => {
    const cli = cliEnv();
    const login = await cli.run(['login', '--registry', server.url, '--token', tokens.expired as string]);
    expect(login.code).toBe(4);
    expect(login.stderr).toContain('error CLI_AUTH_EXPIRED: the token for');
    expect(login.stderr).toContain('has expired');
    expect(login.stderr).toContain('fix: create a new token');
    expect(login.stderr).not.toContain(tokens.expired);
    const inst = await cli.run(['install', '@secret/plans', '--registry', server.url], { env: { MDLIBS_TOKEN: tokens.expired } });
    expect(inst.code).toBe(4);
    expect(inst.stderr).toContain('CLI_AUTH_EXPIRED');
    // --json: the error's details (the HTTP status and the server's code), never the token
    const j = await cli.run(['whoami', '--registry', server.url, '--json'], { env: { MDLIBS_TOKEN: tokens.expired } });
    expect(j.code).toBe(4);
    expect(j.json<{ error: unknown }>().error).toMatchObject({ code: 'CLI_AUTH_EXPIRED', details: { status: 401, serverCode: expect.stringMatching(/^MDL_/) } });
    expect(j.stdout + j.stderr).not.toContain(tokens.expired);
  });

  it('token create shows the secret once; list never does; revoke by name works and the token stops working', async () => {
    const cli = cliEnv({ MDLIBS_REGISTRY_URL: server.url, MDLIBS_TOKEN: tokens.alice });
    const c = await cli.run(['token', 'create', '--name', 'ci-docs', '--scope', '@secret', '--expires', '30d', '--json']);
    expect(c.code).toBe(0);
    const created = c.json<{ token: string; id: string; name: string; scopes: string[] }>();
    expect(created.token).toMatch(/^mdl_[A-Za-z0-9]{40}$/);
    expect(created.scopes).toEqual(['@secret']);
    const human = await cli.run(['token', 'create', 'other']); // named as `token revoke` names it (it needed --name)
    expect(human.code).toBe(0);
    expect(human.stdout).toContain('created token "other"');
    expect(human.stdout).toContain('This is the only time the token is shown');
    const unnamed = await cli.run(['token', 'create']);
    expect(unnamed.code).toBe(2);
    expect(unnamed.stderr).toContain('CLI_USAGE: the token needs a name');
    const twice = await cli.run(['token', 'create', 'one', '--name', 'two']);
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('two names given');
    const l = await cli.run(['token', 'list']);
    expect(l.code).toBe(0);
    expect(l.stdout).toContain('ci-docs');
    expect(l.stdout).toContain(created.id);
    expect(l.stdout).not.toMatch(/mdl_[A-Za-z0-9]{40}/);
    const r = await cli.run(['token', 'revoke', 'ci-docs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`revoked token "ci-docs" (${created.id})`);
    const who = await cliEnv({ MDLIBS_REGISTRY_URL: server.url, MDLIBS_TOKEN: created.token }).run(['whoami']);
    expect(who.code).toBe(4);
    expect(who.stderr).toContain('CLI_AUTH_INVALID');
    const missing = await cli.run(['token', 'revoke', 'no-such-token']);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('CLI_TOKEN_NOT_FOUND');
  });

  it('token list shows active tokens; --all adds the revoked and expired ones, each marked with its state (a column, and state in --json)', async () => {
    const cli = cliEnv({ MDLIBS_REGISTRY_URL: server.url, MDLIBS_TOKEN: tokens.alice });
    const c = await cli.run(['token', 'create', '--name', 'gone-soon', '--json']);
    expect(c.code).toBe(0);
    const id = c.json<{ id: string }>().id;
    expect((await cli.run(['token', 'revoke', id])).code).toBe(0);
    type Listed = { tokens: { id: string; name: string; state: string; revoked_at: string | null }[] };
    const active = await cli.run(['token', 'list']);
    expect(active.code, active.stderr).toBe(0);
    expect(active.stdout).toMatch(/^ID\s+NAME\s+SCOPES\s+EXPIRES\s+LAST USED\s+STATE$/m);
    expect(active.stdout).toMatch(/laptop\s.*\sactive$/m);
    expect(active.stdout).not.toContain(id);
    expect(active.stdout).not.toContain('revoked');
    expect(active.stdout).not.toMatch(/\bold\b/);
    const activeJson = (await cli.run(['token', 'list', '--json'])).json<Listed>().tokens;
    expect(activeJson.map((t) => t.id)).not.toContain(id);
    expect(new Set(activeJson.map((t) => t.state))).toEqual(new Set(['active']));
    const all = await cli.run(['token', 'list', '--all']);
    expect(all.code, all.stderr).toBe(0);
    expect(all.stdout).toMatch(new RegExp(`^${id}\\s+gone-soon\\s.*\\srevoked$`, 'm'));
    expect(all.stdout).toMatch(/\sold\s.*\sexpired$/m);
    expect(all.stdout).toMatch(/laptop\s.*\sactive$/m);
    const allJson = (await cli.run(['token', 'list', '--all', '--json'])).json<Listed>().tokens;
    expect(allJson.find((t) => t.id === id)).toMatchObject({ name: 'gone-soon', state: 'revoked', revoked_at: expect.any(String) });
    expect(allJson.find((t) => t.name === 'old')).toMatchObject({ state: 'expired' });
    for (const out of [active.stdout, all.stdout, JSON.stringify(allJson)]) expect(out).not.toMatch(/mdl_[A-Za-z0-9]{40}/);
  });

  it('token create from a token that expires: without --expires the new one ends with it; a longer --expires is refused with the reason', async () => {
    const cli = cliEnv({ MDLIBS_REGISTRY_URL: server.url, MDLIBS_TOKEN: tokens.shortLived });
    const c = await cli.run(['token', 'create', '--name', 'from-short', '--json']);
    expect(c.code).toBe(0);
    const expiresAt = Date.parse(c.json<{ expires_at: string }>().expires_at);
    expect(expiresAt).toBeGreaterThan(Date.now() + 86_400_000);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 2 * 86_400_000);
    const longer = await cli.run(['token', 'create', '--name', 'too-long', '--expires', '90d']);
    expect(longer.code).not.toBe(0);
    expect(longer.stderr).toContain('may not outlive');
    expect((await cli.run(['token', 'create', '--name', 'shorter', '--expires', '12h'])).code).toBe(0);
  });

  it('search goes through the server API (downloads, private hits only with a token)', async () => {
    const anon = await cliEnv().run(['search', 'zebracorn', '--registry', server.url, '--json']);
    expect(anon.code).toBe(0);
    expect(anon.json<{ via: string; hits: unknown[] }>()).toMatchObject({ via: 'api', hits: [] });
    const withToken = await cliEnv({ MDLIBS_TOKEN: tokens.alice }).run(['search', 'zebracorn', '--registry', server.url, '--json']);
    expect(withToken.json<{ hits: { name: string; visibility: string }[] }>().hits).toMatchObject([{ name: '@secret/plans', visibility: 'private' }]);
    const guide = await cliEnv().run(['search', 'guide', '--registry', server.url, '--sort', 'downloads']);
    expect(guide.code).toBe(0);
    expect(guide.stdout).toMatch(/@acme\/guide\s+1\.0\.0\s+Public style guide\s+\d+/);
  });

  it('a search the server refuses (over 16 words) says why and to change the arguments, not to check the registry URL', async () => {
    const words = Array.from({ length: 17 }, (_, i) => `word${i}`).join(' ');
    const r = await cliEnv().run(['search', words, '--registry', server.url]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('has 17 distinct words; search with at most 16');
    expect(r.stderr).toContain('change the arguments');
    expect(r.stderr).not.toContain('check the registry URL');
  });

  it('a rate-limited registry says when to retry', async () => {
    const limited = await startServer({ publicDir: reg.out, privateDir: reg.priv, dataDir: tempDir('mdlibs-cli-srv-'), port: 0, logLevel: 'silent', rateLimitAnonymous: 1 });
    try {
      const cli = cliEnv();
      await cli.run(['search', 'guide', '--registry', limited.url]);
      const r = await cli.run(['search', 'guide', '--registry', limited.url]);
      expect(r.code).toBe(3);
      expect(r.stderr).toContain('CLI_RATE_LIMITED');
      expect(r.stderr).toMatch(/wait \d+ s and retry/);
    } finally {
      await limited.close();
    }
  });

  it('login against a plain static registry explains that it needs a server', async () => {
    const noApi = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
    const s = await startStaticHost(noApi.out);
    try {
      const r = await cliEnv().run(['login', '--registry', s.url, '--token', tokens.alice as string]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('CLI_NO_SERVER');
    } finally {
      await s.close();
    }
  });
});
