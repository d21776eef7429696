import { cpSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const recordOf = (out: string) => JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { scopes?: Record<string, { tree: string; libraries: { name: string; meta: unknown; versions: string[]; entry?: unknown; bytes?: number; dependencies?: unknown }[] }> };

/** The size of every tarball of the tree in `out`. */
const tarballBytesOf = (out: string): number => {
  // the scope folders are links to shards (tree-writer.ts): followed
  const walk = (path: string): number => (statSync(path).isDirectory() ? readdirSync(path).reduce((n, e) => n + walk(join(path, e)), 0) : path.endsWith('.tgz') ? statSync(path).size : 0);
  return walk(join(out, 'tarballs'));
};

/** Every summary entry of the tree in `out` (PROTO-3 summary pages). */
const summaryEntries = (out: string): { name: string }[] => {
  const index = JSON.parse(readFileSync(join(out, 'summary/index.json'), 'utf8')) as { pages: string[] };
  return index.pages.flatMap((rel) => (JSON.parse(readFileSync(join(out, rel), 'utf8')) as { entries: { name: string }[] }).entries);
};

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
    const charlie = rec.scopes?.guides?.libraries.find((l) => l.name === 'charlie');
    expect(charlie).toMatchObject({ name: 'charlie', meta: { yanked: { '1.0.0': 'wrong examples' } }, versions: ['1.0.0'] });
    // what the next build takes over without reading the version entries: the summary entry, the tarballs' size
    expect(charlie?.entry).toEqual(summaryEntries(out).find((e) => e.name === '@guides/charlie'));
    expect(charlie?.bytes).toBe(statSync(join(out, 'tarballs/@guides/charlie/charlie-1.0.0.tgz')).size);
    expect(charlie?.dependencies).toBeUndefined();
    expect(rec.scopes?.guides?.libraries.find((l) => l.name === 'bravo')?.dependencies).toEqual({ '1.1.0': { '@acme/alpha': '^1.0.0' } });
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

  it('reads no version entry of a scope taken over, and refuses a damaged one when that scope is read again', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const recordFile = join(out, 'build-record.json');
    // @guides/alpha's entry no longer passes the record's checks: no build reads it while @guides is taken over
    const damaged = readFileSync(recordFile, 'latin1').replace(/("@guides\/alpha@1\.0\.0":\{"key":"[^"]*","sha256":")[0-9a-f]{64}/, `$1${'z'.repeat(64)}`);
    expect(damaged).not.toBe(readFileSync(recordFile, 'latin1'));
    writeFileSync(recordFile, damaged);
    writeLibrary(root, { scope: 'acme', name: 'alpha', version: '1.1.0' });
    commitAll(root, 'acme/alpha 1.1.0');
    const one = await buildRegistry({ registryDir: root, outDir: out });
    expect(one.takenOverScopes).toEqual(['guides']);
    expect(one.builtVersions).toEqual(['@acme/alpha@1.1.0']);
    expect(one.tarballBytes).toBe(tarballBytesOf(out)); // the taken-over libraries' sizes count
    const line = (text: string) => text.split('\n').find((l) => l.startsWith('"@guides/alpha@1.0.0":'));
    expect(line(readFileSync(recordFile, 'latin1'))).toBe(line(damaged)); // copied as it was
    // a change in @guides: its entries are read, and the damaged one is refused; the previous tree is still served
    writeLibrary(root, { scope: 'guides', name: 'charlie', version: '1.1.0' });
    commitAll(root, 'guides/charlie 1.1.0');
    const served = readFileSync(join(out, 'index/@guides/alpha.json'), 'utf8');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.code).toBe('MDL_RECORD_INVALID');
    expect(e.message).toMatch(/build-record\.json is not a valid build record$/);
    expect(readFileSync(join(out, 'index/@guides/alpha.json'), 'utf8')).toBe(served);
  });

  it('takes over no scope whose visibility changed, and equals a fresh build', async () => {
    const root = twoScopeRepo();
    const dir = tempDir();
    const out = join(dir, 'out');
    const priv = join(dir, 'priv');
    await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    // only scopes/ changes: libraries/@guides and libraries/@secret are the same Git trees
    for (const [scope, from, to] of [['guides', 'public', 'private'], ['secret', 'private', 'public']]) {
      writeFileSync(join(root, `scopes/${scope}.toml`), readFileSync(join(root, `scopes/${scope}.toml`), 'utf8').replace(`visibility = "${from}"`, `visibility = "${to}"`));
    }
    // a public library may not depend on a private one: @guides/bravo's dependency goes the other way now
    commitAll(root, 'guides private, secret public');
    const r = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    expect(r.takenOverScopes).toEqual(['acme']);
    expect(JSON.parse(readFileSync(join(priv, 'index/@guides/alpha.json'), 'utf8')).visibility).toBe('private');
    await expectSameAsFreshBuild(root, out, priv);
  });

  it('checks the dependencies of a library taken over against the libraries of this build', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    // @guides/bravo 1.1.0 depends on @acme/alpha ^1.0.0; @guides is unchanged, @acme/alpha is removed
    rmSync(join(root, 'libraries/@acme/alpha'), { recursive: true });
    commitAll(root, 'remove acme/alpha');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.problems?.map((p) => [p.code, p.file, p.message])).toEqual([['MDL_DEPENDENCY_MISSING', 'libraries/@guides/bravo/1.1.0/.mdlibs.toml', 'dependency @acme/alpha is not in this registry']]);
  });

  it('takes over nothing from a record whose scopes lack the libraries\' summary entries and sizes (an earlier mdlibs), and records them', async () => {
    const root = twoScopeRepo();
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const rec = recordOf(out);
    for (const c of Object.values(rec.scopes ?? {})) {
      for (const l of c.libraries) {
        delete l.entry;
        delete l.bytes;
        delete l.dependencies;
      }
    }
    writeFileSync(join(out, 'build-record.json'), JSON.stringify(rec));
    const noop = await buildRegistry({ registryDir: root, outDir: out });
    expect(noop.takenOverScopes).toEqual([]);
    expect(noop.builtVersions).toEqual([]);
    expect(recordOf(out).scopes?.guides?.libraries.every((l) => l.entry !== undefined && l.bytes !== undefined)).toBe(true);
    expect((await buildRegistry({ registryDir: root, outDir: out })).takenOverScopes).toEqual(['acme', 'guides']);
    await expectSameAsFreshBuild(root, out);
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
      // what is taken over with a library instead of its version entries
      forged({ ...g, libraries: [{ ...lib, bytes: -1 }] }), forged({ ...g, libraries: [{ ...lib, bytes: '12' }] }), forged({ ...g, libraries: [{ ...lib, bytes: 1.5 }] }),
      forged({ ...g, libraries: [{ ...lib, entry: { ...(lib.entry as object), tags: 'a' } }] }), forged({ ...g, libraries: [{ ...lib, entry: { ...(lib.entry as object), versionCount: '2' } }] }),
      forged({ ...g, libraries: [{ ...lib, entry: null }] }), forged({ ...g, libraries: [{ ...lib, dependencies: { '1.0.0': { '@acme/alpha': 1 } } }] }),
      forged({ ...g, libraries: [{ ...lib, dependencies: { '1.0.0': [] } }] }),
    ];
    for (const bad of variants) {
      writeFileSync(join(out, 'build-record.json'), bad);
      const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
      expect(e.code, bad.slice(0, 80)).toBe('MDL_RECORD_INVALID');
    }
  });
});
