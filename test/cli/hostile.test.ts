/**
 * Hostile registries (SEC-2): each gives a clear error, writes nothing outside the target,
 * and leaves the previous install intact. The registry is a plain static host whose
 * answers we replace path by path.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join, relative } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { buildSearchIndex } from '../../index-builder/src/index.js';
import { cliEnv, type CliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';
import { gzipBomb, integrityOf, rawTgz, type RawEntry } from './helpers/tarballs.js';

let reg: BuiltRegistry;
let host: StaticHost;
let other: StaticHost;

const INDEX = '/index/@acme/guide.json';
const TARBALL = '/tarballs/@acme/guide/guide-1.1.0.tgz';

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'guide', version: '1.0.0' },
    { scope: 'acme', name: 'guide', version: '1.1.0' },
  ]);
  host = await startStaticHost(reg.out);
  other = await startStaticHost(reg.out);
});
afterEach(() => {
  host.overrideAll(null);
  for (const p of [INDEX, TARBALL, '/config.json', '/search/index.json']) host.override(p, null);
  host.log.length = 0;
  other.log.length = 0;
});
afterAll(async () => {
  await host?.close();
  await other?.close();
});

const send = (res: ServerResponse, status: number, body: string | Buffer, type = 'application/json') => res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) }).end(body);

function realIndex(): Record<string, unknown> & { versions: Record<string, unknown>[] } {
  return JSON.parse(readFileSync(join(reg.out, 'index/@acme/guide.json'), 'utf8'));
}

/** Serves `tgz` as guide 1.1.0 with an index entry whose integrity matches it (so extraction checks run). */
function serveHostileTarball(tgz: Buffer): void {
  const ix = realIndex();
  const v = ix.versions.find((x) => x.version === '1.1.0') as Record<string, unknown>;
  Object.assign(v, integrityOf(tgz));
  host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
  host.override(TARBALL, (_q, res) => send(res, 200, tgz, 'application/octet-stream'));
}

function listTree(root: string, skip: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (p === skip) continue;
      out.push(relative(root, p));
      if (statSync(p).isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

/** A project with guide@1.0.0 installed; returns a check that nothing changed. */
async function installedProject(): Promise<{ cli: CliEnv; unchanged: () => void }> {
  const cli = cliEnv();
  const r = await cli.run(['install', '@acme/guide@1.0.0', '--registry', host.url]);
  expect(r.code).toBe(0);
  const lock = readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8');
  const manifest = readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8');
  const cache = join(cli.home, 'cache');
  const before = listTree(cli.home, cache);
  return {
    cli,
    unchanged: () => {
      expect(readFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'utf8')).toContain('Version 1.0.0');
      expect(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8')).toBe(lock);
      expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toBe(manifest);
      expect(listTree(cli.home, cache)).toEqual(before);
    },
  };
}

async function attempt(cli: CliEnv, extra: string[] = []) {
  return cli.run(['install', '@acme/guide@1.1.0', '--registry', host.url, ...extra]);
}

describe('hostile registries', () => {
  it('a tarball whose checksum does not match its index entry (exit 5, CLI_INTEGRITY_MISMATCH)', async () => {
    const { cli, unchanged } = await installedProject();
    host.override(TARBALL, (_q, res) => send(res, 200, rawTgz([{ path: 'package/README.md', data: '# tampered' }]), 'application/octet-stream'));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error CLI_INTEGRITY_MISMATCH: the tarball of @acme/guide@1.1.0');
    expect(r.stderr).toContain('fix: nothing was installed');
    unchanged();
  });

  const unsafe: [string, RawEntry[]][] = [
    ['a ../ entry', [{ path: 'package/README.md', data: '# x' }, { path: 'package/../../../../escaped.md', data: 'pwned' }]],
    ['an absolute path', [{ path: '/tmp/mdlibs-escaped.md', data: 'pwned' }]],
    ['a symlink', [{ path: 'package/README.md', type: 'SymbolicLink', linkpath: '/etc/passwd' }]],
    ['a hard link', [{ path: 'package/README.md', data: '# x' }, { path: 'package/passwd.md', type: 'Link', linkpath: '/etc/passwd' }]],
    ['a device file', [{ path: 'package/null', type: 'CharacterDevice' }]],
    // these two crashed with "internal error ... EEXIST" (exit 70)
    ['a file and then a folder at one path', [{ path: 'package/docs', data: 'x' }, { path: 'package/docs/a.md', data: 'a' }]],
    ['a folder and then a file at one path, in another letter case', [{ path: 'package/Docs/a.md', data: 'a' }, { path: 'package/docs', data: 'x' }]],
  ];
  it.each(unsafe)('a tarball with %s (exit 5, CLI_UNSAFE_ARCHIVE)', async (_label, entries) => {
    const { cli, unchanged } = await installedProject();
    serveHostileTarball(rawTgz(entries));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error CLI_UNSAFE_ARCHIVE');
    expect(r.stderr).toContain('nothing was written');
    unchanged();
  });

  it('a gzip bomb (exit 5, CLI_ARCHIVE_TOO_LARGE)', async () => {
    const { cli, unchanged } = await installedProject();
    serveHostileTarball(await gzipBomb(96 * 1024 * 1024));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error CLI_ARCHIVE_TOO_LARGE');
    expect(r.stderr).toContain('gzip bomb');
    unchanged();
  });

  it('an index file that is not JSON (exit 5, CLI_BAD_RESPONSE)', async () => {
    const { cli, unchanged } = await installedProject();
    host.override(INDEX, (_q, res) => send(res, 200, '<html><body>Welcome to nginx!</body></html>', 'text/html'));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide');
    expect(r.stderr).toContain('is not JSON');
    unchanged();
  });

  it('an index with a dependency name that would escape the folder (refused before any path is built)', async () => {
    const { cli, unchanged } = await installedProject();
    const ix = realIndex();
    (ix.versions.find((x) => x.version === '1.1.0') as { dependencies: Record<string, string> }).dependencies = { '@../../../etc': '*' };
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('CLI_BAD_RESPONSE');
    unchanged();
  });

  it('an index listing a version that is not a semver version (exit 5, CLI_BAD_RESPONSE, nothing thrown past the CLI)', async () => {
    const { cli, unchanged } = await installedProject();
    const ix = realIndex();
    ix.versions.push({ ...(ix.versions[0] as Record<string, unknown>), version: 'ban\u001b[2Jana' });
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide');
    expect(r.stderr).toMatch(/"ban.*ana" is not a semver version/);
    expect(r.stderr).not.toContain('\u001b'); // the version is shown without its control characters
    unchanged();
  });

  it('an index or config.json pointing at something that is not an address (exit 5, CLI_BAD_RESPONSE, not an internal error)', async () => {
    const { cli, unchanged } = await installedProject();
    for (const bad of ['http://', 'http://[::1', '//']) {
      const ix = realIndex();
      (ix.versions.find((x) => x.version === '1.1.0') as { tarball: string }).tarball = bad;
      host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
      const r = await attempt(cli);
      expect(r.code, bad).toBe(5);
      expect(r.stderr, bad).toContain(`error CLI_BAD_RESPONSE: the registry points to "${bad}", which is not an address`);
    }
    host.override(INDEX, null);
    const config = JSON.parse(readFileSync(join(reg.out, 'config.json'), 'utf8')) as { templates: { index: string }; api: string | null };
    config.api = 'http://[';
    host.override('/config.json', (_q, res) => send(res, 200, JSON.stringify(config)));
    const s = await cliEnv().run(['search', 'guide', '--registry', host.url]);
    expect([s.code, s.stderr.split('\n')[0]]).toEqual([5, 'error CLI_BAD_RESPONSE: the registry points to "http://[/", which is not an address']);
    config.api = null;
    config.templates.index = 'http://';
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('which is not an address');
    unchanged();
  });

  it('a server that hangs (exit 3, CLI_TIMEOUT with the timeout named)', async () => {
    const { cli, unchanged } = await installedProject();
    host.override(TARBALL, () => undefined);
    const r = await attempt(cli, ['--timeout', '700']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error CLI_TIMEOUT');
    expect(r.stderr).toContain('did not answer within 700 ms');
    expect(r.stderr).toContain('--timeout');
    unchanged();
  });

  it('a server that answers 500 (exit 3, CLI_HTTP)', async () => {
    const { cli, unchanged } = await installedProject();
    host.override(INDEX, (_q, res) => send(res, 500, JSON.stringify({ error: { code: 'MDL_INTERNAL', message: 'disk on fire' } })));
    const r = await attempt(cli);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('answered HTTP 500');
    expect(r.stderr).toContain('disk on fire');
    expect(r.stderr).toContain('retry later');
    unchanged();
  });

  it('a redirect to another host is refused and the token never reaches it', async () => {
    const { cli, unchanged } = await installedProject();
    const token = `mdl_${'x'.repeat(40)}`;
    host.override(TARBALL, (_q, res) => res.writeHead(302, { location: `${other.url}tarballs/@acme/guide/guide-1.1.0.tgz` }).end());
    const r = await cli.run(['install', '@acme/guide@1.1.0'], { env: { MDLIBS_REGISTRY_URL: host.url, MDLIBS_TOKEN: token } });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error CLI_REDIRECT_REFUSED');
    expect(r.stderr).toContain(new URL(other.url).origin);
    expect(other.log).toEqual([]);
    expect(host.log.filter((l) => l.path === TARBALL).map((l) => l.authorization)).toEqual([`Bearer ${token}`]);
    expect(r.stdout + r.stderr).not.toContain(token);
    unchanged();
  });

  it('a same-origin redirect is followed, keeping the token', async () => {
    const cli = cliEnv();
    const token = `mdl_${'y'.repeat(40)}`;
    host.override('/config.json', (_q, res) => res.writeHead(301, { location: '/moved/config.json' }).end());
    host.override('/moved/config.json', (_q, res) => send(res, 200, readFileSync(join(reg.out, 'config.json'))));
    const r = await cli.run(['install', '@acme/guide@1.0.0'], { env: { MDLIBS_REGISTRY_URL: host.url, MDLIBS_TOKEN: token } });
    host.override('/moved/config.json', null);
    expect(r.code).toBe(0);
    expect(host.log.find((l) => l.path === '/moved/config.json')?.authorization).toBe(`Bearer ${token}`);
  });

  it('an index pointing its tarball at another origin is refused; that origin gets nothing', async () => {
    const { cli, unchanged } = await installedProject();
    const ix = realIndex();
    (ix.versions.find((x) => x.version === '1.1.0') as { tarball: string }).tarball = `${other.url}tarballs/@acme/guide/guide-1.1.0.tgz`;
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const r = await attempt(cli);
    expect(r.code).toBe(5);
    expect(r.stderr).toContain('outside its own origin');
    expect(other.log).toEqual([]);
    unchanged();
  });

  it('terminal control characters in registry metadata never reach the terminal', async () => {
    const evil = '\u001b]0;pwned\u0007\u001b[2J\u001b[31mred\u009b1m\u202eevil';
    const ix = realIndex();
    ix.deprecated = `use @acme/new ${evil}`;
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    host.override('/search/index.json', (_q, res) => send(res, 200, buildSearchIndex([{ id: '@acme/guide', name: '@acme/guide', scope: 'acme', description: `Guide ${evil}`, tags: 'docs', titles: '', headings: '', latest: `1.1.0${evil}` }])));
    const cli = cliEnv();
    const i = await cli.run(['install', '@acme/guide', '--registry', host.url]);
    expect(i.code).toBe(0);
    expect(i.stderr).toContain('warning: @acme/guide is deprecated: use @acme/new');
    const s = await cli.run(['search', 'guide', '--registry', host.url]);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('Guide');
    for (const out of [i.stdout, i.stderr, s.stdout, s.stderr]) {
      expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    }
    // --json keeps the data, escaped by JSON (no raw control bytes either)
    const j = await cli.run(['search', 'guide', '--registry', host.url, '--json']);
    expect(j.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(j.json<{ hits: { description: string }[] }>().hits[0]?.description).toContain('\u001b');
  });

  it('`outdated` never prints control characters from a dist-tag of the index (it printed the ESC/OSC sequences raw)', async () => {
    const evil = '\u001b[31mRED\u001b]0;TITLE-PWNED\u0007 \u001b[0m\u009b1m\u202e';
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1.0.0', '--registry', host.url])).code).toBe(0);
    // pin the older version in the lock, as if 1.1.0 was published later
    const file = join(cli.cwd, 'mdlibs.lock');
    const lock = JSON.parse(readFileSync(file, 'utf8')) as { libraries: Record<string, Record<string, unknown>> };
    const old = realIndex().versions.find((x) => x.version === '1.0.0') as { integrity: string; tarball: string; size: number };
    Object.assign(lock.libraries['@acme/guide'] as object, { version: '1.0.0', integrity: old.integrity, resolved: `${host.url}${old.tarball}`, size: old.size });
    writeFileSync(file, JSON.stringify(lock));
    const ix = realIndex();
    ix.distTags = { latest: evil };
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const o = await cli.run(['outdated', '--registry', host.url]);
    // the protocol schema only takes plain semver versions as dist-tags: the index is refused, named, escaped
    expect(o.code, o.stderr).toBe(5);
    expect(o.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide');
    expect(o.stderr).toContain('(distTags.latest: "\\u001b[31mRED');
    expect(o.stdout + o.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
  });

  it('index values mdlibs.lock cannot hold (a range or a version over 64 characters) are refused before anything is written (the lock was written, then refused by every command)', async () => {
    const long = '>=1.0.0 <1.0.1 || >=1.1.0 <1.2.0 || >=2.0.0 <3.0.0 || >=4.0.0 <5.0.0';
    const { cli, unchanged } = await installedProject();
    const ix = realIndex();
    (ix.versions.find((x) => x.version === '1.1.0') as { dependencies: Record<string, string> }).dependencies = { '@acme/guide': long };
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const r = await attempt(cli);
    expect(r.code, r.stderr).toBe(5);
    // the protocol schema holds ranges to what mdlibs.lock can hold, so the index itself is refused
    expect(r.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide at');
    expect(r.stderr).toContain(`(versions.1.dependencies.@acme/guide: is ${long.length} characters long; the limit is 64)`);
    unchanged();

    const longVersion = `1.2.0-${'a'.repeat(70)}`;
    const ix2 = realIndex();
    ix2.versions.push({ ...(ix2.versions.find((x) => x.version === '1.1.0') as Record<string, unknown>), version: longVersion });
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix2)));
    const v = await cli.run(['install', '@acme/guide@>=1.2.0-0', '--registry', host.url]);
    expect(v.code, v.stderr).toBe(5);
    expect(v.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide at');
    expect(v.stderr).toContain(`.version: is ${longVersion.length} characters long; the limit is 64)`);
    unchanged();
    expect((await cli.run(['install'])).code).toBe(0); // the project still works
  });

  it('a version semver reads only after trimming ("\\r1.2.0") is refused in an index and in mdlibs.lock (it was accepted and printed raw)', async () => {
    const { cli, unchanged } = await installedProject();
    const ix = realIndex();
    ix.versions.push({ ...(ix.versions.find((x) => x.version === '1.1.0') as Record<string, unknown>), version: '\r1.2.0' });
    host.override(INDEX, (_q, res) => send(res, 200, JSON.stringify(ix)));
    const r = await attempt(cli);
    expect(r.code, r.stderr).toBe(5);
    expect(r.stderr).toContain('error CLI_BAD_RESPONSE: the index of @acme/guide');
    expect(r.stderr).toContain('"\\u000d1.2.0" is not a semver version');
    unchanged();
    host.override(INDEX, null);
    const file = join(cli.cwd, 'mdlibs.lock');
    const lock = JSON.parse(readFileSync(file, 'utf8')) as { libraries: Record<string, { version: string }> };
    (lock.libraries['@acme/guide'] as { version: string }).version = ' 1.0.0';
    writeFileSync(file, JSON.stringify(lock));
    for (const args of [['install'], ['outdated'], ['list', '--installed']]) {
      const l = await cli.run(args);
      expect(l.code, args[0]).toBe(7);
      expect(l.stderr, args[0]).toContain('error CLI_LOCKFILE_INVALID: mdlibs.lock does not match the lockfile schema (libraries.@acme/guide.version: " 1.0.0" is not a semver version)');
    }
  });

  it('a search index with stored fields of the wrong type or postings that point nowhere: hits with what is text, or CLI_BAD_RESPONSE; never an internal error', async () => {
    const base = { documentCount: 1, nextId: 1, documentIds: { 0: '@acme/guide' }, fieldIds: { name: 0 }, fieldLength: { 0: [1] }, averageFieldLength: [1], dirtCount: 0, serializationVersion: 2 };
    const bodies = {
      objects: { ...base, storedFields: { 0: { name: { toString: 1 }, description: ['x'], latest: { v: 1 } } }, index: [['guide', { 0: { 0: 1 } }]] },
      nowhere: { ...base, storedFields: {}, index: [['guide', { 0: { 7: 1 } }, { 3: { 0: 1 } }]] },
      'not an index': { bad: 1 },
    };
    const cli = cliEnv();
    for (const [label, body] of Object.entries(bodies)) {
      host.override('/search/index.json', (_q, res) => send(res, 200, JSON.stringify(body)));
      const r = await cli.run(['search', 'guide', '--registry', host.url, '--json']);
      const out = r.stdout + r.stderr; // with --json an error is JSON on stdout
      expect(out, label).not.toContain('internal error');
      expect([0, 5], `${label}: ${out}`).toContain(r.code);
      if (r.code === 5) expect(out, label).toContain('CLI_BAD_RESPONSE');
      if (label === 'objects') {
        expect(r.code).toBe(0);
        expect(r.json<{ hits: { name: string; description: string; latest: string | null }[] }>().hits[0]).toMatchObject({ name: '@acme/guide', description: '', latest: null });
      }
    }
  });
});
