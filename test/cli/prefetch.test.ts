/**
 * `mdlibs install @a @b` downloads the tarball its own range picks for a named library while the
 * other index files still come in (install/prefetch.ts), and a pick that resolution overrides
 * is dropped: the install is the one a resolve-then-download install makes.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { LibraryIndex } from '../../index-builder/src/format/protocol.js';
import { TarballCache } from '../../tools/cli/install/cache.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'alpha', version: '1.0.0' },
    { scope: 'acme', name: 'alpha', version: '2.0.0' },
    { scope: 'acme', name: 'beta', version: '1.0.0' },
    { scope: 'acme', name: 'gamma', version: '1.0.0', dependencies: { '@acme/alpha': '^1.0.0' } },
  ]);
  host = await startStaticHost(reg.out);
});
afterEach(() => {
  host.override('/index/@acme/beta.json', null);
  host.override('/index/@acme/gamma.json', null);
  host.log.length = 0;
});
afterAll(async () => {
  await host?.close();
});

/** Serves an index file only after `ms`, noting how many requests had arrived by then. */
function slowIndex(name: string, ms: number): { answeredAfter: () => number } {
  let seen = -1;
  host.override(`/index/@acme/${name}.json`, async (_req, res) => {
    await new Promise((r) => setTimeout(r, ms));
    seen = host.log.length;
    const body = readFileSync(join(reg.out, `index/@acme/${name}.json`));
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
  });
  return { answeredAfter: () => seen };
}

const lock = (cwd: string) => JSON.parse(readFileSync(join(cwd, 'mdlibs.lock'), 'utf8')) as { libraries: Record<string, { version: string }> };

describe('install downloads ahead of resolution', () => {
  it('asks for a named library\'s tarball before another library\'s index file has arrived', async () => {
    const slow = slowIndex('beta', 400);
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/alpha', '@acme/beta', '--registry', host.url]);
    expect(r.code, r.stderr).toBe(0);
    const before = host.log.slice(0, slow.answeredAfter()).map((l) => l.path);
    expect(before).toContain('/tarballs/@acme/alpha/alpha-2.0.0.tgz');
    expect(before).not.toContain('/tarballs/@acme/beta/beta-1.0.0.tgz');
    expect(host.log.filter((l) => l.path.startsWith('/tarballs/')).map((l) => l.path).sort()).toEqual(['/tarballs/@acme/alpha/alpha-2.0.0.tgz', '/tarballs/@acme/beta/beta-1.0.0.tgz']);
    expect(lock(cli.cwd).libraries['@acme/alpha']?.version).toBe('2.0.0');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/beta/README.md'))).toBe(true);
  });

  it('drops a download that resolution overrides and installs the version every range allows', async () => {
    slowIndex('gamma', 200); // alpha's own pick (2.0.0) is downloaded before gamma's ^1 is known
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/alpha', '@acme/gamma', '--registry', host.url, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const tarballs = host.log.filter((l) => l.path.startsWith('/tarballs/')).map((l) => l.path).sort();
    expect(tarballs).toEqual(['/tarballs/@acme/alpha/alpha-1.0.0.tgz', '/tarballs/@acme/alpha/alpha-2.0.0.tgz', '/tarballs/@acme/gamma/gamma-1.0.0.tgz']);
    expect(lock(cli.cwd).libraries['@acme/alpha']?.version).toBe('1.0.0');
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/alpha/.mdlibs.toml'), 'utf8')).toContain('version = "1.0.0"');
    // the dropped download is not in the cache either (it was never verified against a lock entry)
    const cache = new TarballCache(join(cli.home, 'cache', 'mdlibs'));
    const integrity = (v: string) => (JSON.parse(readFileSync(join(reg.out, 'index/@acme/alpha.json'), 'utf8')) as LibraryIndex).versions.find((x) => x.version === v)?.integrity ?? '';
    expect([cache.has(integrity('1.0.0')), cache.has(integrity('2.0.0'))]).toEqual([true, false]);
  });

  it('downloads nothing ahead for a library already in the cache', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/beta', '--registry', host.url])).code).toBe(0);
    host.log.length = 0;
    const other = join(cli.home, 'other');
    mkdirSync(other);
    const r = await cli.run(['install', '@acme/beta', '--registry', host.url], { cwd: other });
    expect(r.code, r.stderr).toBe(0);
    expect(host.log.filter((l) => l.path.startsWith('/tarballs/'))).toEqual([]);
  });

  it('downloads nothing ahead for a library the lockfile has at that version (installed already), even with an empty cache', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/beta', '--registry', host.url])).code).toBe(0);
    rmSync(join(cli.home, 'cache'), { recursive: true, force: true });
    host.log.length = 0;
    const r = await cli.run(['install', '@acme/gamma', '--registry', host.url]);
    expect(r.code, r.stderr).toBe(0);
    expect(host.log.filter((l) => l.path.startsWith('/tarballs/')).map((l) => l.path).sort()).toEqual(['/tarballs/@acme/alpha/alpha-1.0.0.tgz', '/tarballs/@acme/gamma/gamma-1.0.0.tgz']);
    expect(lock(cli.cwd).libraries['@acme/beta']?.version).toBe('1.0.0');
  });
});
