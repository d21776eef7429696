import { cpSync, existsSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { parseTrees } from '../../index-builder/src/git/git-state.js';
import { KEEP_OLD_BUILDS } from '../../index-builder/src/output/managed-dir.js';
import { commitAll, git, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { expectBuildError, snapshot, TIME_DEPENDENT } from '../helpers/trees.js';

function makeGitRegistry(libs = 5): string {
  const root = tempDir();
  writeRegistry(root);
  gitInit(root);
  for (let i = 0; i < libs; i++) writeLibrary(root, { scope: 'acme', name: `lib-${'abcdefghij'[i]}`, version: '1.0.0' });
  writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.0.0' });
  commitAll(root, 'initial');
  return root;
}


describe('determinism', () => {
  it('gives byte-identical trees for two clones built in different folders at different times', async () => {
    const src = makeGitRegistry(3);
    const a = tempDir();
    const b = tempDir();
    git(a, 'clone', '-q', src, 'repo');
    git(b, 'clone', '-q', src, 'repo');
    await buildRegistry({ registryDir: join(a, 'repo'), outDir: join(a, 'out'), privateOutDir: join(a, 'priv'), now: () => new Date('2026-01-01T00:00:00Z') });
    await buildRegistry({ registryDir: join(b, 'repo'), outDir: join(b, 'out'), privateOutDir: join(b, 'priv'), now: () => new Date('2027-06-30T12:00:00Z') });
    for (const t of ['out', 'priv']) {
      const sa = snapshot(join(a, t), TIME_DEPENDENT);
      const sb = snapshot(join(b, t), TIME_DEPENDENT);
      expect([...sa.keys()]).toEqual([...sb.keys()]);
      for (const [f, bytes] of sa) expect(bytes.equals(sb.get(f) as Buffer), f).toBe(true);
      expect(sa.size).toBeGreaterThan(10);
    }
    // and the time-dependent file is the only difference
    expect(readFileSync(join(a, 'out/build-info.json'), 'utf8')).not.toBe(readFileSync(join(b, 'out/build-info.json'), 'utf8'));
  });

  it('packs the same content to the same tarball bytes whatever the file mtimes and modes', async () => {
    const src = makeGitRegistry(1);
    const out1 = join(tempDir(), 'o');
    await buildRegistry({ registryDir: src, outDir: out1 });
    const copy = tempDir();
    cpSync(src, copy, { recursive: true });
    rmSync(join(copy, '.git'), { recursive: true });
    writeFileSync(join(copy, 'libraries/@acme/lib-a/1.0.0/README.md'), readFileSync(join(src, 'libraries/@acme/lib-a/1.0.0/README.md')));
    const out2 = join(tempDir(), 'o');
    await buildRegistry({ registryDir: copy, outDir: out2 });
    const t = 'tarballs/@acme/lib-a/lib-a-1.0.0.tgz';
    expect(readFileSync(join(out1, t)).equals(readFileSync(join(out2, t)))).toBe(true);
  });
});

describe('incremental builds keyed by git tree ids', () => {
  it('rebuilds only the changed library and leaves every other output identical', async () => {
    const root = makeGitRegistry(5);
    const out = join(tempDir(), 'out');
    const first = await buildRegistry({ registryDir: root, outDir: out });
    expect(first.builtVersions.length).toBe(5);
    const before = snapshot(out);

    const searchInode = statSync(join(out, 'search/index.json.br')).ino;
    const noop = await buildRegistry({ registryDir: root, outDir: out });
    expect(statSync(join(out, 'search/index.json.br')).ino).toBe(searchInode); // reused (hard link), not rebuilt
    expect(noop.builtVersions).toEqual([]);
    expect(noop.rebuiltLibraries).toEqual([]);
    expect(noop.reusedVersions).toBe(5);

    writeLibrary(root, { scope: 'acme', name: 'lib-c', version: '1.1.0' });
    commitAll(root, 'lib-c 1.1.0');
    const r = await buildRegistry({ registryDir: root, outDir: out });
    expect(r.builtVersions).toEqual(['@acme/lib-c@1.1.0']);
    expect(r.rebuiltLibraries).toEqual(['@acme/lib-c']);
    expect(r.reusedVersions).toBe(5);
    const after = snapshot(out);
    const changed = [...after.keys()].filter((f) => !before.get(f)?.equals(after.get(f) as Buffer));
    const unexpected = changed.filter((f) => !f.startsWith('index/@acme/lib-c.json') && f !== 'tarballs/@acme/lib-c/lib-c-1.1.0.tgz' && !/^(summary|search)\//.test(f) && !/^build-(info|record)\.json/.test(f));
    expect(unexpected).toEqual([]);
    expect(changed).toContain('tarballs/@acme/lib-c/lib-c-1.1.0.tgz');
    expect(changed).toContain('search/index.json');
    expect(statSync(join(out, 'search/index.json.br')).ino).not.toBe(searchInode);
    for (const f of before.keys()) expect(after.has(f), f).toBe(true);
  });

  it('rewrites the index file of a library whose meta.toml changed (yank, deprecation) while its versions did not, and equals a fresh build', async () => {
    const root = makeGitRegistry(3);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const index = () => JSON.parse(readFileSync(join(out, 'index/@acme/lib-b.json'), 'utf8')) as { deprecated: string | null; versions: { version: string; yanked: boolean }[] };
    expect(index().versions[0]?.yanked).toBe(false);

    writeFileSync(join(root, 'libraries/@acme/lib-b/meta.toml'), '[yanked]\n"1.0.0" = "broken links"\n');
    commitAll(root, 'yank lib-b 1.0.0');
    const yank = await buildRegistry({ registryDir: root, outDir: out });
    expect(yank.builtVersions).toEqual([]);
    expect(yank.rebuiltLibraries).toEqual(['@acme/lib-b']);
    expect(index().versions[0]?.yanked).toBe(true);

    writeFileSync(join(root, 'libraries/@acme/lib-b/meta.toml'), 'deprecated = "use lib-c"\n\n[yanked]\n"1.0.0" = "broken links"\n');
    commitAll(root, 'deprecate lib-b');
    const deprecate = await buildRegistry({ registryDir: root, outDir: out });
    expect(deprecate.rebuiltLibraries).toEqual(['@acme/lib-b']);
    expect(index().deprecated).toBe('use lib-c');

    const fresh = join(tempDir(), 'fresh');
    await buildRegistry({ registryDir: root, outDir: fresh });
    expect(readFileSync(join(out, 'index/@acme/lib-b.json'), 'utf8')).toBe(readFileSync(join(fresh, 'index/@acme/lib-b.json'), 'utf8'));
    expect(readFileSync(join(out, 'build-record.json'), 'utf8').length).toBe(readFileSync(join(fresh, 'build-record.json'), 'utf8').length);
  });

  it('falls back to content hashes for a plain folder and for uncommitted changes', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    writeLibrary(root, { scope: 'acme', name: 'lib-a', version: '2.0.0' }); // untracked
    const r1 = await buildRegistry({ registryDir: root, outDir: out });
    expect(r1.builtVersions).toEqual(['@acme/lib-a@2.0.0']);
    const r2 = await buildRegistry({ registryDir: root, outDir: out });
    expect(r2.builtVersions).toEqual([]); // same content hash: reused
    const plain = tempDir();
    cpSync(root, plain, { recursive: true });
    rmSync(join(plain, '.git'), { recursive: true });
    const pout = join(tempDir(), 'out');
    expect((await buildRegistry({ registryDir: plain, outDir: pout })).builtVersions.length).toBe(3);
    expect((await buildRegistry({ registryDir: plain, outDir: pout })).builtVersions.length).toBe(0);
  });
});

describe('versions validated before git status answers', () => {
  it('builds a committed folder with an untracked file in it by its content, as a fresh build does, though its HEAD tree id came first', async () => {
    const root = makeGitRegistry(3);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    writeLibrary(root, { scope: 'acme', name: 'lib-b', version: '1.1.0' });
    commitAll(root, 'lib-b 1.1.0');
    writeFileSync(join(root, 'libraries/@acme/lib-b/1.1.0/notes.md'), '# Notes\n\nNot committed yet.\n'); // the folder is in HEAD, and dirty
    const report = await buildRegistry({ registryDir: root, outDir: out });
    expect(report.builtVersions).toEqual(['@acme/lib-b@1.1.0']);
    const record = JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { versions: Record<string, { key: string; fileCount: number }> };
    expect(record.versions['@acme/lib-b@1.1.0']?.key).toMatch(/^sha256:/); // not git:<its HEAD tree>, which lacks notes.md
    expect(record.versions['@acme/lib-b@1.0.0']?.key).toMatch(/^git:/);
    const fresh = join(tempDir(), 'fresh');
    await buildRegistry({ registryDir: root, outDir: fresh });
    for (const rel of ['index/@acme/lib-b.json', 'search/index.json', 'tarballs/@acme/lib-b/lib-b-1.1.0.tgz', 'build-record.json']) {
      expect(readFileSync(join(out, rel)).equals(readFileSync(join(fresh, rel))), rel).toBe(true);
    }
    const index = JSON.parse(readFileSync(join(out, 'index/@acme/lib-b.json'), 'utf8')) as { versions: { version: string; docs: { path: string }[] }[] };
    expect(index.versions.find((v) => v.version === '1.1.0')?.docs.map((d) => d.path)).toContain('notes.md');
  });
});

describe('immutability', () => {
  it('refuses an edited published version and keeps serving the previous tree', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const served = realpathSync(out);
    const before = snapshot(out);
    writeFileSync(join(root, 'libraries/@acme/lib-a/1.0.0/README.md'), '# lib-a\n\nSneaky edit.\n');
    commitAll(root, 'edit a published version');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.code).toBe('MDL_VALIDATION_FAILED');
    expect(e.problems.map((p) => [p.code, p.file])).toEqual([['MDL_VERSION_CHANGED', 'libraries/@acme/lib-a/1.0.0']]);
    expect(e.problems[0]?.message).toMatch(/^@acme\/lib-a@1\.0\.0 was published with sha256 [0-9a-f]{12}… and its content has changed/);
    expect(e.problems[0]?.hint).toMatch(/new version/);
    expect(realpathSync(out)).toBe(served);
    expect(snapshot(out)).toEqual(before);
  });

  it('refuses an uncommitted edit of a published version (its HEAD tree id is the published one) and an untracked file added to it', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const served = realpathSync(out);
    for (const edit of [() => writeFileSync(join(root, 'libraries/@acme/lib-a/1.0.0/README.md'), '# lib-a\n\nUncommitted edit.\n'), () => writeFileSync(join(root, 'libraries/@acme/lib-b/1.0.0/docs/extra.md'), '# Extra\n')]) {
      git(root, 'checkout', '-q', '--', '.');
      edit();
      const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
      expect(e.problems.map((p) => p.code)).toEqual(['MDL_VERSION_CHANGED']);
      expect(realpathSync(out)).toBe(served);
    }
  });


  it('refuses a staged rename out of a published version on both sides: the folder that lost the file changed too', async () => {
    const root = makeGitRegistry(2);
    writeFileSync(join(root, 'libraries/@acme/lib-a/1.0.0/docs/notes.md'), '# Notes\n\nNothing links here.\n');
    commitAll(root, 'lib-a notes');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const served = realpathSync(out);
    git(root, 'mv', 'libraries/@acme/lib-a/1.0.0/docs/notes.md', 'libraries/@acme/lib-b/1.0.0/docs/notes.md');
    expect(git(root, 'status', '--porcelain=v1')).toMatch(/^R {2}/); // git reports it as one rename record
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.problems.map((p) => `${p.code} ${p.file}`).sort()).toEqual(['MDL_VERSION_CHANGED libraries/@acme/lib-a/1.0.0', 'MDL_VERSION_CHANGED libraries/@acme/lib-b/1.0.0']);
    expect(realpathSync(out)).toBe(served);
  });
  it('refuses a force-pushed rewritten history that changes a version', async () => {
    const origin = makeGitRegistry(2);
    const ci = tempDir();
    git(ci, 'clone', '-q', origin, 'repo');
    const repo = join(ci, 'repo');
    const out = join(ci, 'out');
    await buildRegistry({ registryDir: repo, outDir: out });
    const served = realpathSync(out);
    // rewrite history on the origin: amend the initial commit with different content, force-push style
    writeFileSync(join(origin, 'libraries/@acme/lib-b/1.0.0/docs/guide.md'), '# Guide\n\nRewritten.\n');
    git(origin, 'add', '-A');
    git(origin, 'commit', '-q', '--amend', '-m', 'initial (rewritten)');
    git(repo, 'fetch', '-q', 'origin');
    git(repo, 'reset', '-q', '--hard', 'origin/main');
    const e = await expectBuildError(buildRegistry({ registryDir: repo, outDir: out }));
    expect(e.problems.map((p) => p.code)).toEqual(['MDL_VERSION_CHANGED']);
    expect(e.problems[0]?.file).toBe('libraries/@acme/lib-b/1.0.0');
    expect(realpathSync(out)).toBe(served);
  });

  it('refuses a deleted version number that comes back with other content, and accepts the same content back', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const keep = tempDir();
    cpSync(join(root, 'libraries/@acme/lib-a/1.0.0'), keep, { recursive: true });
    rmSync(join(root, 'libraries/@acme/lib-a'), { recursive: true });
    commitAll(root, 'admin deletes lib-a 1.0.0');
    const del = await buildRegistry({ registryDir: root, outDir: out });
    expect(existsSync(join(out, 'index/@acme/lib-a.json'))).toBe(false);
    const record = JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { deleted: Record<string, unknown> };
    expect(Object.keys(record.deleted)).toEqual(['@acme/lib-a@1.0.0']);
    expect(del.libraries).toBe(1);
    const served = realpathSync(out);

    writeLibrary(root, { scope: 'acme', name: 'lib-a', version: '1.0.0', description: 'Different content this time' });
    commitAll(root, 're-add with other content');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.problems.map((p) => [p.code, p.message])).toEqual([['MDL_VERSION_REUSED', '@acme/lib-a@1.0.0 was deleted and now comes back with different content']]);
    expect(realpathSync(out)).toBe(served);

    rmSync(join(root, 'libraries/@acme/lib-a/1.0.0'), { recursive: true });
    cpSync(keep, join(root, 'libraries/@acme/lib-a/1.0.0'), { recursive: true });
    commitAll(root, 're-add the same content');
    const ok = await buildRegistry({ registryDir: root, outDir: out });
    expect(ok.builtVersions).toEqual(['@acme/lib-a@1.0.0']);
  });
});

describe('output management', () => {
  it('refuses to overwrite a folder it did not write', async () => {
    const root = makeGitRegistry(1);
    const out = tempDir();
    writeFileSync(join(out, 'precious.txt'), 'keep me');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.code).toBe('MDL_OUTPUT_NOT_MANAGED');
    expect(readFileSync(join(out, 'precious.txt'), 'utf8')).toBe('keep me');
  });

  it('keys versions by git tree id and dates them by their commit when the registry is a subfolder of the repository', async () => {
    const repo = tempDir();
    gitInit(repo);
    const root = join(repo, 'registry');
    writeRegistry(root, { scopes: { acme: 'public' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    const head = commitAll(repo, 'guide 1.0.0');
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.1.0' }); // not committed yet
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const record = JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { versions: Record<string, { key: string; commit: string | null }> };
    const treeId = git(repo, 'rev-parse', 'HEAD:registry/libraries/@acme/guide/1.0.0').trim();
    expect(record.versions['@acme/guide@1.0.0']).toMatchObject({ key: `git:${treeId}`, commit: head });
    expect(record.versions['@acme/guide@1.1.0']?.key).toMatch(/^sha256:/); // dirty (untracked): keyed by content
    expect(record.versions['@acme/guide@1.1.0']?.commit).toBeNull();
  });

  it('refuses a corrupt or forged build record with a clear error instead of trusting it', async () => {
    const root = makeGitRegistry(1);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const served = realpathSync(out);
    const good = JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { versions: Record<string, Record<string, unknown>> };
    const [id, entry] = Object.entries(good.versions)[0] as [string, Record<string, unknown>];
    const forged = (v: unknown) => JSON.stringify({ ...good, versions: { ...good.versions, [id]: v } });
    const variants = [
      '{ not json', 'null', '[]',
      JSON.stringify({ record: 1, builder: 'x', limits: '', versions: { '@acme/lib-a@1.0.0': { key: 'git:1', sha256: 'nothex' } }, deleted: {}, libraries: {} }),
      forged(null), forged([entry]), forged({ ...entry, sha256: 'A'.repeat(64) }), forged({ ...entry, docs: 'README.md' }),
      forged({ ...entry, search: { titles: 'x' } }), forged({ ...entry, key: 7 }), forged({ ...entry, publishedAt: undefined }),
    ];
    for (const bad of variants) {
      writeFileSync(join(out, 'build-record.json'), bad);
      const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
      expect(e.code).toBe('MDL_RECORD_INVALID');
      expect(e.message).toMatch(/build-record\.json is not a valid build record/);
      expect(e.hint).toMatch(/restore the previous output tree/);
      expect(realpathSync(out)).toBe(served);
    }
  });

  it('adopts a plain tree restored from a deploy as the previous build (immutability still holds)', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const restored = join(tempDir(), 'site');
    cpSync(out, restored, { recursive: true, dereference: true });
    writeFileSync(join(root, 'libraries/@acme/lib-a/1.0.0/README.md'), '# changed\n');
    commitAll(root, 'edit');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: restored }));
    expect(e.problems[0]?.code).toBe('MDL_VERSION_CHANGED');
    git(root, 'revert', '--no-edit', 'HEAD');
    const r = await buildRegistry({ registryDir: root, outDir: restored });
    expect(r.builtVersions).toEqual([]);
    expect(readdirSync(join(restored, 'index/@acme')).length).toBe(6);
  });

  it('keeps an adopted plain folder, with files no build writes, however many builds follow (it was pruned two builds later)', async () => {
    const root = makeGitRegistry(2);
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    const restored = join(tempDir(), 'site');
    cpSync(out, restored, { recursive: true, dereference: true });
    writeFileSync(join(restored, 'CNAME'), 'docs.example.com\n');
    for (let i = 0; i < KEEP_OLD_BUILDS + 2; i++) await buildRegistry({ registryDir: root, outDir: restored });
    const builds = join(dirname(restored), '.site.builds');
    const adopted = readdirSync(builds).filter((d) => d.startsWith('adopted-'));
    expect(adopted).toHaveLength(1);
    expect(readFileSync(join(builds, adopted[0] as string, 'CNAME'), 'utf8')).toBe('docs.example.com\n');
    // the builds themselves are still pruned: the served one and KEEP_OLD_BUILDS before it
    expect(readdirSync(builds).filter((d) => d.startsWith('b'))).toHaveLength(KEEP_OLD_BUILDS + 1);
  });
});

describe('version folder tree ids from git ls-tree', () => {
  it('are the tree id of each libraries/@scope/name/version folder and of nothing shallower or deeper', () => {
    const root = makeGitRegistry(2);
    writeLibrary(root, { scope: 'acme', name: 'lib-a', version: '1.1.0', files: { 'docs/deep/more.md': '# More\n' } });
    commitAll(root, 'deeper folders');
    const out = git(root, 'ls-tree', '-r', '-d', '-z', 'HEAD', '--', 'libraries');
    const trees = parseTrees(out).treeIds;
    const expected = ['libraries/@acme/lib-a/1.0.0', 'libraries/@acme/lib-a/1.1.0', 'libraries/@acme/lib-b/1.0.0', 'libraries/@secret/plans/1.0.0'];
    expect([...trees.keys()].sort()).toEqual(expected);
    for (const folder of expected) expect(trees.get(folder), folder).toBe(git(root, 'rev-parse', `HEAD:${folder}`).trim());
    // records not laid out as ls-tree writes them are skipped, not misread
    const odd = ['040000 tree abc\tlibraries/@a/b', 'garbage', '040000 tree def\tlibraries/@a/b/1.0.0/docs', '040000 tree 123\tother/@a/b/1.0.0', 'no-space\tlibraries/@a/b/1.0.0', ''];
    expect(parseTrees(odd.join('\0')).treeIds).toEqual(new Map());
  });
});

describe('dependencies on yanked versions', () => {
  it('refuse a new version whose range matches only yanked versions, and keep a published one that came to', async () => {
    const root = tempDir();
    writeRegistry(root);
    gitInit(root);
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    writeLibrary(root, { scope: 'acme', name: 'user', version: '1.0.0', dependencies: { '@acme/guide': '^1.0.0' } });
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    // guide 1.0.0 is yanked after user 1.0.0 was published with it: the build goes on
    writeFileSync(join(root, 'libraries/@acme/guide/meta.toml'), '[yanked]\n"1.0.0" = "broken"\n');
    commitAll(root, 'yank guide 1.0.0');
    const report = await buildRegistry({ registryDir: root, outDir: out });
    expect(report.versions).toBe(2);
    // a new version with the same range could not be installed (ranges never pick yanked versions): refused
    writeLibrary(root, { scope: 'acme', name: 'user', version: '1.1.0', dependencies: { '@acme/guide': '^1.0.0' } });
    commitAll(root, 'user 1.1.0');
    const e = await expectBuildError(buildRegistry({ registryDir: root, outDir: out }));
    expect(e.problems.map((p) => [p.code, p.file, p.message])).toEqual([
      ['MDL_DEPENDENCY_MISSING', 'libraries/@acme/user/1.1.0/.mdlibs.toml', 'only yanked versions of @acme/guide satisfy "^1.0.0" (yanked: 1.0.0)'],
    ]);
    // a version not yanked that matches: accepted
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.1' });
    commitAll(root, 'guide 1.0.1');
    expect((await buildRegistry({ registryDir: root, outDir: out })).versions).toBe(4);
  });
});
