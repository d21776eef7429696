import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePrivateMode, saveToken } from '../../tools/cli/config/credentials.js';
import { loadSettings, targetRegistry } from '../../tools/cli/config/settings.js';
import { envLayer, normalizeRegistryUrl, pick, type Layers } from '../../tools/cli/config/settings-resolve.js';
import { makeContext } from '../../tools/cli/main.js';
import { cliEnv, type CliEnv } from './helpers/cli.js';
import { buildFixture } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let host: StaticHost;
beforeAll(async () => {
  host = await startStaticHost((await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }])).out);
});
afterAll(async () => {
  await host?.close();
});

const layers = (o: Partial<Record<keyof Layers, { registry?: string }>>): Layers => ({ defaults: {}, global: {}, project: {}, env: {}, flags: {}, ...o });

describe('config precedence: defaults < global < project < env < flags', () => {
  // each row: which layers set the registry → which wins
  const table: [Partial<Record<keyof Layers, string>>, string, string][] = [
    [{}, 'none', 'none'],
    [{ global: 'g' }, 'g', 'global'],
    [{ global: 'g', project: 'p' }, 'p', 'project'],
    [{ global: 'g', project: 'p', env: 'e' }, 'e', 'env'],
    [{ global: 'g', project: 'p', env: 'e', flags: 'f' }, 'f', 'flag'],
    [{ global: 'g', flags: 'f' }, 'f', 'flag'],
    [{ project: 'p', env: 'e' }, 'e', 'env'],
    [{ global: 'g', env: 'e' }, 'e', 'env'],
  ];
  it.each(table)('%o → %s (%s)', (set, value, source) => {
    const l = layers(Object.fromEntries(Object.entries(set).map(([k, v]) => [k, { registry: v }])));
    const got = pick(l, 'registry');
    expect(got ? [got.value, got.source] : ['none', 'none']).toEqual([value, source]);
  });

  it('reads every layer from its real place', () => {
    const cli = cliEnv();
    const ctx = (env: Record<string, string | undefined> = {}) => makeContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: { ...cli.env, ...env }, cwd: cli.cwd });
    mkdirSync(join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs'), { recursive: true });
    writeFileSync(join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs', 'config.toml'), 'default = "g"\ntimeout_ms = 1111\n[registries.g]\nurl = "https://global.example/"\n[registries.p]\nurl = "https://overridden.example/"\n');
    expect(targetRegistry(loadSettings(ctx())).url).toBe('https://global.example/');
    expect(loadSettings(ctx()).timeoutMs).toEqual({ value: 1111, source: 'global' });
    writeFileSync(join(cli.cwd, '.mdlibs.toml'), '[project]\nregistry = "p"\ntimeout_ms = 2222\n[registries.p]\nurl = "https://project.example"\n');
    expect(targetRegistry(loadSettings(ctx()))).toMatchObject({ url: 'https://project.example/', name: 'p', source: 'project' });
    expect(loadSettings(ctx()).timeoutMs.value).toBe(2222);
    const e = ctx({ MDLIBS_REGISTRY_URL: 'https://env.example', MDLIBS_TIMEOUT_MS: '3333' });
    expect(targetRegistry(loadSettings(e))).toMatchObject({ url: 'https://env.example/', source: 'env' });
    expect(loadSettings(e).timeoutMs.value).toBe(3333);
    const f = loadSettings(e, { registry: 'g', timeout: 4444 });
    expect(targetRegistry(f)).toMatchObject({ url: 'https://global.example/', source: 'flag' });
    expect(f.timeoutMs).toEqual({ value: 4444, source: 'flag' });
  });

  it('MDLIBS_TOKEN beats stored credentials, and only for the registry in use', () => {
    const cli = cliEnv();
    saveToken(cli.env, 'https://a.example/', 'stored-a', 'alice');
    const ctx = (env: Record<string, string | undefined>) => makeContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: { ...cli.env, ...env }, cwd: cli.cwd });
    expect(targetRegistry(loadSettings(ctx({ MDLIBS_REGISTRY_URL: 'https://a.example' }))).token).toEqual({ value: 'stored-a', source: 'credentials' });
    expect(targetRegistry(loadSettings(ctx({ MDLIBS_REGISTRY_URL: 'https://a.example', MDLIBS_TOKEN: 'env-t' }))).token).toEqual({ value: 'env-t', source: 'env' });
    const s = loadSettings(ctx({ MDLIBS_REGISTRY_URL: 'https://b.example', MDLIBS_TOKEN: 'env-t' }));
    expect(targetRegistry(s).token?.value).toBe('env-t');
    expect(s.credentials.registries['https://b.example/']).toBeUndefined();
  });

  it('--timeout and MDLIBS_TIMEOUT_MS follow the rule of timeout_ms (a positive whole number up to 600000): "abc" gave "within NaN ms", 3000000000 fired after 1 ms', async () => {
    const cli = cliEnv();
    host.log.length = 0;
    for (const v of ['abc', '-5', '0', '1.5', '3000000000', '600001']) {
      const r = await cli.run(['search', 'guide', '--registry', host.url, `--timeout=${v}`]);
      expect(r.code, v).toBe(2);
      expect(r.stderr, v).toMatch(/^error CLI_USAGE: --timeout (-?[\d.]+|\(not a number\)) is (not a positive whole number of milliseconds|more than 600000 ms \(10 minutes\))\n {2}fix: give milliseconds from 1 to 600000, e\.g\. --timeout 30000\n$/);
      expect(r.stderr, v).not.toContain('NaN');
    }
    for (const v of ['3000000000', 'abc', '-1']) {
      const r = await cli.run(['search', 'guide', '--registry', host.url], { env: { MDLIBS_TIMEOUT_MS: v } });
      expect(r.code, v).toBe(1);
      expect(r.stderr, v).toContain(`error CLI_CONFIG_INVALID: MDLIBS_TIMEOUT_MS="${v}" is`);
      expect(r.stderr, v).toContain('from 1 to 600000');
    }
    expect(host.log).toEqual([]);
    expect((await cli.run(['search', 'guide', '--registry', host.url, '--timeout=600000'])).code).toBe(0);
    expect((await cli.run(['search', 'guide', '--registry', host.url], { env: { MDLIBS_TIMEOUT_MS: '600000' } })).code).toBe(0);
  });

  it('bad values fail with the file and field named', async () => {
    const cli = cliEnv();
    mkdirSync(join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs'), { recursive: true });
    writeFileSync(join(cli.env.XDG_CONFIG_HOME as string, 'mdlibs', 'config.toml'), 'timeout_ms = "soon"\n');
    const r = await cli.run(['registry', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CLI_CONFIG_INVALID');
    expect(r.stderr).toContain('config.toml does not match the global config schema at timeout_ms');
    expect(() => envLayer({ MDLIBS_TIMEOUT_MS: 'abc' })).toThrow(/MDLIBS_TIMEOUT_MS/);
    expect(() => normalizeRegistryUrl('ftp://x')).toThrow(/http/);
    expect(() => normalizeRegistryUrl('https://user:pw@x.example')).toThrow(/user name or password/);
    expect(normalizeRegistryUrl('HTTPS://X.example:443/reg?x=1#y')).toBe('https://x.example/reg/');
  });
});

describe('credentials file', () => {
  it('is written with mode 0600 in a 0700 folder, and a loosened file is tightened', () => {
    const cli = cliEnv();
    const file = saveToken(cli.env, 'https://a.example/', 'mdl_secret', 'alice');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    saveToken(cli.env, 'https://b.example/', 'mdl_other', undefined);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('mdl_other');
    chmodSync(file, 0o644);
    expect(ensurePrivateMode(cli.env)).toBe(0o644);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('any command tightens a world-readable credentials file and says so', async () => {
    const cli = cliEnv();
    const file = saveToken(cli.env, 'https://a.example/', 'mdl_secret', 'alice');
    chmodSync(file, 0o644);
    const r = await cli.run(['registry', 'list']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('was readable by others (mode 644); it is now 0600');
    expect(r.stderr + r.stdout).not.toContain('mdl_secret');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe('mdlibs registry add|list|remove|set-default', () => {
  let cli: CliEnv;
  beforeAll(() => {
    cli = cliEnv();
  });

  it('add checks the URL is a registry and can make it the default', async () => {
    const r = await cli.run(['registry', 'add', 'test', host.url, '--default']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`added test → ${host.url} ("Test Registry") (default)`);
    const bad = await cli.run(['registry', 'add', 'nope', `${host.url}nothing-here/`]);
    expect(bad.code).toBe(5);
    expect(bad.stderr).toContain('has no config.json');
    expect((await cli.run(['registry', 'add', 'x', 'ftp://a'])).stderr).toContain('CLI_URL_INVALID');
    const clash = await cli.run(['registry', 'add', 'test', 'https://elsewhere.example/', '--no-verify']);
    expect(clash.code).toBe(1);
    expect(clash.stderr).toContain('CLI_REGISTRY_EXISTS');
  });

  it('add makes the first registry the default when no config file names one, and a command without a default names the registries it could use', async () => {
    const c = cliEnv();
    const first = await c.run(['registry', 'add', 'only', host.url]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`added only → ${host.url} ("Test Registry") (default)`);
    const second = await c.run(['registry', 'add', 'later', 'https://later.example/', '--no-verify']);
    expect(second.stdout).not.toContain('(default)');
    expect((await c.run(['registry', 'list', '--json'])).json<{ default: { value: string } }>().default.value).toBe('only');
    expect((await c.run(['search', 'guide'])).stderr).not.toContain('CLI_NO_REGISTRY');

    // registries, none the default (a hand-written config.toml): the error names them and the fix
    const d = cliEnv();
    mkdirSync(join(d.env.XDG_CONFIG_HOME as string, 'mdlibs'), { recursive: true });
    writeFileSync(join(d.env.XDG_CONFIG_HOME as string, 'mdlibs/config.toml'), '[registries.alpha]\nurl = "https://alpha.example/"\n[registries.beta]\nurl = "https://beta.example/"\n');
    const r = await d.run(['search', 'guide']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('CLI_NO_REGISTRY: no default registry is set (configured: alpha, beta)');
    expect(r.stderr).toContain('mdlibs registry set-default alpha');
    expect((await cliEnv().run(['search', 'guide'])).stderr).toContain('CLI_NO_REGISTRY: no registry is configured');

    // a broken project file in the folder does not stop a global `registry add --no-verify` (it never read it)
    const e = cliEnv();
    writeFileSync(join(e.cwd, '.mdlibs.toml'), 'this is = = not toml');
    const add = await e.run(['registry', 'add', 'z', 'https://z.example/', '--no-verify']);
    expect(add.stderr).toBe('');
    expect(add.stdout).toContain('added z → https://z.example/ (default)');
  });

  it('list shows registries, the default and where it came from', async () => {
    await cli.run(['registry', 'add', 'second', 'https://second.example', '--no-verify']);
    const r = await cli.run(['registry', 'list', '--json']);
    expect(r.json()).toEqual({
      registries: [
        { name: 'second', url: 'https://second.example/', from: 'global', default: false, loggedIn: false },
        { name: 'test', url: host.url, from: 'global', default: true, loggedIn: false },
      ],
      default: { value: 'test', url: host.url, source: 'global' },
    });
    const env = await cli.run(['registry', 'list', '--json'], { env: { MDLIBS_REGISTRY_URL: 'https://second.example' } });
    expect(env.json<{ default: unknown }>().default).toEqual({ value: 'https://second.example', url: 'https://second.example/', source: 'env' });
  });

  it('list never prints a user name, password or token a hand-edited config.toml or MDLIBS_REGISTRY_URL puts in a registry URL (it listed them as written)', async () => {
    const c = cliEnv();
    mkdirSync(join(c.env.XDG_CONFIG_HOME as string, 'mdlibs'), { recursive: true });
    writeFileSync(join(c.env.XDG_CONFIG_HOME as string, 'mdlibs/config.toml'), 'default = "leaky"\n[registries.leaky]\nurl = "https://alice:hunter2@reg.example/?token=mdl_sekrit"\n[registries.q]\nurl = "https://reg.example/?token=mdl_sekrit"\n');
    for (const args of [['registry', 'list'], ['registry', 'list', '--json']]) {
      const r = await c.run(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout, args.join(' ')).toContain('reg.example');
      expect(`${r.stdout}${r.stderr}`, args.join(' ')).not.toMatch(/hunter2|mdl_sekrit|alice/);
    }
    const env = await c.run(['registry', 'list', '--json'], { env: { MDLIBS_REGISTRY_URL: 'https://bob:pw123@reg.example/' } });
    expect(env.stdout).not.toMatch(/pw123|bob/);
    const add = await c.run(['registry', 'add', 'q', 'https://other.example/', '--no-verify']);
    expect(add.stderr).toContain('CLI_REGISTRY_EXISTS');
    expect(add.stderr).not.toMatch(/hunter2|mdl_sekrit|alice/);
  });

  it('list marks only the default entry when another name has the same URL (both were marked), and every entry of a default given as a URL', async () => {
    expect((await cli.run(['registry', 'add', 'alias', host.url, '--no-verify'])).code).toBe(0);
    const rows = (await cli.run(['registry', 'list', '--json'])).json<{ registries: { name: string; default: boolean }[] }>().registries;
    expect(rows.filter((r) => r.default).map((r) => r.name)).toEqual(['test']);
    const text = (await cli.run(['registry', 'list'])).stdout;
    expect(text.split('\n').filter((l) => l.startsWith('*'))).toHaveLength(1);
    const byUrl = (await cli.run(['registry', 'list', '--json'], { env: { MDLIBS_REGISTRY_URL: host.url } })).json<{ registries: { name: string; default: boolean }[] }>().registries;
    expect(byUrl.filter((r) => r.default).map((r) => r.name).sort()).toEqual(['alias', 'test']);
    expect((await cli.run(['registry', 'remove', 'alias'])).code).toBe(0);
  });

  it('set-default and remove, globally and per project; a library manifest refuses project settings', async () => {
    expect((await cli.run(['registry', 'set-default', 'second'])).code).toBe(0);
    expect((await cli.run(['registry', 'list', '--json'])).json<{ default: { value: string } }>().default.value).toBe('second');
    expect((await cli.run(['registry', 'set-default', 'missing'])).stderr).toContain('CLI_REGISTRY_UNKNOWN');
    expect((await cli.run(['registry', 'set-default', 'test', '--project'])).code).toBe(0);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('registry = "test"');
    expect((await cli.run(['registry', 'list', '--json'])).json<{ default: { source: string } }>().default.source).toBe('project');
    expect((await cli.run(['registry', 'remove', 'second'])).code).toBe(0);
    expect((await cli.run(['registry', 'remove', 'second'])).code).toBe(2);
    const lib = join(cli.home, 'lib');
    mkdirSync(lib);
    writeFileSync(join(lib, '.mdlibs.toml'), '[library]\nname = "@acme/x"\nversion = "1.0.0"\ndescription = "x"\nlicense = "MIT"\n');
    const conflict = await cli.run(['registry', 'add', 'p', host.url, '--project', '--no-verify'], { cwd: lib });
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('CLI_PROJECT_FILE_CONFLICT');
  });

  it('names that are properties of every object: __proto__, constructor, prototype are refused; remove of toString or __proto__ finds nothing (add "added" and stored nothing, remove "removed" what never existed)', async () => {
    const c = cliEnv();
    const config = join(c.env.XDG_CONFIG_HOME as string, 'mdlibs', 'config.toml');
    for (const name of ['__proto__', 'constructor', 'prototype']) {
      const r = await c.run(['registry', 'add', name, 'https://reg.example/', '--no-verify']);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`error CLI_USAGE: registry name "${name}" is not valid`);
      expect(r.stderr, name).toContain('is reserved');
      expect(r.stdout, name).toBe('');
    }
    for (const name of ['toString', '__proto__', 'constructor', 'hasOwnProperty']) {
      const r = await c.run(['registry', 'remove', name]);
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toContain(`error CLI_REGISTRY_UNKNOWN: no registry named "${name}"`);
      expect(r.stdout, name).toBe('');
    }
    // an ordinary name that is also an Object.prototype method works like any other
    expect((await c.run(['registry', 'add', 'toString', 'https://reg.example/', '--no-verify'])).code).toBe(0);
    expect(readFileSync(config, 'utf8')).toContain('[registries.toString]');
    expect((await c.run(['registry', 'list', '--json'])).json<{ registries: { name: string }[] }>().registries.map((r) => r.name)).toEqual(['toString']);
    expect((await c.run(['registry', 'remove', 'toString'])).code).toBe(0);
    // a config file holding a reserved name is refused with the rule
    writeFileSync(config, '[registries.constructor]\nurl = "https://reg.example/"\n');
    const l = await c.run(['registry', 'list']);
    expect(l.code).toBe(1);
    expect(l.stderr).toContain('CLI_CONFIG_INVALID');
    expect(l.stderr).toContain('"constructor" is reserved');
  });

  it('without any registry, commands say how to configure one', async () => {
    const r = await cliEnv().run(['install', '@acme/guide']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error CLI_NO_REGISTRY: no registry is configured');
    expect(r.stderr).toContain('mdlibs registry add');
  });
});
