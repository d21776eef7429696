/**
 * Dependency resolution over deep graphs: a chain gains one level per round, and a chain
 * deeper than 100 failed with CLI_DEPENDENCY_CONFLICT "did not settle after 100 rounds".
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';
import { integrityOf, rawTgz } from './helpers/tarballs.js';

let reg: BuiltRegistry;
let host: StaticHost;

const DEPTH = 150;
const lib = (i: number) => `lib-${String(i).padStart(3, '0')}`;

/** Writes a hand-made index file (one or more versions) and its tarballs into the served tree. */
function writeLibrary(scope: string, name: string, versions: { version: string; dependencies?: Record<string, string> }[]): void {
  const entries = versions.map((v) => {
    const tgz = rawTgz([{ path: 'package/README.md', data: `# @${scope}/${name} ${v.version}\n` }]);
    const tarball = `tarballs/@${scope}/${name}/${name}-${v.version}.tgz`;
    mkdirSync(join(reg.out, `tarballs/@${scope}/${name}`), { recursive: true });
    writeFileSync(join(reg.out, tarball), tgz);
    return {
      version: v.version, description: 'd', license: 'MIT', tags: [], authors: [], dependencies: v.dependencies ?? {}, tarball, ...integrityOf(tgz),
      unpackedSize: 1, fileCount: 1, publishedAt: '2026-01-01T00:00:00Z', commit: null, yanked: false, yankedReason: null, docs: [],
    };
  });
  const ix = { name: `@${scope}/${name}`, scope, visibility: 'public', description: 'd', license: 'MIT', tags: [], authors: [], repository: null, homepage: null, deprecated: null, distTags: { latest: versions.at(-1)?.version }, updatedAt: '2026-01-01T00:00:00Z', versions: entries };
  mkdirSync(join(reg.out, `index/@${scope}`), { recursive: true });
  writeFileSync(join(reg.out, `index/@${scope}/${name}.json`), JSON.stringify(ix));
}

beforeAll(async () => {
  reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
  // @chain/lib-000 -> lib-001 -> ... -> lib-149 -> @chain/base ^1
  for (let i = 0; i < DEPTH; i++) writeLibrary('chain', lib(i), [{ version: '1.0.0', dependencies: { [`@chain/${i + 1 < DEPTH ? lib(i + 1) : 'base'}`]: '^1.0.0' } }]);
  writeLibrary('chain', 'base', [{ version: '1.0.0' }, { version: '2.0.0' }]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

describe('resolution of deep dependency graphs', () => {
  it(`installs a dependency chain ${DEPTH} deep`, async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@chain/lib-000', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lock = JSON.parse(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8')) as { libraries: Record<string, { version: string }> };
    expect(Object.keys(lock.libraries)).toHaveLength(DEPTH + 1);
    expect(lock.libraries['@chain/base']?.version).toBe('1.0.0');
    expect(readFileSync(join(cli.cwd, `libraries/@chain/${lib(DEPTH - 1)}/README.md`), 'utf8')).toContain('1.0.0');
  });

  it('a real conflict at the end of the chain still fails clearly, naming both ranges', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@chain/lib-000', '@chain/base@^2.0.0', '--registry', host.url]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error CLI_DEPENDENCY_CONFLICT: no single version of @chain/base satisfies ^2.0.0 (by project), ^1.0.0 (by @chain/${lib(DEPTH - 1)}@1.0.0)`);
    expect(r.stderr).not.toContain('did not settle');
  });
});
