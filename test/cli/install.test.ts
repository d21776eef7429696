import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    { scope: 'acme', name: 'portal', version: '1.0.0', dependencies: { '@acme/base': '^1.0.0' } },
    { scope: 'acme', name: 'other', version: '1.0.0' },
  ]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

describe('install from a plain static host', () => {
  it('installs the latest version, its dependencies, and writes mdlibs.lock and .mdlibs.toml', async () => {
    const cli = cliEnv();
    host.log.length = 0;
    const r = await cli.run(['install', '@acme/portal', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('+ @acme/portal@1.0.0');
    expect(r.stdout).toContain('+ @acme/base@1.2.0');
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/portal/README.md'), 'utf8')).toContain('Version 1.0.0');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/base/docs/guide.md'))).toBe(true);
    const lock = JSON.parse(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8'));
    expect(lock.dependencies).toEqual({ '@acme/portal': '^1.0.0' });
    expect(Object.keys(lock.libraries)).toEqual(['@acme/base', '@acme/portal']);
    expect(lock.libraries['@acme/base'].integrity).toMatch(/^sha512-/);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('"@acme/portal" = "^1.0.0"');
    // only config.json, the two index files and the two tarballs were fetched
    expect(host.log.map((l) => l.path).sort()).toEqual([
      '/config.json', '/index/@acme/base.json', '/index/@acme/portal.json', '/tarballs/@acme/base/base-1.2.0.tgz', '/tarballs/@acme/portal/portal-1.0.0.tgz',
    ]);
  });
});
