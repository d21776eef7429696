import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../tools/cli/main.js';
import { tempDir } from '../helpers/tmp.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'guide', version: '1.0.0' },
    { scope: 'acme', name: 'guide', version: '1.1.0' },
    { scope: 'acme', name: 'guide', version: '2.0.0' },
    { scope: 'acme', name: 'base', version: '1.0.0' },
    { scope: 'acme', name: 'base', version: '1.2.0' },
    { scope: 'acme', name: 'base', version: '2.0.0' },
    { scope: 'acme', name: 'portal', version: '1.0.0', dependencies: { '@acme/base': '^1.0.0' } },
    { scope: 'acme', name: 'widgets', version: '1.0.0', dependencies: { '@acme/base': '~1.0.0' } },
    { scope: 'acme', name: 'other', version: '1.0.0' },
  ]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'mdlibs.lock'), 'utf8')) as { dependencies: Record<string, string>; libraries: Record<string, { version: string; integrity: string; resolved: string }> };

describe('install from a plain static host', () => {
  it('installs the latest version and its dependencies, writes mdlibs.lock and .mdlibs.toml, fetching only what it needs', async () => {
    const cli = cliEnv();
    host.log.length = 0;
    const r = await cli.run(['install', '@acme/portal', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ @acme/portal@1.0.0');
    expect(r.stdout).toContain('+ @acme/base@1.2.0');
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/portal/README.md'), 'utf8')).toContain('Version 1.0.0');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/base/docs/guide.md'))).toBe(true);
    const lock = lockOf(cli.cwd);
    expect(lock.dependencies).toEqual({ '@acme/portal': '^1.0.0' });
    expect(Object.keys(lock.libraries)).toEqual(['@acme/base', '@acme/portal']);
    expect(lock.libraries['@acme/base']?.integrity).toMatch(/^sha512-/);
    expect(lock.libraries['@acme/base']?.resolved).toBe(`${host.url}tarballs/@acme/base/base-1.2.0.tgz`);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('"@acme/portal" = "^1.0.0"');
    expect(host.log.map((l) => l.path).sort()).toEqual([
      '/config.json', '/index/@acme/base.json', '/index/@acme/portal.json', '/tarballs/@acme/base/base-1.2.0.tgz', '/tarballs/@acme/portal/portal-1.0.0.tgz',
    ]);
  });

  it('resolves a range and intersects dependency ranges (flat install)', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/guide@~1.0', '@acme/portal', '@acme/widgets', '--registry', host.url, '--json']);
    expect(r.code).toBe(0);
    const out = r.json<{ libraries: { name: string; version: string; direct: boolean }[] }>();
    expect(out.libraries).toEqual([
      { name: '@acme/base', version: '1.0.0', direct: false },
      { name: '@acme/guide', version: '1.0.0', direct: true },
      { name: '@acme/portal', version: '1.0.0', direct: true },
      { name: '@acme/widgets', version: '1.0.0', direct: true },
    ]);
  });

  it('reports a range no version satisfies, and conflicting dependency ranges', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/guide@^3', '--registry', host.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('CLI_NO_MATCHING_VERSION');
    expect(r.stderr).toContain('available: 1.0.0, 1.1.0, 2.0.0');
    expect(r.stderr).toContain('`mdlibs info @acme/guide` lists them');
    const c = await cli.run(['install', '@acme/base@2', '@acme/portal', '--registry', host.url]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('CLI_DEPENDENCY_CONFLICT');
    expect(existsSync(join(cli.cwd, 'mdlibs.lock'))).toBe(false);
  });

  it('@latest installs the latest version and saves ^<it>, moving off an exact pin (it was "an invalid version range")', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@1.0.0', '--registry', host.url])).code).toBe(0);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('"@acme/guide" = "1.0.0"');
    const r = await cli.run(['install', '@acme/guide@latest', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(lockOf(cli.cwd).libraries['@acme/guide']?.version).toBe('2.0.0');
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('"@acme/guide" = "^2.0.0"');
    expect((await cli.run(['install', '@acme/guide@newest', '--registry', host.url])).stderr).toContain('or latest');
  });

  it('a missing library names the registry and suggests search or login', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/nope', '--registry', host.url]);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('CLI_LIBRARY_NOT_FOUND');
    expect(r.stderr).toMatch(/fix: .*mdlibs login/);
  });

  it('`install` without arguments reproduces the lockfile exactly, even when newer versions exist', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
    const lockBefore = readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8');
    expect(lockOf(cli.cwd).libraries['@acme/guide']?.version).toBe('1.1.0');
    reg.add({ scope: 'acme', name: 'guide', version: '1.2.0' });
    await reg.rebuild();
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const r = await cli.run(['install', '--registry', host.url]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'utf8')).toContain('Version 1.1.0');
    expect(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8')).toBe(lockBefore);
    // outdated sees 1.2.0 within the range and 2.0.0 as latest
    const o = await cli.run(['outdated', '--registry', host.url, '--json']);
    expect(o.json()).toEqual({ libraries: [{ name: '@acme/guide', current: '1.1.0', wanted: '1.2.0', latest: '2.0.0', direct: true, yanked: false }] });
    // update moves within the range and rewrites the lock
    const u = await cli.run(['update', '--registry', host.url]);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('+ @acme/guide@1.2.0');
    expect(lockOf(cli.cwd).libraries['@acme/guide']?.version).toBe('1.2.0');
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'utf8')).toContain('Version 1.2.0');
  });

  it('`install` without arguments fails when the lockfile is out of date with .mdlibs.toml', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
    const manifest = join(cli.cwd, '.mdlibs.toml');
    writeFileSync(manifest, readFileSync(manifest, 'utf8').replace('"@acme/guide" = "^1"', '"@acme/guide" = "^2.0.0"'));
    const r = await cli.run(['install']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('CLI_LOCKFILE_OUTDATED');
    expect(r.stderr).toContain('"^2.0.0" in .mdlibs.toml but "^1" in mdlibs.lock');
    expect(r.stderr).toContain('mdlibs update');
    const none = await cliEnv().run(['install']);
    expect(none.code).toBe(7);
    expect(none.stderr).toContain('CLI_LOCKFILE_MISSING');
  });

  it('`install` without arguments refuses a lockfile entry nothing in .mdlibs.toml needs (one slipped into the lock was downloaded and installed), installing nothing', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const file = join(cli.cwd, 'mdlibs.lock');
    const lock = JSON.parse(readFileSync(file, 'utf8')) as { libraries: Record<string, unknown> };
    lock.libraries['@acme/stowaway'] = lock.libraries['@acme/guide'];
    writeFileSync(file, JSON.stringify(lock, null, 2));
    const r = await cli.run(['install']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('error CLI_LOCKFILE_OUTDATED: mdlibs.lock is out of date: mdlibs.lock lists @acme/stowaway, which nothing in .mdlibs.toml needs');
    expect(existsSync(join(cli.cwd, 'libraries'))).toBe(false);
    // update resolves again and drops it
    const u = await cli.run(['update', '--registry', host.url]);
    expect(u.code).toBe(0);
    expect(Object.keys(lockOf(cli.cwd).libraries)).toEqual(['@acme/guide']);
  });

  it('a lockfile edited to a version that is not semver is refused with CLI_LOCKFILE_INVALID by install and outdated (outdated exited 70)', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
    const file = join(cli.cwd, 'mdlibs.lock');
    const lock = lockOf(cli.cwd);
    (lock.libraries['@acme/guide'] as { version: string }).version = 'banana';
    writeFileSync(file, JSON.stringify(lock, null, 2));
    for (const args of [['outdated'], ['install']]) {
      const r = await cli.run(args);
      expect(r.stderr, args[0]).not.toContain('internal error');
      expect(r.stderr, args[0]).toContain('CLI_LOCKFILE_INVALID');
      expect(r.stderr, args[0]).toContain('"banana" is not a semver version');
    }
  });

  it('a lockfile naming a library outside @scope/name, or with a range semver cannot parse, is CLI_LOCKFILE_INVALID with the rule it breaks', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/portal', '--registry', host.url])).code).toBe(0);
    const file = join(cli.cwd, 'mdlibs.lock');
    const good = readFileSync(file, 'utf8');
    const edits: [string, (l: ReturnType<typeof lockOf>) => void, string][] = [
      // these were CLI_BAD_RESPONSE ("the registry metadata ... is broken"), after a warning that the lock was installed anyway
      ['traversal key', (l) => { l.libraries['@acme/../../evil'] = l.libraries['@acme/portal'] as never; delete l.libraries['@acme/portal']; }, '"@acme/../../evil" is not of the form @scope/name'],
      ['bad dependency name', (l) => { (l.libraries['@acme/portal'] as unknown as { dependencies: Record<string, string> }).dependencies = { '\u001b[31m@acme/base': '^1.0.0' }; }, 'is not of the form @scope/name'],
      ['bad range', (l) => { l.dependencies['@acme/portal'] = 'banana'; }, '"banana" is not a semver range'],
    ];
    for (const [what, edit, message] of edits) {
      const lock = lockOf(cli.cwd);
      edit(lock);
      writeFileSync(file, JSON.stringify(lock, null, 2));
      const r = await cli.run(['install']);
      expect(r.code, what).toBe(7);
      expect(r.stderr, what).toContain('CLI_LOCKFILE_INVALID');
      expect(r.stderr, what).toContain(message);
      expect(r.stderr, what).not.toContain('\u001b');
      expect(r.stderr, what).not.toContain('anyway');
      writeFileSync(file, good);
    }
  });

  it('a lockfile entry whose tarball URL is on another origin than its registry is CLI_LOCKFILE_INVALID when the lock is read, before any request (it was CLI_BAD_RESPONSE at download, or installed from the cache)', async () => {
    const other = await startStaticHost(reg.out);
    try {
      const cli = cliEnv();
      expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
      rmSync(join(cli.cwd, 'libraries'), { recursive: true });
      const file = join(cli.cwd, 'mdlibs.lock');
      const good = readFileSync(file, 'utf8');
      const origin = new URL(host.url).origin;
      const edits: [string, string, string][] = [
        [other.url, `has its tarball ("resolved") on ${new URL(other.url).origin}, but its registry's origin is ${origin}`, 'another origin'],
        ['file:///etc/', 'has its tarball ("resolved") on a file: URL', 'a file: URL'],
      ];
      for (const [to, message, what] of edits) {
        const lock = JSON.parse(good) as ReturnType<typeof lockOf>;
        const e = lock.libraries['@acme/guide'] as { resolved: string };
        e.resolved = e.resolved.replace(host.url, to);
        writeFileSync(file, JSON.stringify(lock, null, 2));
        host.log.length = 0;
        other.log.length = 0;
        // a fresh cache (the tarball must come from `resolved`), then the warm one
        for (const env of [{ XDG_CACHE_HOME: join(cli.home, `cold-${what}`) }, {}]) {
          for (const args of [['install'], ['outdated']]) {
            const r = await cli.run(args, { env });
            expect(r.code, `${what} ${args[0]}`).toBe(7);
            expect(r.stderr, `${what} ${args[0]}`).toContain(`error CLI_LOCKFILE_INVALID: mdlibs.lock entry @acme/guide ${message}`);
            expect(r.stderr, `${what} ${args[0]}`).toContain('mdlibs update');
          }
        }
        expect(host.log, what).toEqual([]);
        expect(other.log, what).toEqual([]);
        expect(existsSync(join(cli.cwd, 'libraries')), what).toBe(false);
      }
      writeFileSync(file, good);
      expect((await cli.run(['install'])).code).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('a .mdlibs.toml dependency with a bad name or range is CLI_CONFIG_INVALID naming the file, for install, update and outdated', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@^1', '--registry', host.url])).code).toBe(0);
    const file = join(cli.cwd, '.mdlibs.toml');
    const good = readFileSync(file, 'utf8');
    // before: outdated said "everything is up to date", update said no version satisfies "not a range",
    // and a bad name was CLI_BAD_RESPONSE blaming the registry
    for (const [line, message] of [['"@acme/guide" = "not a range"', '"not a range" is not a semver range'], ['"@acme/../x" = "^1"', '"@acme/../x" is not of the form @scope/name']] as const) {
      writeFileSync(file, good.replace('"@acme/guide" = "^1"', line));
      for (const args of [['install'], ['update'], ['outdated']]) {
        const r = await cli.run(args);
        expect(r.code, `${line} ${args[0]}`).toBe(1);
        expect(r.stderr, `${line} ${args[0]}`).toContain('CLI_CONFIG_INVALID');
        expect(r.stderr, `${line} ${args[0]}`).toContain('.mdlibs.toml');
        expect(r.stderr, `${line} ${args[0]}`).toContain(message);
      }
    }
  });

  it('a range longer than .mdlibs.toml takes is refused with CLI_NAME_INVALID before anything is written (it was saved, then every command failed with CLI_CONFIG_INVALID)', async () => {
    const cli = cliEnv();
    const long = '>=1.0.0 <1.0.1 || >=1.1.0 <1.2.0 || >=2.0.0 <3.0.0 || >=4.0.0 <5.0.0';
    expect(long.length).toBeGreaterThan(64);
    host.log.length = 0;
    const r = await cli.run(['install', `@acme/guide@${long}`, '--registry', host.url]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('error CLI_NAME_INVALID');
    expect(r.stderr).toContain('cannot be saved in .mdlibs.toml');
    expect(r.stderr).toContain(`the range has ${long.length} characters`);
    expect(r.stderr).toContain('at most 64 characters');
    expect(readdirSync(cli.cwd)).toEqual([]);
    expect(host.log).toEqual([]);
    // a range of 64 characters is still taken, and the project stays usable
    const ok = `${'>=1.0.0 '.repeat(7)}<1.0.1`.padEnd(64, ' ').trimEnd();
    const i = await cli.run(['install', `@acme/guide@${ok}`, '--registry', host.url]);
    expect(i.code, i.stderr).toBe(0);
    expect((await cli.run(['install'])).code).toBe(0);
  });

  it('reinstalls offline from the content-addressed cache (flag, and with the host gone)', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/portal', '--registry', host.url])).code).toBe(0);
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const off = await cli.run(['install', '--offline', '--json']);
    expect(off.code).toBe(0);
    expect(off.json<{ fromCache: number; downloaded: number }>()).toMatchObject({ fromCache: 2, downloaded: 0 });
    expect(existsSync(join(cli.cwd, 'libraries/@acme/portal/README.md'))).toBe(true);
    // an unreachable registry: the tarballs still come from the cache, the yank check only warns
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const lock = readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8');
    writeFileSync(join(cli.cwd, 'mdlibs.lock'), lock.replaceAll(host.url, 'http://127.0.0.1:9/'));
    const down = await cli.run(['install']);
    expect(down.code).toBe(0);
    expect(down.stderr).toContain('could not check 2 libraries for yanks or deprecation (could not reach http://127.0.0.1:9/');
    expect(down.stderr.match(/warning/g)).toHaveLength(1);
    expect(existsSync(join(cli.cwd, 'libraries/@acme/base/README.md'))).toBe(true);
    // everything on disk already: nothing to fetch, even offline with an empty cache
    const fresh = cliEnv();
    const noop = await fresh.run(['install', '--offline', '--path', cli.cwd, '--json']);
    expect(noop.code).toBe(0);
    expect(noop.json<{ unchanged: string[]; extracted: string[] }>()).toMatchObject({ unchanged: ['@acme/base', '@acme/portal'], extracted: [] });
    // another user (empty cache) cannot install missing libraries offline: a clear error
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const miss = await fresh.run(['install', '--offline', '--path', cli.cwd]);
    expect(miss.code).toBe(3);
    expect(miss.stderr).toContain('CLI_OFFLINE_MISS');
  });

  it('a range never picks a yanked version; a lockfile still installs it, with a warning', async () => {
    const local = await buildFixture([
      { scope: 'acme', name: 'guide', version: '1.0.0' },
      { scope: 'acme', name: 'guide', version: '1.1.0' },
    ]);
    const h = await startStaticHost(local.out);
    try {
      const cli = cliEnv();
      expect((await cli.run(['install', '@acme/guide@^1', '--registry', h.url])).code).toBe(0);
      expect(lockOf(cli.cwd).libraries['@acme/guide']?.version).toBe('1.1.0');
      local.yank('@acme/guide', '1.1.0', 'broken links');
      await local.rebuild();
      rmSync(join(cli.cwd, 'libraries'), { recursive: true });
      // index files confirmed in the last 5 minutes are not asked again for the warning: use a new cache
      const again = await cli.run(['install'], { env: { XDG_CACHE_HOME: join(cli.home, 'cache-2') } });
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('warning: @acme/guide@1.1.0 is yanked: broken links');
      expect(readFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'utf8')).toContain('Version 1.1.0');
      const fresh = cliEnv();
      expect((await fresh.run(['install', '@acme/guide@^1', '--registry', h.url])).code).toBe(0);
      expect(lockOf(fresh.cwd).libraries['@acme/guide']?.version).toBe('1.0.0');
      const exact = await fresh.run(['install', '@acme/guide@1.1.0', '--registry', h.url]);
      expect(exact.code).toBe(6);
      expect(exact.stderr).toContain('yanked: 1.1.0');
      const upd = await cli.run(['update', '@acme/guide', '--registry', h.url]);
      expect(upd.code).toBe(0);
      expect(lockOf(cli.cwd).libraries['@acme/guide']?.version).toBe('1.0.0');
    } finally {
      await h.close();
    }
  });

  it('refuses to install or uninstall through a symbolic link in the install folder (it replaced a folder outside the project), changing nothing', async () => {
    const outside = tempDir('mdlibs-outside-');
    mkdirSync(join(outside, 'guide'));
    writeFileSync(join(outside, 'guide', 'important.txt'), 'precious');
    // a @scope folder that is a link
    const cli = cliEnv();
    mkdirSync(join(cli.cwd, 'libraries'));
    symlinkSync(outside, join(cli.cwd, 'libraries/@acme'));
    const r = await cli.run(['install', '@acme/guide', '--registry', host.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('CLI_UNSAFE_PATH');
    expect(r.stderr).toContain(`libraries/@acme is a symbolic link (to ${outside})`);
    expect(readFileSync(join(outside, 'guide', 'important.txt'), 'utf8')).toBe('precious');
    expect(readdirSync(outside)).toEqual(['guide']);
    expect(existsSync(join(cli.cwd, 'mdlibs.lock'))).toBe(false);
    // the install folder itself a link
    const other = cliEnv();
    symlinkSync(outside, join(other.cwd, 'libraries'));
    const r2 = await other.run(['install', '@acme/guide', '--registry', host.url]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('libraries is a symbolic link');
    expect(readdirSync(outside)).toEqual(['guide']);
    // a @scope "folder" that is a file
    const third = cliEnv();
    mkdirSync(join(third.cwd, 'libraries'));
    writeFileSync(join(third.cwd, 'libraries/@acme'), 'x');
    const r3 = await third.run(['install', '@acme/guide', '--registry', host.url]);
    expect([r3.code, r3.stderr.includes('libraries/@acme is not a folder')]).toEqual([1, true]);
  });

  it('an mdlibs.lock or .mdlibs.toml that is not a regular file (a folder, a pipe, a link to /dev/zero) is refused with a clear error, never read (a link to /dev/zero was read until memory ran out, a folder was exit 70)', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const lock = join(cli.cwd, 'mdlibs.lock');
    const good = readFileSync(lock);
    rmSync(lock);
    mkdirSync(lock);
    const r = await cli.run(['install']);
    expect(r.code).toBe(7);
    expect(r.stderr).toContain('error CLI_LOCKFILE_INVALID: mdlibs.lock is not a regular file');
    rmSync(lock, { recursive: true });
    // pipes fed by a writer, so that a reader that blocks on them is not stuck forever
    for (const [file, code, message] of [[lock, 7, 'CLI_LOCKFILE_INVALID: mdlibs.lock is not a regular file'], [join(cli.cwd, '.mdlibs.toml'), 1, '.mdlibs.toml is not a regular file']] as const) {
      const bytes = existsSync(file) ? readFileSync(file) : good;
      rmSync(file, { force: true });
      execFileSync('mkfifo', [file]);
      writeFileSync(`${file}.src`, bytes);
      const writer = spawn(process.execPath, ['-e', 'const fs = require("fs"); const [src, to] = process.argv.slice(1); for (;;) fs.writeFileSync(to, fs.readFileSync(src));', `${file}.src`, file], { stdio: 'ignore' });
      try {
        const p = await cli.run(['install']);
        expect(p.code, file).toBe(code);
        expect(p.stderr, file).toContain(message);
      } finally {
        writer.kill();
      }
      rmSync(file, { force: true });
      writeFileSync(file, bytes);
    }
  });

  it('a link a cloned project carries at libraries/.mdlibs-state.json.tmp is not written through (install overwrote the file outside the project)', async () => {
    const outside = tempDir('mdlibs-outside-');
    writeFileSync(join(outside, 'precious.txt'), 'precious');
    const cli = cliEnv();
    mkdirSync(join(cli.cwd, 'libraries'));
    symlinkSync(join(outside, 'precious.txt'), join(cli.cwd, 'libraries/.mdlibs-state.json.tmp'));
    const r = await cli.run(['install', '@acme/guide', '--registry', host.url]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(outside, 'precious.txt'), 'utf8')).toBe('precious');
    expect(JSON.parse(readFileSync(join(cli.cwd, 'libraries/.mdlibs-state.json'), 'utf8'))).toHaveProperty(['libraries', '@acme/guide']);
  });

  it('uninstall stops at a @scope folder replaced by a link after the install, deleting nothing outside', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const outside = tempDir('mdlibs-outside-');
    mkdirSync(join(outside, 'guide'));
    writeFileSync(join(outside, 'guide', 'important.txt'), 'precious');
    rmSync(join(cli.cwd, 'libraries/@acme'), { recursive: true });
    symlinkSync(outside, join(cli.cwd, 'libraries/@acme'));
    const u = await cli.run(['uninstall', '@acme/guide']);
    expect(u.code).toBe(1);
    expect(u.stderr).toContain('CLI_UNSAFE_PATH');
    expect(readFileSync(join(outside, 'guide', 'important.txt'), 'utf8')).toBe('precious');
  });

  it('uninstall removes the library and dependencies nothing else needs; list --installed shows the rest', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/portal', '@acme/other', '--registry', host.url])).code).toBe(0);
    const l = await cli.run(['list', '--installed', '--json']);
    expect(l.json<{ libraries: { name: string; direct: boolean; present: boolean }[] }>().libraries.map((x) => [x.name, x.direct, x.present])).toEqual([
      ['@acme/base', false, true], ['@acme/other', true, true], ['@acme/portal', true, true],
    ]);
    const u = await cli.run(['uninstall', '@acme/portal']);
    expect(u.code).toBe(0);
    expect(u.stdout).toContain('- @acme/portal');
    expect(u.stdout).toContain('- @acme/base');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/portal'))).toBe(false);
    expect(existsSync(join(cli.cwd, 'libraries/@acme/base'))).toBe(false);
    expect(existsSync(join(cli.cwd, 'libraries/@acme/other/README.md'))).toBe(true);
    expect(Object.keys(lockOf(cli.cwd).libraries)).toEqual(['@acme/other']);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).not.toContain('portal');
    const again = await cli.run(['uninstall', '@acme/portal']);
    expect(again.code).toBe(6);
    expect(again.stderr).toContain('CLI_NOT_INSTALLED');
    expect((await cli.run(['list', '--installed'])).stdout).toContain('@acme/other');
  });

  it('staging folders left by an install that was killed (kill -9) are removed by the next install; a running process\'s and links are left alone (they stayed forever)', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const scope = join(cli.cwd, 'libraries/@acme');
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const stale = [`.guide.mdlibs-tmp-${dead}-k3x9qa`, `.guide.mdlibs-tmp-${dead}-k3x9qa-old`, `.other.mdlibs-tmp-${dead}-0a1b2c`];
    for (const n of stale) {
      mkdirSync(join(scope, n, 'docs'), { recursive: true });
      writeFileSync(join(scope, n, 'docs/a.md'), 'half written');
    }
    const live = `.guide.mdlibs-tmp-${process.pid}-zzzzzz`;
    mkdirSync(join(scope, live));
    const outside = tempDir();
    writeFileSync(join(outside, 'keep.md'), 'keep');
    const link = `.base.mdlibs-tmp-${dead}-l1nk00`;
    symlinkSync(outside, join(scope, link));
    const r = await cli.run(['install']);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(scope).sort()).toEqual([live, link, 'guide'].sort());
    expect(readFileSync(join(outside, 'keep.md'), 'utf8')).toBe('keep');
    // uninstall cleans up too
    mkdirSync(join(scope, stale[0] as string));
    expect((await cli.run(['uninstall', '@acme/guide'])).code).toBe(0);
    expect(existsSync(join(scope, stale[0] as string))).toBe(false);
  });

  it('a warm reinstall from the lockfile asks the registry nothing when its index files were confirmed minutes ago', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/portal', '--registry', host.url])).code).toBe(0);
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    host.log.length = 0;
    const r = await cli.run(['install', '--json']);
    expect(r.code).toBe(0);
    expect(r.json<{ fromCache: number; extracted: string[] }>()).toMatchObject({ fromCache: 2, extracted: ['@acme/base', '@acme/portal'] });
    expect(host.log).toEqual([]);
  });

  it('progress goes to stderr on a TTY, never into --json output', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/other', '--registry', host.url, '--json'], { tty: true });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('1/1 libraries');
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });

  it('clears the progress bar from the terminal before the result is printed (the result followed the bar on its line)', async () => {
    const cli = cliEnv();
    const writes: [string, string][] = [];
    const code = await runCli(['install', '@acme/other', '--registry', host.url], {
      stdout: { write: (s: string) => writes.push(['out', s]), isTTY: true },
      stderr: { write: (s: string) => writes.push(['err', s]), isTTY: true },
      env: cli.env, cwd: cli.cwd,
    });
    expect(code).toBe(0);
    const firstOut = writes.findIndex(([w]) => w === 'out');
    const before = writes.slice(0, firstOut).filter(([w]) => w === 'err').map(([, t]) => t);
    expect(before.some((t) => t.includes('1/1 libraries'))).toBe(true);
    expect(before.at(-1)).toBe('\r\x1b[K');
    expect(writes[firstOut]?.[1]).toContain('+ @acme/other@');
  });
});
