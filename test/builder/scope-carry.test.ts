import { cpSync, mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { commitAll, git, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { expectBuildError, snapshot, TIME_DEPENDENT } from '../helpers/trees.js';

/** A git registry with two public scopes of three libraries each, and one private scope. */
function twoScopeRepo(): string {
  const root = tempDir();
  writeRegistry(root, { scopes: { acme: 'public', guides: 'public', secret: 'private' } });
  gitInit(root);
  for (const scope of ['acme', 'guides']) for (const name of ['alpha', 'bravo', 'charlie']) writeLibrary(root, { scope, name, version: '1.0.0' });
  writeLibrary(root, { scope: 'guides', name: 'bravo', version: '1.1.0', dependencies: { '@acme/alpha': '^1.0.0' } });
  writeFileSync(join(root, 'libraries/@guides/charlie/meta.toml'), '[yanked]\n"1.0.0" = "wrong examples"\n');
  writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.0.0' });
  commitAll(root, 'initial');
  return root;
}

/** The tree built in `out` is the one a first build of the same registry makes (byte for byte, build time apart). */
async function expectSameAsFreshBuild(root: string, out: string, priv?: string): Promise<void> {
  const fresh = tempDir();
  await buildRegistry({ registryDir: root, outDir: join(fresh, 'out'), privateOutDir: priv ? join(fresh, 'priv') : undefined });
  for (const [mine, theirs] of [[out, join(fresh, 'out')], ...(priv ? [[priv, join(fresh, 'priv')]] : [])] as [string, string][]) {
    const a = snapshot(mine, TIME_DEPENDENT);
    const b = snapshot(theirs, TIME_DEPENDENT);
    expect([...a.keys()]).toEqual([...b.keys()]);
    for (const [f, bytes] of a) expect(bytes.equals(b.get(f) as Buffer), f).toBe(true);
  }
}

const recordOf = (out: string) => JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { scopes?: Record<string, { tree: string; libraries: { name: string; meta: unknown; versions: string[] }[] }> };

describe('scopes taken over from the previous build', () => {
  it('records each clean scope with its Git tree and libraries, and takes over only the scopes whose tree is unchanged', async () => {
    const root = twoScopeRepo();
    const dir = tempDir();
    const out = join(dir, 'out');
    const priv = join(dir, 'priv');
    const first = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    expect(first.takenOverScopes).toEqual([]);
    const rec = recordOf(out);
    expect(Object.keys(rec.scopes ?? {}).sort()).toEqual(['acme', 'guides']); // the private scope goes to the private record only
    expect(rec.scopes?.guides?.tree).toBe(git(root, 'rev-parse', 'HEAD:libraries/@guides').trim());
    expect(rec.scopes?.guides?.libraries.find((l) => l.name === 'charlie')).toEqual({ name: 'charlie', meta: { yanked: { '1.0.0': 'wrong examples' } }, versions: ['1.0.0'] });
    expect(Object.keys(recordOf(priv).scopes ?? {})).toEqual(['secret']);

    const noop = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    expect(noop.takenOverScopes).toEqual(['acme', 'guides', 'secret']);
    expect(noop.builtVersions).toEqual([]);

    writeLibrary(root, { scope: 'acme', name: 'bravo', version: '1.1.0' });
    commitAll(root, 'acme/bravo 1.1.0');
    const one = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    expect(one.takenOverScopes).toEqual(['guides', 'secret']);
    expect(one.builtVersions).toEqual(['@acme/bravo@1.1.0']);
    expect(one.rebuiltLibraries).toEqual(['@acme/bravo']);
    await expectSameAsFreshBuild(root, out, priv);
  });

  it('reads a scope again when a committed change touched it (meta.toml only), and equals a fresh build', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    writeFileSync(join(root, 'libraries/@guides/alpha/meta.toml'), 'deprecated = "use @guides/bravo"\n');
    commitAll(root, 'deprecate guides/alpha');
    const r = await buildRegistry({ registryDir: root, outDir: out });
    expect(r.takenOverScopes).toEqual(['acme']);
    expect(r.rebuiltLibraries).toEqual(['@guides/alpha']);
    expect((JSON.parse(readFileSync(join(out, 'index/@guides/alpha.json'), 'utf8')) as { deprecated: string | null }).deprecated).toBe('use @guides/bravo');
    await expectSameAsFreshBuild(root, out);
  });

  it('reads a scope again when its work tree changed since HEAD: an uncommitted meta.toml edit is built, not the recorded one', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    writeFileSync(join(root, 'libraries/@guides/charlie/meta.toml'), '[yanked]\n"1.0.0" = "wrong examples"\n\n'); // same meaning, not HEAD's file
    writeFileSync(join(root, 'libraries/@guides/alpha/meta.toml'), 'deprecated = "not committed yet"\n'); // a new file: untracked
    const r = await buildRegistry({ registryDir: root, outDir: out });
    expect(r.takenOverScopes).toEqual(['acme']);
    expect(r.rebuiltLibraries).toEqual(['@guides/alpha']);
    expect(r.builtVersions).toEqual([]); // its version folders are clean: still keyed by their HEAD tree ids
    expect((JSON.parse(readFileSync(join(out, 'index/@guides/alpha.json'), 'utf8')) as { deprecated: string | null }).deprecated).toBe('not committed yet');
    const record = JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { versions: Record<string, { key: string }> };
    expect(record.versions['@guides/alpha@1.0.0']?.key).toBe(`git:${git(root, 'rev-parse', 'HEAD:libraries/@guides/alpha/1.0.0').trim()}`);
    expect(Object.keys(recordOf(out).scopes ?? {})).toEqual(['acme']); // a dirty scope is not recorded for the next build
    await expectSameAsFreshBuild(root, out);
    // once committed, the scope is recorded again and the next build takes it over
    commitAll(root, 'deprecate guides/alpha');
    await buildRegistry({ registryDir: root, outDir: out });
    expect((await buildRegistry({ registryDir: root, outDir: out })).takenOverScopes).toEqual(['acme', 'guides']);
  });

  it('reports the problems of a scope that changed in the work tree only, which a taken-over layout would have missed', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const served = realpathSync(out);
    writeFileSync(join(root, 'libraries/@guides/stray.md'), '# not in a library\n'); // untracked, in the scope folder
    mkdirSync(join(root, 'libraries/@guides/bravo/v2'));
    writeFileSync(join(root, 'libraries/@guides/bravo/v2/README.md'), '# bad version folder\n');
    writeFileSync(join(root, '.gitignore'), '*.log\n');
    writeFileSync(join(root, 'libraries/@guides/alpha/debug.log'), 'ignored by git, still in the folder\n');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.code).toBe('MDL_VALIDATION_FAILED');
    const problems = e.problems ?? [];
    expect(problems.map((p) => `${p.code} ${p.file}`).sort()).toEqual([
      'MDL_LAYOUT_INVALID libraries/@guides/alpha/debug.log',
      'MDL_LAYOUT_INVALID libraries/@guides/stray.md',
      'MDL_VERSION_INVALID libraries/@guides/bravo/v2',
    ]);
    expect(realpathSync(out)).toBe(served);
  });

  it('takes over nothing without Git, nor from a previous record made under other limits', async () => {
    const root = twoScopeRepo();
    const plain = tempDir();
    cpSync(root, plain, { recursive: true });
    rmSync(join(plain, '.git'), { recursive: true });
    const pout = join(tempDir(), 'out');
    await buildRegistry({ registryDir: plain, outDir: pout });
    expect(recordOf(pout).scopes).toBeUndefined();
    expect((await buildRegistry({ registryDir: plain, outDir: pout })).takenOverScopes).toEqual([]);

    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    writeFileSync(join(root, 'registry.toml'), `${readFileSync(join(root, 'registry.toml'), 'utf8')}\n[limits]\nmax_files = 500\n`);
    commitAll(root, 'limits');
    const r = await buildRegistry({ registryDir: root, outDir: out });
    expect(r.takenOverScopes).toEqual([]);
    expect(r.builtVersions.length).toBe(7);
  });

  it('refuses a record whose scopes are not what a build writes', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const good = recordOf(out) as Record<string, unknown> & { scopes: Record<string, { tree: string; libraries: Record<string, unknown>[] }> };
    const g = good.scopes.guides as { tree: string; libraries: Record<string, unknown>[] };
    const lib = g.libraries[0] as Record<string, unknown>;
    const forged = (scope: unknown) => JSON.stringify({ ...good, scopes: { ...good.scopes, guides: scope } });
    const variants = [
      JSON.stringify({ ...good, scopes: [] }), forged(null), forged({ tree: 7, libraries: g.libraries }), forged({ tree: g.tree }),
      forged({ ...g, libraries: [{ ...lib, versions: '1.0.0' }] }), forged({ ...g, libraries: [{ ...lib, name: null }] }),
      forged({ ...g, libraries: [{ ...lib, meta: { yanked: { '1.0.0': 3 } } }] }), forged({ ...g, libraries: [{ ...lib, meta: {} }] }),
      forged({ ...g, libraries: [{ ...lib, meta: { yanked: {}, deprecated: true } }] }), forged({ ...g, libraries: [{ ...lib, meta: { yanked: {}, extra: 'x' } }] }),
      // names and versions that would be paths out of the tree's folders
      forged({ ...g, libraries: [{ ...lib, name: '../../../etc' }] }), forged({ ...g, libraries: [{ ...lib, name: 'Alpha' }] }),
      forged({ ...g, libraries: [{ ...lib, versions: ['../1.0.0'] }] }), forged({ ...g, libraries: [{ ...lib, versions: ['1.0'] }] }),
    ];
    for (const bad of variants) {
      writeFileSync(join(out, 'build-record.json'), bad);
      const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
      expect(e.code, bad.slice(0, 80)).toBe('MDL_RECORD_INVALID');
    }
  });
});
