/** `mdlibs info`: a library's details from its index file, on a plain static host and through the server (private scopes). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startServer, type RunningServer } from '../../static-server/src/index.js';
import { writeFiles } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

const GUIDE_INDEX = '/index/@acme/guide.json';

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'base', version: '1.0.0' },
    { scope: 'acme', name: 'guide', version: '1.0.0' },
    { scope: 'acme', name: 'guide', version: '1.1.0' },
    { scope: 'acme', name: 'guide', version: '1.2.0', dependencies: { '@acme/base': '^1.0.0' }, description: 'The guide, second edition' },
    { scope: 'acme', name: 'guide', version: '2.0.0-beta.1' },
    { scope: 'acme', name: 'old', version: '1.0.0' },
  ]);
  writeFiles(join(reg.src, 'libraries/@acme/guide'), { 'meta.toml': '[yanked]\n"1.1.0" = "broken links in the setup chapter"\n' });
  writeFiles(join(reg.src, 'libraries/@acme/old'), { 'meta.toml': 'deprecated = "use @acme/guide instead"\n' });
  await reg.rebuild();
  host = await startStaticHost(reg.out);
});
afterEach(() => {
  host.override(GUIDE_INDEX, null);
  host.log.length = 0;
});
afterAll(async () => {
  await host?.close();
});

interface InfoJson {
  registry: string;
  requested: string | null;
  selectedBy: string;
  library: Record<string, unknown> & { versions: { version: string; publishedAt: string; yanked: boolean; yankedReason: string | null }[] };
  version: (Record<string, unknown> & { version: string }) | null;
}

const realIndex = () => JSON.parse(readFileSync(join(reg.out, 'index/@acme/guide.json'), 'utf8')) as Record<string, unknown> & { versions: Record<string, unknown>[] };

describe('mdlibs info on a plain static host', () => {
  it('shows the latest version, its docs, dependencies and tarball facts, every version newest first with the yanked one marked, from the index file only', async () => {
    const r = await cliEnv().run(['info', '@acme/guide', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.stdout;
    expect(out.split('\n')[0]).toBe('@acme/guide@1.2.0 (latest)');
    expect(out).toContain('The guide, second edition');
    expect(out).toMatch(/latest: +1\.2\.0/);
    expect(out).toMatch(/license: +MIT/);
    expect(out).toMatch(/tags: +docs/);
    expect(out).toMatch(/dependencies \(1\):\n {2}@acme\/base {2}\^1\.0\.0/);
    expect(out).toMatch(/docs \(2\):\n {2}README\.md +guide\n {2}docs\/guide\.md +guide guide/);
    expect(out).toMatch(/size: +\d+(\.\d)? (B|kB) \(\d+ bytes\)/);
    expect(out).toMatch(/unpacked size: +/);
    expect(out).toMatch(/files: +3/);
    expect(out).toMatch(/integrity: +sha512-/);
    const versions = out.slice(out.indexOf('versions (4, newest first):')).split('\n').slice(1, 5);
    expect(versions.map((l) => l.slice(2).split(' ')[0])).toEqual(['2.0.0-beta.1', '1.2.0', '1.1.0', '1.0.0']);
    expect(versions[1]).toMatch(/^> 1\.2\.0 +\d{4}-\d{2}-\d{2} +latest$/);
    expect(versions[2]).toMatch(/^ {2}1\.1\.0 +\d{4}-\d{2}-\d{2} +yanked: broken links in the setup chapter$/);
    expect(versions[3]).not.toContain('yanked');
    expect(out).not.toContain('DEPRECATED');
    expect(out).toContain(`install: mdlibs install @acme/guide --registry ${host.url}`);
    // the index file is all it reads (no server, no tarball, no search index)
    expect(host.log.map((l) => l.path).sort()).toEqual(['/config.json', GUIDE_INDEX]);
  });

  it('a range picks what install picks (never a yanked version); an exact yanked version is shown with its reason', async () => {
    const cli = cliEnv();
    for (const [range, want] of [['^1', '1.2.0'], ['<1.2.0', '1.0.0'], ['^2.0.0-beta.0', '2.0.0-beta.1'], ['1.1.x || 1.0.0', '1.0.0']] as const) {
      const info = await cli.run(['info', `@acme/guide@${range}`, '--registry', host.url, '--json']);
      expect(info.code).toBe(0);
      const j = info.json<InfoJson>();
      expect(j.version?.version, range).toBe(want);
      expect(j.selectedBy).toBe('range');
      const inst = await cliEnv().run(['install', `@acme/guide@${range}`, '--registry', host.url, '--json']);
      expect(inst.code).toBe(0);
      expect(inst.json<{ libraries: { name: string; version: string }[] }>().libraries.find((l) => l.name === '@acme/guide')?.version, range).toBe(want);
    }
    const text = await cli.run(['info', '@acme/guide@<1.2.0', '--registry', host.url]);
    expect(text.stdout.split('\n')[0]).toBe('@acme/guide@1.0.0');
    expect(text.stdout).toContain(`install: mdlibs install '@acme/guide@<1.2.0' --registry ${host.url}`);

    const yanked = await cli.run(['info', '@acme/guide@1.1.0', '--registry', host.url]);
    expect(yanked.code).toBe(0);
    const lines = yanked.stdout.split('\n');
    expect(lines[0]).toBe('@acme/guide@1.1.0');
    expect(lines.slice(0, 6).join('\n')).toMatch(/\nYANKED: 1\.1\.0 was withdrawn; install will not pick it\n {2}reason: broken links in the setup chapter\n/);
    expect(yanked.stdout).toMatch(/^> 1\.1\.0 +\S+ +yanked: broken links/m);
    expect(yanked.stdout).toContain('install: 1.1.0 is yanked;');
    const yj = (await cli.run(['info', '@acme/guide@1.1.0', '--registry', host.url, '--json'])).json<InfoJson>();
    expect(yj.selectedBy).toBe('version');
    expect(yj.version).toMatchObject({ version: '1.1.0', yanked: true, yankedReason: 'broken links in the setup chapter' });
  });

  it('a range nothing satisfies gives the error install gives, naming the available versions', async () => {
    const cli = cliEnv();
    const r = await cli.run(['info', '@acme/guide@~1.1', '--registry', host.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('error CLI_NO_MATCHING_VERSION: no version of @acme/guide satisfies ~1.1');
    expect(r.stderr).toContain('available: 1.0.0, 1.2.0, 2.0.0-beta.1; yanked: 1.1.0');
    const inst = await cli.run(['install', '@acme/guide@~1.1', '--registry', host.url]);
    expect(inst.code).toBe(6);
    expect(inst.stderr).toContain('CLI_NO_MATCHING_VERSION');
    expect(inst.stderr).toContain('available: 1.0.0, 1.2.0, 2.0.0-beta.1; yanked: 1.1.0');
    const j = await cli.run(['info', '@acme/guide@^3', '--registry', host.url, '--json']);
    expect(j.code).toBe(6);
    expect(j.json<{ error: unknown }>().error).toMatchObject({ code: 'CLI_NO_MATCHING_VERSION', details: { available: ['1.0.0', '1.2.0', '2.0.0-beta.1'], yanked: ['1.1.0'] } });
  });

  it('--json: the chosen version\'s entry and the library-level data, as in the index', async () => {
    const r = await cliEnv().run(['info', '@acme/guide', '--registry', host.url, '--json']);
    expect(r.code).toBe(0);
    const j = r.json<InfoJson>();
    const ix = realIndex();
    expect(Object.keys(j).sort()).toEqual(['library', 'registry', 'requested', 'selectedBy', 'version']);
    expect(j).toMatchObject({ registry: host.url, requested: null, selectedBy: 'latest' });
    expect(j.version).toEqual(ix.versions.find((v) => v.version === '1.2.0'));
    const { versions, ...lib } = ix;
    expect(j.library).toEqual({
      ...lib,
      versions: [...versions].reverse().map((v) => ({ version: v.version, publishedAt: v.publishedAt, yanked: v.yanked, yankedReason: v.yankedReason })),
    });
    expect(j.library.versions.map((v) => v.version)).toEqual(['2.0.0-beta.1', '1.2.0', '1.1.0', '1.0.0']);
    expect(r.stdout).not.toContain('install');
  });

  it('a deprecated library carries its notice, clearly marked', async () => {
    const r = await cliEnv().run(['info', '@acme/old', '--registry', host.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\n\nDEPRECATED\n {2}use @acme\/guide instead\n/);
    expect((await cliEnv().run(['info', '@acme/old', '--registry', host.url, '--json'])).json<InfoJson>().library.deprecated).toBe('use @acme/guide instead');
  });

  it('an unknown library fails like install (CLI_LIBRARY_NOT_FOUND, exit 6); a bad name is CLI_NAME_INVALID (exit 2)', async () => {
    const cli = cliEnv();
    const r = await cli.run(['info', '@acme/nope', '--registry', host.url]);
    expect(r.code).toBe(6);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`error CLI_LIBRARY_NOT_FOUND: @acme/nope is not in the registry ${host.url}`);
    const inst = await cli.run(['install', '@acme/nope', '--registry', host.url]);
    expect(r.stderr).toBe(inst.stderr);
    const bad = await cli.run(['info', 'acme/guide', '--registry', host.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CLI_NAME_INVALID');
    const badRange = await cli.run(['info', '@acme/guide@not a range', '--registry', host.url]);
    expect(badRange.code).toBe(2);
    expect(badRange.stderr).toContain('CLI_NAME_INVALID');
  });

  it('registry text with terminal escape sequences is printed without them, and escaped in --json', async () => {
    const ix = realIndex();
    const evil = '\u001b[2J\u001b]0;pwned\u0007Evil \u009b31mtext\u202e';
    ix.description = evil;
    for (const v of ix.versions) {
      v.description = evil;
      if (v.version === '1.1.0') v.yankedReason = `bad\u001b[31m reason\r\nnext`;
      if (v.version === '1.2.0') v.docs = [{ path: 'docs/\u001b[1mguide.md', title: 'Title\u0007', description: null }];
    }
    ix.deprecated = 'gone\u001b[5m';
    ix.authors = ['Mallory \u001b[8m'];
    host.override(GUIDE_INDEX, (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ix)));
    const cli = cliEnv();
    const r = await cli.run(['info', '@acme/guide', '--registry', host.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(r.stdout).toContain('[2J]0;pwnedEvil 31mtext');
    expect(r.stdout).toContain('yanked: bad[31m reason next');
    expect(r.stdout).toContain('docs/[1mguide.md');
    const j = await cli.run(['info', '@acme/guide', '--registry', host.url, '--json']);
    expect(j.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
    expect(j.stdout).toContain('"description": "\\u001b[2J\\u001b]0;pwned\\u0007Evil \\u009b31mtext\\u202e"');
    expect(j.json<InfoJson>().library.description).toBe(evil);
  });

  it('a library whose every version is yanked is still shown, with no version chosen', async () => {
    const ix = realIndex();
    ix.distTags = {};
    for (const v of ix.versions) Object.assign(v, { yanked: true, yankedReason: 'withdrawn' });
    host.override(GUIDE_INDEX, (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ix)));
    const cli = cliEnv();
    const r = await cli.run(['info', '@acme/guide', '--registry', host.url]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('@acme/guide');
    expect(r.stdout).toContain('no version to show: every version is yanked');
    expect(r.stdout).toMatch(/latest: +-/);
    expect(r.stdout).toMatch(/^ {2}1\.0\.0 +\S+ +yanked: withdrawn$/m);
    expect(r.stdout).toContain('install: nothing to install');
    expect((await cli.run(['info', '@acme/guide', '--registry', host.url, '--json'])).json<InfoJson>().version).toBeNull();
  });

  it('a long description is wrapped on lines of at most 78 columns and cut', async () => {
    const ix = realIndex();
    const long = `${'word '.repeat(400)}${'x'.repeat(200)}`;
    ix.description = long;
    for (const v of ix.versions) v.description = long;
    host.override(GUIDE_INDEX, (_q, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ix)));
    const r = await cliEnv().run(['info', '@acme/guide', '--registry', host.url]);
    expect(r.code).toBe(0);
    const desc = r.stdout.split('\n\n')[0]?.split('\n').slice(1) ?? [];
    expect(desc.length).toBeGreaterThan(10);
    expect(desc.length).toBeLessThan(25);
    for (const l of desc) expect([...l].length).toBeLessThanOrEqual(78);
    expect(desc.at(-1)).toMatch(/…$/);
  });
});

describe('mdlibs info through the mdlibs server (private scopes)', () => {
  let server: RunningServer;
  let token: string;
  beforeAll(async () => {
    const priv = await buildFixture([
      { scope: 'acme', name: 'guide', version: '1.0.0' },
      { scope: 'secret', name: 'plans', version: '1.0.0', description: 'Secret plans', dependencies: { '@acme/guide': '^1.0.0' } },
    ], { api: '/api/v1' });
    server = await startServer({ publicDir: priv.out, privateDir: priv.priv, dataDir: tempDir('mdlibs-cli-srv-'), port: 0, logLevel: 'silent', rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
    token = (await issueToken(server.store, { owner: 'alice', name: 'laptop', scopes: ['secret'] })).secret;
  });
  afterAll(async () => {
    await server?.close();
  });

  it('a private library without a token gives the not-found error install gives; with a token it is shown', async () => {
    const cli = cliEnv();
    const r = await cli.run(['info', '@secret/plans', '--registry', server.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('CLI_LIBRARY_NOT_FOUND');
    expect(r.stderr).toContain('mdlibs login');
    const inst = await cli.run(['install', '@secret/plans', '--registry', server.url]);
    expect(inst.code).toBe(6);
    expect(r.stderr).toBe(inst.stderr);
    const ok = await cli.run(['info', '@secret/plans', '--registry', server.url], { env: { MDLIBS_TOKEN: token } });
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('@secret/plans@1.0.0 (latest) [private]');
    expect(ok.stdout).toContain('Secret plans');
    expect(ok.stdout + ok.stderr).not.toContain(token);
  });
});
