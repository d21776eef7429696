/**
 * End to end (CLI-6, PUB-3): an author publishes with `mdlibs publish --via git` to a bare registry
 * repo; check mode accepts the signed push; the builder builds; `mdlibs install` gets the version.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChange } from '../../index-builder/src/check/index.js';
import { buildRegistry, libraryIndexSchema } from '../../index-builder/src/index.js';
import { cliEnv, type CliEnv } from '../cli/helpers/cli.js';
import { startStaticHost } from '../cli/helpers/static-host.js';
import { git, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { bareRemote, ciClone, headOf, useGitConfig } from './_author.js';
import { commitAs, sshKey, type Signer } from './_keys.js';
import { makeRegistryRepo } from './_registry.js';

let keys: string;
let alice: Signer;
let root: Signer;
let bare: string;
let base: string;
let cli: CliEnv;
let signedConfig: string;

/** A library folder on the author's machine (a library repo with its own .git). */
function libraryFolder(name: string, version: string, files: Record<string, string> = {}): string {
  const dir = tempDir('mdlibs-lib-');
  const rel = writeLibrary(dir, { scope: 'acme', name, version, files });
  const lib = join(dir, rel);
  execFileSync('git', ['init', '-q', lib]);
  return lib;
}

beforeAll(() => {
  keys = tempDir('mdlibs-keys-');
  alice = sshKey(keys, 'alice');
  root = sshKey(keys, 'root');
  const src = tempDir();
  makeRegistryRepo(src, { acme: { members: { alice: 'admin', bob: 'member' }, keys: [alice] }, beta: { members: { carol: 'admin' } } }, ['root'], [root]);
  commitAs(src, 'registry', root);
  bare = bareRemote(src, join(tempDir(), 'registry.git'));
  base = headOf(bare);
  signedConfig = useGitConfig(keys, 'alice', alice);
  cli = cliEnv();
}, 120_000);

afterAll(() => {
  delete process.env.GIT_CONFIG_GLOBAL;
});

describe('mdlibs publish --via git', () => {
  it('validates, refuses nothing, and with --dry-run pushes nothing', async () => {
    const lib = libraryFolder('notes', '1.0.0');
    const r = await cli.run(['publish', lib, '--repo', bare, '--via', 'git', '--dry-run', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{ dryRun: boolean; target: string; files: string[]; tarball: { sha256: string }; library: string }>();
    expect(out).toMatchObject({ dryRun: true, target: 'none', library: '@acme/notes' });
    expect(out.files).toContain('libraries/@acme/notes/1.0.0/README.md');
    expect(out.files.some((f) => f.includes('.git/'))).toBe(false);
    expect(out.tarball.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(headOf(bare)).toBe(base);
  });

  it('publishes end to end: signed push, check mode accepts, builder builds, install gets the version', async () => {
    const lib = libraryFolder('notes', '1.0.0', { 'docs/usage.md': '# Usage\n\nRead the [guide](guide.md).\n' });
    const r = await cli.run(['publish', lib, '--repo', bare, '--via', 'git', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = r.json<{ target: string; commit: string; signed: boolean; branch: string; follow: string }>();
    expect(out).toMatchObject({ target: 'direct', signed: true, branch: 'main' });
    expect(headOf(bare)).toBe(out.commit);
    expect(out.follow).toContain(`signed commit ${out.commit.slice(0, 12)} to main`);

    const ci = ciClone(bare, join(tempDir(), 'ci'));
    const report = await checkChange({ registryDir: ci, base, head: out.commit, mode: 'push' });
    expect(report.problems).toEqual([]);
    expect(report.commits).toEqual([expect.objectContaining({ sha: out.commit, signature: 'good', signer: 'alice' })]);
    expect(report.changes).toEqual([expect.objectContaining({ kind: 'version-added', library: '@acme/notes', version: '1.0.0' })]);

    const outDir = join(tempDir(), 'site');
    await buildRegistry({ registryDir: ci, outDir });
    const ix = libraryIndexSchema.parse(JSON.parse(readFileSync(join(outDir, 'index/@acme/notes.json'), 'utf8')));
    expect(ix.versions.map((v) => v.version)).toEqual(['1.0.0']);
    expect(ix.versions[0]?.commit).toBe(out.commit);
    expect(ix.versions[0]?.docs.map((d) => d.path).sort()).toEqual(['README.md', 'docs/guide.md', 'docs/usage.md']);
    expect(existsSync(join(outDir, 'tarballs/@acme/notes/notes-1.0.0.tgz'))).toBe(true);

    const host = await startStaticHost(outDir);
    try {
      const inst = await cli.run(['install', '@acme/notes', '--registry', host.url]);
      expect(inst.stderr).toBe('');
      expect(inst.code).toBe(0);
      expect(readFileSync(join(cli.cwd, 'libraries/@acme/notes/docs/usage.md'), 'utf8')).toContain('# Usage');
    } finally {
      await host.close();
    }
  });

  it('refuses a version that already exists, before touching anything', async () => {
    const before = headOf(bare);
    const r = await cli.run(['publish', libraryFolder('notes', '1.0.0'), '--repo', bare, '--via', 'git']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PUB_VERSION_EXISTS');
    expect(r.stderr).toContain('@acme/notes@1.0.0 is already in the registry');
    expect(headOf(bare)).toBe(before);
  });

  it('refuses a library that fails validation, listing every problem', async () => {
    const lib = libraryFolder('broken', '1.0.0', { 'docs/x.md': 'see [gone](nowhere.md)\n' });
    rmSync(join(lib, 'README.md'));
    const before = headOf(bare);
    const r = await cli.run(['publish', lib, '--repo', bare, '--via', 'git']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('MDL_README_MISSING');
    expect(r.stderr).toContain('MDL_LINK_BROKEN');
    expect(headOf(bare)).toBe(before);
  });

  it('refuses a direct push when git has no signing key, with the setup in the hint', async () => {
    useGitConfig(keys, 'alice', null);
    try {
      const r = await cli.run(['publish', libraryFolder('notes', '1.1.0'), '--repo', bare, '--via', 'git']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('PUB_SIGNING_NOT_CONFIGURED');
      expect(r.stderr).toContain('git config --global gpg.format ssh');
    } finally {
      process.env.GIT_CONFIG_GLOBAL = signedConfig;
    }
  });

  it('yanks and manages the team with signed commits that check mode accepts', async () => {
    const before = headOf(bare);
    const y = await cli.run(['yank', '@acme/notes@1.0.0', '--reason', 'wrong examples', '--repo', bare, '--via', 'git', '--json']);
    expect(y.stderr).toBe('');
    expect(y.json<{ files: string[] }>().files).toEqual(['libraries/@acme/notes/meta.toml']);
    const t = await cli.run(['team', 'add-member', 'acme', 'dave', '--role', 'member', '--repo', bare, '--via', 'git', '--json']);
    expect(t.stderr).toBe('');
    expect(t.code).toBe(0);
    const d = await cli.run(['deprecate', '@acme/notes', '--message', 'use @acme/guide', '--repo', bare, '--via', 'git']);
    expect(d.code).toBe(0);
    const ci = ciClone(bare, join(tempDir(), 'ci2'));
    const report = await checkChange({ registryDir: ci, base: before, head: 'HEAD', mode: 'push' });
    expect(report.problems).toEqual([]);
    expect(report.changes.map((c) => c.kind).sort()).toEqual(['meta', 'scope-file']);
    const meta = readFileSync(join(ci, 'libraries/@acme/notes/meta.toml'), 'utf8');
    expect(meta).toContain('wrong examples');
    expect(meta).toContain('use @acme/guide');
    expect(readFileSync(join(ci, 'scopes/acme.toml'), 'utf8')).toMatch(/user = "dave"\s+role = "member"/);
    const outDir = join(tempDir(), 'site2');
    await buildRegistry({ registryDir: ci, outDir });
    const ix = libraryIndexSchema.parse(JSON.parse(readFileSync(join(outDir, 'index/@acme/notes.json'), 'utf8')));
    expect(ix.versions[0]).toMatchObject({ yanked: true, yankedReason: 'wrong examples' });
    expect(ix.deprecated).toBe('use @acme/guide');
  });

  it('on GitLab pushes a review branch and opens the merge request with push options', async () => {
    const gl = bareRemote(bare, join(tempDir(), 'gitlab.git'));
    git(gl, 'config', 'receive.advertisePushOptions', 'true');
    const seen = join(tempDir(), 'push-options.txt');
    const hook = join(gl, 'hooks', 'pre-receive');
    writeFileSync(hook, `#!/bin/sh\ni=0\nwhile [ "$i" -lt "\${GIT_PUSH_OPTION_COUNT:-0}" ]; do eval "echo \\$GIT_PUSH_OPTION_$i" >> ${seen}; i=$((i+1)); done\necho "View merge request for mdlibs: https://gitlab.example.com/acme/registry/-/merge_requests/7"\n`);
    chmodSync(hook, 0o755);
    const before = headOf(gl);
    const r = await cli.run(['publish', libraryFolder('handbook', '2.0.0'), '--repo', gl, '--via', 'git', '--gitlab', '--json']);
    expect(r.stderr).toBe('');
    const out = r.json<{ target: string; url: string; branch: string }>();
    expect(out).toMatchObject({ target: 'merge-request', url: 'https://gitlab.example.com/acme/registry/-/merge_requests/7', branch: 'mdlibs/publish-acme-handbook-2.0.0' });
    expect(headOf(gl)).toBe(before);
    expect(headOf(gl, 'mdlibs/publish-acme-handbook-2.0.0')).not.toBe(before);
    const opts = readFileSync(seen, 'utf8').trim().split('\n');
    expect(opts).toEqual(expect.arrayContaining(['merge_request.create', 'merge_request.target=main', 'merge_request.title=Publish @acme/handbook@2.0.0']));
  });

  it('--dry-run shows exactly what would be published: the folder, each file with its size, the tarball and its checksums', async () => {
    const lib = libraryFolder('notes', '4.0.0', { 'docs/usage.md': '# Usage\n\nThree words here.\n' });
    const j = (await cli.run(['publish', lib, '--dry-run', '--json'])).json<{ folder: string; files: string[]; tarball: { fileCount: number; contents: { path: string; size: number }[] } }>();
    expect(j.folder).toBe('libraries/@acme/notes/4.0.0');
    expect(j.tarball.contents.map((c) => c.path)).toEqual(j.files.map((f) => f.slice(`${j.folder}/`.length)).sort());
    expect(j.tarball.contents).toContainEqual({ path: 'docs/usage.md', size: Buffer.byteLength('# Usage\n\nThree words here.\n') });
    expect(j.tarball.contents).toHaveLength(j.tarball.fileCount);
    for (const c of j.tarball.contents) expect(c.size).toBe(statSync(join(lib, c.path)).size);
    const text = await cli.run(['publish', lib, '--dry-run']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('would add libraries/@acme/notes/4.0.0/:');
    expect(text.stdout).toMatch(/^ +\d+ B {2}docs\/usage\.md$/m);
    expect(text.stdout).toMatch(/^ +\d+ B {2}\.mdlibs\.toml$/m);
    expect(text.stdout).toMatch(/^ {2}integrity: sha512-/m);
    expect(text.stdout).not.toContain('(none)'); // it said "6 files in (none)"
  });

  it('explains a missing repository, and still validates with --dry-run', async () => {
    const r = await cli.run(['publish', libraryFolder('notes', '3.0.0'), '--via', 'git']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PUB_NO_REPOSITORY');
    const d = await cli.run(['publish', libraryFolder('notes', '3.0.0'), '--dry-run', '--json']);
    expect(d.stderr).toBe('');
    expect(d.json<{ dryRun: boolean; library: string; tarball: { integrity: string } }>()).toMatchObject({ dryRun: true, library: '@acme/notes', tarball: { integrity: expect.stringMatching(/^sha512-/) } });
    const bad = libraryFolder('notes', '3.0.0');
    rmSync(join(bad, 'README.md'));
    expect((await cli.run(['publish', bad, '--dry-run'])).stderr).toContain('MDL_README_MISSING');
  });
});
