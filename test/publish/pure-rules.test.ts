/** Pure pieces of publishing: change classification, roles, meta/scope edits, repo URLs, GitHub error mapping. */
import { parse } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { authorityFrom, authorize, classifyChanges, locatePath } from '../../index-builder/src/check/index.js';
import { allowedSignersLine, parseGpgColons } from '../../index-builder/src/check/keyring.js';
import { interpretSignature } from '../../index-builder/src/check/signatures.js';
import { scopeFileSchema } from '../../index-builder/src/index.js';
import { deprecateIn, parseSpec, yankIn } from '../../tools/publish/edit-meta.js';
import { addMember, removeMember } from '../../tools/publish/edit-scope.js';
import { mapGitHubError } from '../../tools/publish/github-errors.js';
import { parseRepoUrl, redactUrl } from '../../tools/publish/repo-url.js';

describe('classifyChanges', () => {
  const base = new Set(['libraries/@acme/guide/1.0.0', 'libraries/@acme/old/2.0.0', 'scopes/acme.toml']);
  const head = new Set(['libraries/@acme/guide/1.0.0', 'libraries/@acme/guide/1.1.0', 'scopes/acme.toml', 'scopes/new.toml']);

  it('groups files into units and tells added, edited and deleted apart', () => {
    const changes = classifyChanges([
      { status: 'A', path: 'libraries/@acme/guide/1.1.0/README.md' },
      { status: 'A', path: 'libraries/@acme/guide/1.1.0/.mdlibs.toml' },
      { status: 'M', path: 'libraries/@acme/guide/1.0.0/docs/a.md' },
      { status: 'D', path: 'libraries/@acme/old/2.0.0/README.md' },
      { status: 'A', path: 'scopes/new.toml' },
      { status: 'M', path: 'scopes/acme.toml' },
      { status: 'M', path: 'libraries/@acme/guide/meta.toml' },
      { status: 'A', path: 'libraries/@acme/guide/stray.md' },
      { status: 'M', path: 'registry.toml' },
      { status: 'A', path: '.github/workflows/x.yml' },
      { status: 'M', path: 'other/README.md', outside: true },
    ], base, head);
    expect(changes.map((c) => [c.kind, c.path, c.files.length])).toEqual([
      ['outside', '.github/workflows/x.yml', 1],
      ['version-edited', 'libraries/@acme/guide/1.0.0', 1],
      ['version-added', 'libraries/@acme/guide/1.1.0', 2],
      ['meta', 'libraries/@acme/guide/meta.toml', 1],
      ['layout', 'libraries/@acme/guide/stray.md', 1],
      ['version-deleted', 'libraries/@acme/old/2.0.0', 1],
      ['outside', 'other/README.md', 1],
      ['registry-config', 'registry.toml', 1],
      ['scope-file', 'scopes/acme.toml', 1],
      ['scope-added', 'scopes/new.toml', 1],
    ]);
  });

  it('locates odd paths without trusting them', () => {
    expect(locatePath('libraries/notascope/x/1.0.0/a.md')).toMatchObject({ kind: 'layout', scope: null });
    expect(locatePath('scopes/a/b.toml')).toMatchObject({ kind: 'layout' });
    expect(locatePath('libraries/@/x/1.0.0/a.md')).toMatchObject({ kind: 'layout', scope: null });
  });
});

describe('authorize', () => {
  const authority = authorityFrom(['root'], new Map([['acme', scopeFileSchema.parse({ scope: { name: 'acme', display_name: 'A' }, members: [{ user: 'alice', role: 'admin' }, { user: 'bob', role: 'member' }] })]]));
  const change = (kind: Parameters<typeof classifyChanges>[0][number]['status'], path: string) => classifyChanges([{ status: kind, path }], new Set(['libraries/@acme/g/1.0.0', 'scopes/acme.toml']), new Set(['libraries/@acme/g/2.0.0', 'scopes/acme.toml']))[0]!;

  it('applies member, scope-admin and registry-admin rules', () => {
    const add = change('A', 'libraries/@acme/g/2.0.0/README.md');
    expect(authorize(add, 'bob', authority)).toBeNull();
    expect(authorize(add, 'eve', authority)?.code).toBe('MDL_CHECK_NOT_MEMBER');
    const del = change('D', 'libraries/@acme/g/1.0.0/README.md');
    expect(authorize(del, 'alice', authority)?.code).toBe('MDL_CHECK_NOT_REGISTRY_ADMIN');
    expect(authorize(del, 'root', authority)).toBeNull();
    const scope = change('M', 'scopes/acme.toml');
    expect(authorize(scope, 'bob', authority)?.code).toBe('MDL_CHECK_NOT_SCOPE_ADMIN');
    expect(authorize(scope, 'alice', authority)).toBeNull();
    const unknownScope = change('A', 'libraries/@other/x/1.0.0/README.md');
    expect(authorize(unknownScope, 'alice', authority)?.code).toBe('MDL_CHECK_NOT_REGISTRY_ADMIN');
  });
});

describe('keyring and signature parsing', () => {
  const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk0ZGVhZGJlZWY= alice@laptop';
  it('writes one allowed-signers line and refuses injections', () => {
    expect(allowedSignersLine({ user: 'alice', type: 'ssh', key, file: 's', source: 'scope' as const })).toEqual({ line: 's.alice namespaces="git" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGk0ZGVhZGJlZWY=' });
    expect(allowedSignersLine({ user: 'alice', type: 'ssh', key: `${key}\n* ssh-ed25519 AAAA`, file: 's', source: 'scope' as const })).toHaveProperty('problem');
    expect(allowedSignersLine({ user: '*', type: 'ssh', key, file: 's', source: 'scope' as const })).toHaveProperty('problem');
    expect(allowedSignersLine({ user: 'a,b', type: 'ssh', key, file: 's', source: 'scope' as const })).toHaveProperty('problem');
    expect(allowedSignersLine({ user: 'alice', type: 'ssh', key: 'cert-authority ssh-ed25519 AAAA', file: 's', source: 'scope' as const })).toHaveProperty('problem');
  });

  it('reads primary and subkey fingerprints from gpg colons output', () => {
    const out = 'pub:-:255:22:AAAA:1:::-:::scSC::::::23::0:\nfpr:::::::::' + 'A'.repeat(40) + ':\nuid:-::::1::X::Bob::::::::::0:\nsub:-:255:18:BBBB:1::::::e::::::23:\nfpr:::::::::' + 'B'.repeat(40) + ':\n';
    expect(parseGpgColons(out)).toEqual([{ primary: 'A'.repeat(40), all: ['A'.repeat(40), 'B'.repeat(40)] }]);
  });

  it('trusts only good signatures from keys in the ring', () => {
    const ring = { sshUsers: new Map([['s.alice', { user: 'alice', source: 'scope' as const }], ['r.root', { user: 'root', source: 'registry' as const }]]), gpgUsers: new Map([['F'.repeat(40), { user: 'bob', source: 'scope' as const }]]) };
    expect(interpretSignature('G', 'SHA256:x', '', 's.alice', ring)).toMatchObject({ status: 'good', signer: 'alice', via: 'scope' });
    expect(interpretSignature('G', 'SHA256:x', '', 'r.root', ring)).toMatchObject({ status: 'good', signer: 'root', via: 'registry' });
    expect(interpretSignature('G', 'SHA256:x', '', 'alice', ring)).toMatchObject({ status: 'unknown-key' });
    expect(interpretSignature('G', 'F'.repeat(40), 'F'.repeat(40), 'Bob <b@x>', ring)).toMatchObject({ status: 'good', signer: 'bob', via: 'scope' });
    expect(interpretSignature('U', 'SHA256:x', '', '', ring).status).toBe('unknown-key');
    expect(interpretSignature('E', '', '', '', ring).status).toBe('unknown-key');
    expect(interpretSignature('B', 'SHA256:x', '', 'alice', ring).status).toBe('bad');
    expect(interpretSignature('Y', 'x', '', '', ring).status).toBe('expired');
    expect(interpretSignature('R', 'x', '', '', ring).status).toBe('revoked');
    expect(interpretSignature('N', '', '', '', ring).status).toBe('unsigned');
  });
});

describe('meta.toml and scope file edits', () => {
  it('yanks, un-yanks and deprecates, keeping TOML valid whatever the reason says', () => {
    const hostile = 'bad "quote" ]\n[yanked]\n"9.9.9" = "x"';
    expect(() => yankIn(null, '1.0.0', hostile)).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
    const text = yankIn(null, '1.0.0', 'bad "quote" ] [yanked] = x');
    expect(parse(text)).toEqual({ yanked: { '1.0.0': 'bad "quote" ] [yanked] = x' } });
    const both = deprecateIn(text, 'use @acme/other');
    expect(parse(both)).toEqual({ deprecated: 'use @acme/other', yanked: { '1.0.0': 'bad "quote" ] [yanked] = x' } });
    expect(parse(yankIn(both, '1.0.0', null))).toEqual({ deprecated: 'use @acme/other' });
    expect(() => yankIn(both, '1.0.0', 'bad "quote" ] [yanked] = x')).toThrow(expect.objectContaining({ code: 'PUB_NO_CHANGE' }));
    expect(() => deprecateIn(null, null)).toThrow(expect.objectContaining({ code: 'PUB_NO_CHANGE' }));
    expect(() => yankIn(null, '1.0.0', '\u001b[31mred')).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
  });

  it('parses library specs strictly', () => {
    expect(parseSpec('@acme/guide@1.2.0', true)).toEqual({ name: '@acme/guide', scope: 'acme', short: 'guide', version: '1.2.0' });
    expect(() => parseSpec('@acme/guide', true)).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
    expect(() => parseSpec('@acme/../../etc@1.0.0', true)).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
    expect(() => parseSpec('@acme/guide@^1', true)).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
  });

  const scope = '[scope]\nname = "acme"\ndisplay_name = "Acme"\n\n[[members]]\nuser = "alice"\nrole = "admin"\n\n[[keys]]\nuser = "bob"\ntype = "ssh"\nkey = "ssh-ed25519 AAAA bob"\n\n[[members]]\nuser = "bob"\nrole = "member"\n';
  it('adds, promotes and removes members (with their keys), refusing odd usernames and an empty admin set', () => {
    const added = scopeFileSchema.parse(parse(addMember(scope, 'carol', 'member')));
    expect(added.members.map((m) => `${m.user}:${m.role}`)).toEqual(['alice:admin', 'bob:member', 'carol:member']);
    expect(scopeFileSchema.parse(parse(addMember(scope, 'bob', 'admin'))).members.find((m) => m.user === 'bob')?.role).toBe('admin');
    const removed = scopeFileSchema.parse(parse(removeMember(scope, 'bob')));
    expect(removed.members.map((m) => m.user)).toEqual(['alice']);
    expect(removed.keys).toEqual([]);
    expect(() => removeMember(scope, 'alice')).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
    expect(() => addMember(scope, 'bob', 'member')).toThrow(expect.objectContaining({ code: 'PUB_NO_CHANGE' }));
    expect(() => addMember(scope, 'x"\n[[members]]', 'admin')).toThrow(expect.objectContaining({ code: 'PUB_BAD_ARGUMENT' }));
    expect(() => removeMember(scope, 'nobody')).toThrow(expect.objectContaining({ code: 'PUB_NOT_FOUND' }));
  });
});

describe('repository URLs and GitHub errors', () => {
  it('recognises GitHub, GitLab and other hosts, and redacts credentials', () => {
    expect(parseRepoUrl('https://github.com/acme/registry.git')).toMatchObject({ host: 'github', owner: 'acme', name: 'registry' });
    expect(parseRepoUrl('git@github.com:acme/registry.git')).toMatchObject({ host: 'github', owner: 'acme', name: 'registry' });
    expect(parseRepoUrl('ssh://git@gitlab.example.com:2222/acme/registry.git')).toMatchObject({ host: 'gitlab', owner: 'acme' });
    expect(parseRepoUrl('https://ghe.corp/acme/reg', { githubHosts: ['ghe.corp'] }).host).toBe('github');
    expect(parseRepoUrl('/srv/git/registry.git').host).toBe('other');
    expect(redactUrl('https://user:secret@github.com/a/b.git')).toBe('https://***@github.com/a/b.git');
  });

  it('maps statuses and rate-limit headers to codes', () => {
    const e = (status: number, message: string, headers: Record<string, string> = {}) => ({ status, message, response: { headers, data: { message } } });
    expect(mapGitHubError(e(401, 'Bad credentials'), 'x').code).toBe('PUB_GITHUB_AUTH');
    expect(mapGitHubError(e(403, 'nope'), 'x').code).toBe('PUB_GITHUB_FORBIDDEN');
    expect(mapGitHubError(e(403, 'API rate limit exceeded', { 'x-ratelimit-remaining': '0' }), 'x').code).toBe('PUB_GITHUB_RATE_LIMITED');
    expect(mapGitHubError(e(403, 'You have exceeded a secondary rate limit'), 'x').code).toBe('PUB_GITHUB_RATE_LIMITED');
    expect(mapGitHubError(e(429, 'slow down', { 'retry-after': '30' }), 'x').message).toContain('slow down');
    expect(mapGitHubError(e(422, 'Validation Failed'), 'x').code).toBe('PUB_GITHUB_VALIDATION');
    expect(mapGitHubError(e(404, 'Not Found'), 'x').code).toBe('PUB_GITHUB_NOT_FOUND');
    expect(mapGitHubError(new Error('socket hang up'), 'x').code).toBe('PUB_GITHUB_ERROR');
    expect(mapGitHubError(e(422, 'a\u001b[2Jb'), 'x').message).not.toContain('\u001b');
  });
});
