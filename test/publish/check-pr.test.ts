/** Check mode for pull requests: changed-only validation and who may make each change (BUILD-6, REPO-2, REPO-3). */
import { rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkChange, renderJson, renderMarkdown, REPORT_MARKER, type CheckReport } from '../../index-builder/src/check/index.js';
import { commitAll, writeFiles, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { branchAt, makeRegistryRepo, scopeToml } from './_registry.js';

const scopes = {
  acme: { members: { alice: 'admin', bob: 'member' } as const },
  beta: { members: { carol: 'admin' } as const },
};

let root: string;
let base: string;

beforeAll(() => {
  root = tempDir();
  makeRegistryRepo(root, scopes);
  base = commitAll(root, 'registry');
});

/** Makes a branch from base, applies `edit`, commits, and checks it as a PR by `author`. */
async function pr(name: string, author: string, edit: () => void): Promise<CheckReport> {
  branchAt(root, name, base);
  edit();
  const head = commitAll(root, name);
  return checkChange({ registryDir: root, base, head, author, mode: 'pr' });
}

const codes = (r: CheckReport) => r.problems.map((p) => p.code);

describe('check mode, pull requests', () => {
  it('accepts a member publishing a valid new version, validating only that folder', async () => {
    const r = await pr('bob-publishes', 'bob', () => writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.1.0' }));
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.changes).toEqual([expect.objectContaining({ kind: 'version-added', library: '@acme/guide', version: '1.1.0', path: 'libraries/@acme/guide/1.1.0' })]);
    expect(r.registry).toBe('Check Test Registry');
  });

  it("refuses a non-member's PR into a scope, naming the scope, the user and who can add them", async () => {
    const r = await pr('dave-publishes', 'dave', () => writeLibrary(root, { scope: 'acme', name: 'notes', version: '1.0.0' }));
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['MDL_CHECK_NOT_MEMBER']);
    expect(r.problems[0]?.message).toContain('user "dave" is not in scopes/acme.toml');
    expect(r.problems[0]?.hint).toContain('mdlibs team add-member acme dave');
  });

  it('refuses a member of another scope publishing into this one', async () => {
    const r = await pr('carol-into-acme', 'carol', () => writeLibrary(root, { scope: 'acme', name: 'notes', version: '1.0.0' }));
    expect(codes(r)).toEqual(['MDL_CHECK_NOT_MEMBER']);
  });

  it('refuses an edit of a published version, even by a scope admin', async () => {
    const r = await pr('alice-edits', 'alice', () => writeFileSync(join(root, 'libraries/@acme/guide/1.0.0/README.md'), '# changed\n'));
    expect(codes(r)).toEqual(['MDL_VERSION_CHANGED']);
    expect(r.problems[0]?.message).toContain('@acme/guide@1.0.0 is already published');
    expect(r.problems[0]?.message).toContain('README.md');
  });

  it('refuses a deletion by a non-admin and accepts it from a registry admin', async () => {
    const del = () => rmSync(join(root, 'libraries/@acme/guide/1.0.0'), { recursive: true });
    const byAlice = await pr('alice-deletes', 'alice', del);
    expect(codes(byAlice)).toEqual(['MDL_CHECK_NOT_REGISTRY_ADMIN']);
    expect(byAlice.problems[0]?.message).toContain('deleting @acme/guide@1.0.0 needs a registry admin');
    const byRoot = await pr('root-deletes', 'root', del);
    expect(byRoot.problems).toEqual([]);
    expect(byRoot.changes.map((c) => c.kind)).toEqual(['version-deleted']);
  });

  it('refuses a scope-file change by a non-admin, judged by the base side (a PR cannot promote its own author)', async () => {
    const promote = () => writeFileSync(join(root, 'scopes/acme.toml'), scopeToml('acme', { members: { alice: 'admin', bob: 'admin' } }));
    const byBob = await pr('bob-promotes', 'bob', promote);
    expect(codes(byBob)).toEqual(['MDL_CHECK_NOT_SCOPE_ADMIN']);
    expect(byBob.problems[0]?.message).toContain('user "bob" is only a member');
    const byAlice = await pr('alice-promotes', 'alice', promote);
    expect(byAlice.ok).toBe(true);
    expect(byAlice.changes.map((c) => c.kind)).toEqual(['scope-file']);
  });

  it('refuses a PR that adds its author to a scope and publishes in the same change', async () => {
    const r = await pr('mallory', 'mallory', () => {
      writeFileSync(join(root, 'scopes/acme.toml'), scopeToml('acme', { members: { alice: 'admin', bob: 'member', mallory: 'member' } }));
      writeLibrary(root, { scope: 'acme', name: 'evil', version: '1.0.0' });
    });
    expect(codes(r).sort()).toEqual(['MDL_CHECK_NOT_MEMBER', 'MDL_CHECK_NOT_SCOPE_ADMIN']);
  });

  it('lets only registry admins create scopes and change registry.toml', async () => {
    const newScope = () => writeFiles(root, { 'scopes/gamma.toml': scopeToml('gamma', { members: { bob: 'admin' } }) });
    expect(codes(await pr('bob-new-scope', 'bob', newScope))).toEqual(['MDL_CHECK_NOT_REGISTRY_ADMIN']);
    expect((await pr('root-new-scope', 'root', newScope)).ok).toBe(true);
    const cfg = await pr('alice-config', 'alice', () => writeFiles(root, { 'registry.toml': '[registry]\nname = "Mine"\nurl = "http://localhost/"\nadmins = ["alice"]\n' }));
    expect(codes(cfg)).toEqual(['MDL_CHECK_NOT_REGISTRY_ADMIN']);
  });

  it('refuses a new scope file whose name is a look-alike of another scope, as the builder does, even before it has libraries', async () => {
    const r = await pr('root-acrne', 'root', () => writeFiles(root, { 'scopes/acrne.toml': scopeToml('acrne', { members: { bob: 'admin' } }) }));
    expect(r.changes.map((c) => c.kind)).toEqual(['scope-added']);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'MDL_NAME_CONFUSABLE', file: 'scopes/acrne.toml', message: 'scope "acrne" is confusable with existing "acme"' })]);
    expect(r.ok).toBe(false);
  });

  it('blames the new scope file, not the scope the base already has (b-eta beside beta, which has no libraries and sorts after it)', async () => {
    const r = await pr('root-b-eta', 'root', () => writeFiles(root, { 'scopes/b-eta.toml': scopeToml('b-eta', { members: { carol: 'admin' } }) }));
    expect(r.problems).toEqual([expect.objectContaining({ code: 'MDL_NAME_CONFUSABLE', file: 'scopes/b-eta.toml', message: 'scope "b-eta" is confusable with existing "beta"' })]);
  });

  it('validates the new version with the builder rules and reports every problem with its file', async () => {
    const r = await pr('bob-broken', 'bob', () => {
      const rel = writeLibrary(root, { scope: 'acme', name: 'broken', version: '1.0.0', files: { 'docs/guide.md': 'see [missing](nope.md)\n' } });
      rmSync(join(root, rel, 'README.md'));
    });
    expect(codes(r).sort()).toEqual(['MDL_LINK_BROKEN', 'MDL_README_MISSING']);
    expect(r.problems.find((p) => p.code === 'MDL_LINK_BROKEN')?.file).toBe('libraries/@acme/broken/1.0.0/docs/guide.md');
  });

  it('refuses a version whose manifest disagrees with its folder and a dependency the registry lacks', async () => {
    const r = await pr('bob-mismatch', 'bob', () => {
      writeLibrary(root, { scope: 'acme', name: 'deps', version: '1.0.0', dependencies: { '@acme/nothing': '^1.0.0' } });
    });
    expect(codes(r)).toEqual(['MDL_DEPENDENCY_MISSING']);
  });

  it('accepts a member yanking a version in meta.toml and refuses yanking one that does not exist', async () => {
    const ok = await pr('bob-yanks', 'bob', () => writeFiles(root, { 'libraries/@acme/guide/meta.toml': '[yanked]\n"1.0.0" = "broken links"\n' }));
    expect(ok.problems).toEqual([]);
    expect(ok.changes.map((c) => c.kind)).toEqual(['meta']);
    const bad = await pr('bob-yanks-ghost', 'bob', () => writeFiles(root, { 'libraries/@acme/guide/meta.toml': '[yanked]\n"9.9.9" = "nope"\n' }));
    expect(codes(bad)).toEqual(['MDL_META_INVALID']);
  });

  it('refuses a version number that was deleted before and comes back with other content', async () => {
    branchAt(root, 'reuse', base);
    rmSync(join(root, 'libraries/@acme/guide/1.0.0'), { recursive: true });
    const deletedAt = commitAll(root, 'delete 1.0.0');
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0', description: 'different content' });
    const head = commitAll(root, 'bring 1.0.0 back');
    const r = await checkChange({ registryDir: root, base: deletedAt, head, author: 'bob', mode: 'pr' });
    expect(codes(r)).toEqual(['MDL_VERSION_REUSED']);
  });

  it('refuses a symlink in a new version (it could point outside the library)', async () => {
    const r = await pr('bob-symlink', 'bob', () => {
      const rel = writeLibrary(root, { scope: 'acme', name: 'linked', version: '1.0.0' });
      symlinkSync('/etc/passwd', join(root, rel, 'docs/passwd.md'));
    });
    expect(codes(r)).toEqual(['MDL_SYMLINK']);
    expect(r.problems[0]?.file).toBe('libraries/@acme/linked/1.0.0/docs/passwd.md');
  });

  it('needs the author in PR mode and a known revision', async () => {
    await expect(checkChange({ registryDir: root, base, head: base, mode: 'pr' })).rejects.toMatchObject({ code: 'MDL_CHECK_USAGE' });
    await expect(checkChange({ registryDir: root, base: 'no-such-branch', head: base, author: 'bob', mode: 'pr' })).rejects.toMatchObject({ code: 'MDL_CHECK_USAGE', message: expect.stringContaining('no-such-branch') });
  });

  it('renders markdown without letting hostile names inject markup or mentions, and JSON that round-trips', async () => {
    const r = await pr('hostile', 'dave', () => writeLibrary(root, { scope: 'acme', name: 'x-img', version: '1.0.0' }));
    r.problems[0] = { ...r.problems[0]!, message: '<img src=x onerror=alert(1)> @org/team [link](http://evil) | cell' };
    const md = renderMarkdown(r);
    expect(md.startsWith(REPORT_MARKER)).toBe(true);
    expect(md).toContain('❌ mdlibs check failed: 1 problem');
    expect(md).not.toContain('<img');
    expect(md).not.toMatch(/@org/);
    expect(md).not.toContain('[link](');
    expect(md).toContain('\\[link\\]');
    expect(md).toContain('\\| cell');
    expect(JSON.parse(renderJson(r))).toEqual(JSON.parse(JSON.stringify(r)));
  });
});
