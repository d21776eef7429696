/** Check mode for direct pushes: every commit touching a scope is signed by a key that scope lists (PUB-3). */
import { appendFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkChange, renderMarkdown, type CheckReport } from '../../index-builder/src/check/index.js';
import { git, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { commitAs, gpgKey, sshKey, stopAgent, type Signer } from './_keys.js';
import { branchAt, makeRegistryRepo } from './_registry.js';

let root: string;
let base: string;
const k = {} as Record<'alice' | 'bob' | 'carol' | 'root' | 'eve' | 'dave', Signer>;

beforeAll(() => {
  const keys = tempDir('mdlibs-keys-');
  k.alice = sshKey(keys, 'alice');
  k.bob = gpgKey(keys, 'bob');
  k.carol = sshKey(keys, 'carol');
  k.root = sshKey(keys, 'root');
  k.eve = gpgKey(keys, 'eve');
  k.dave = sshKey(keys, 'dave');
  root = tempDir();
  makeRegistryRepo(root, {
    acme: { members: { alice: 'admin', bob: 'member' }, keys: [k.alice, k.bob] },
    beta: { members: { carol: 'admin', dave: 'member' }, keys: [k.carol, k.dave] },
  }, ['root'], [k.root]);
  base = commitAs(root, 'registry', k.root);
}, 120_000);

afterAll(() => {
  for (const s of Object.values(k)) stopAgent(s);
});

async function push(name: string, steps: { edit: () => void; by: Signer | null }[]): Promise<CheckReport> {
  branchAt(root, name, base);
  let head = base;
  for (const [i, s] of steps.entries()) {
    s.edit();
    head = commitAs(root, `${name} ${i + 1}`, s.by);
  }
  return checkChange({ registryDir: root, base, head, mode: 'push' });
}

const codes = (r: CheckReport) => r.problems.map((p) => p.code);
const publish = (name: string, version = '1.0.0') => () => {
  writeLibrary(root, { scope: 'acme', name, version });
};

describe('check mode, signed direct pushes', () => {
  it('accepts a commit signed with an ssh key the scope lists, naming the signer', async () => {
    const r = await push('ssh-ok', [{ edit: publish('notes'), by: k.alice }]);
    expect(r.problems).toEqual([]);
    expect(r.commits).toEqual([expect.objectContaining({ signature: 'good', signer: 'alice', touches: ['acme'] })]);
    expect(r.commits[0]?.key).toMatch(/^SHA256:/);
  });

  it('accepts a commit signed with a gpg key the scope lists', async () => {
    const r = await push('gpg-ok', [{ edit: publish('notes'), by: k.bob }]);
    expect(r.problems).toEqual([]);
    expect(r.commits[0]).toMatchObject({ signature: 'good', signer: 'bob' });
  });

  it('refuses an unsigned commit', async () => {
    const r = await push('unsigned', [{ edit: publish('notes'), by: null }]);
    expect(codes(r)).toEqual(['MDL_CHECK_UNSIGNED']);
    expect(r.problems[0]?.message).toContain('touches scope @acme but is not signed');
    expect(r.problems[0]?.commit).toBe(r.head);
    expect(r.commits[0]?.signature).toBe('unsigned');
  });

  it("refuses a commit signed by another scope's key (ssh)", async () => {
    const r = await push('other-scope-ssh', [{ edit: publish('notes'), by: k.carol }]);
    expect(codes(r)).toEqual(['MDL_CHECK_KEY_NOT_LISTED']);
    expect(r.problems[0]?.message).toContain('scopes/acme.toml does not list');
  });

  it('refuses a commit signed by a gpg key no scope lists', async () => {
    const r = await push('unknown-gpg', [{ edit: publish('notes'), by: k.eve }]);
    expect(codes(r)).toEqual(['MDL_CHECK_KEY_NOT_LISTED']);
  });

  it('checks every commit of the push: one good commit does not cover an unsigned one', async () => {
    const r = await push('mixed', [
      { edit: publish('notes'), by: k.alice },
      { edit: publish('notes', '1.0.1'), by: null },
    ]);
    expect(codes(r)).toEqual(['MDL_CHECK_UNSIGNED']);
    expect(r.commits.map((c) => c.signature)).toEqual(['good', 'unsigned']);
  });

  it("applies the roles to the signer: a member's signed deletion is refused, a registry admin's is accepted", async () => {
    const del = () => rmSync(join(root, 'libraries/@acme/guide/1.0.0'), { recursive: true });
    const byBob = await push('bob-deletes', [{ edit: del, by: k.bob }]);
    expect(codes(byBob)).toEqual(['MDL_CHECK_NOT_REGISTRY_ADMIN']);
    expect(byBob.problems[0]?.message).toContain('signed by bob');
    const byRoot = await push('root-deletes', [{ edit: del, by: k.root }]);
    expect(byRoot.problems).toEqual([]);
    expect(byRoot.commits[0]?.signer).toBe('root');
  });

  it('refuses a signed edit of a published version', async () => {
    const r = await push('edit', [{ edit: () => appendFileSync(join(root, 'libraries/@acme/guide/1.0.0/README.md'), 'more\n'), by: k.alice }]);
    expect(codes(r)).toEqual(['MDL_VERSION_CHANGED']);
  });

  it('refuses a key added to a scope file and used in the same push (keys come from the base side)', async () => {
    const r = await push('self-key', [
      { edit: () => appendFileSync(join(root, 'scopes/acme.toml'), `\n[[keys]]\nuser = "bob"\ntype = "ssh"\nkey = "${(k.dave as { pub: string }).pub}"\n`), by: k.dave },
      { edit: publish('notes'), by: k.dave },
    ]);
    expect(codes(r)).toEqual(['MDL_CHECK_KEY_NOT_LISTED', 'MDL_CHECK_KEY_NOT_LISTED']);
  });

  it('gives a key from a scope file no registry-admin powers, whatever username it claims', async () => {
    branchAt(root, 'claims-root-base', base);
    appendFileSync(join(root, 'scopes/acme.toml'), `\n[[keys]]\nuser = "root"\ntype = "ssh"\nkey = "${(k.dave as { pub: string }).pub}"\n`);
    const claimBase = commitAs(root, 'acme admin lists a key as root', k.alice);
    rmSync(join(root, 'libraries/@acme/guide/1.0.0'), { recursive: true });
    const head = commitAs(root, 'delete as "root"', k.dave);
    const r = await checkChange({ registryDir: root, base: claimBase, head, mode: 'push' });
    expect(codes(r)).toEqual(['MDL_CHECK_NOT_REGISTRY_ADMIN']);
    expect(r.commits[0]).toMatchObject({ signature: 'good', signer: 'root' });
  });

  it('refuses rewritten history', async () => {
    branchAt(root, 'rewrite', base);
    publish('notes')();
    const first = commitAs(root, 'first', k.alice);
    git(root, 'reset', '-q', '--hard', base);
    publish('other')();
    const second = commitAs(root, 'second', k.alice);
    const r = await checkChange({ registryDir: root, base: first, head: second, mode: 'push' });
    expect(codes(r)).toContain('MDL_CHECK_HISTORY_REWRITTEN');
  });

  it('refuses unusable key entries (an injected allowed-signers line) instead of trusting them', async () => {
    const hostile = `${(k.alice as { pub: string }).pub}\\ndave namespaces=\\"git\\" ${(k.dave as { pub: string }).pub}`;
    branchAt(root, 'hostile-key-base', base);
    appendFileSync(join(root, 'scopes/acme.toml'), `\n[[keys]]\nuser = "alice"\ntype = "ssh"\nkey = "${hostile}"\n`);
    const hostileBase = commitAs(root, 'add a hostile key', k.alice);
    publish('notes')();
    const head = commitAs(root, 'publish as dave', k.dave);
    const r = await checkChange({ registryDir: root, base: hostileBase, head, mode: 'push' });
    expect(codes(r).sort()).toEqual(['MDL_CHECK_KEY_INVALID', 'MDL_CHECK_KEY_NOT_LISTED']);
  });

  it('renders the commits with their signatures in the markdown report', async () => {
    const r = await push('render', [{ edit: publish('notes'), by: null }]);
    const md = renderMarkdown(r);
    expect(md).toContain('direct push (signatures verified)');
    expect(md).toMatch(/\| `[0-9a-f]{12}` \| render 1 \| `acme` \| unsigned \| – \|/);
    expect(md).toContain('MDL_CHECK_UNSIGNED');
  });

  it('needs signatures for registry-admin paths too (registry.toml)', async () => {
    const cfg = () => writeFileSync(join(root, 'registry.toml'), '[registry]\nname = "Changed"\nurl = "http://localhost/"\nadmins = ["root"]\n');
    expect(codes(await push('cfg-alice', [{ edit: cfg, by: k.alice }]))).toEqual(['MDL_CHECK_KEY_NOT_LISTED']);
    expect((await push('cfg-root', [{ edit: cfg, by: k.root }])).ok).toBe(true);
  });
});
