/** `mdlibs publish --via pr` (CLI-6) against a local stand-in of GitHub's REST API: requests made, URL printed, errors mapped. */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from '../cli/helpers/cli.js';
import { startGitHubStandin, type GitHubStandin } from '../helpers/github-standin.js';
import { commitAll, gitInit, manifestText, writeFiles, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const TOKEN = 'ghp_standin_secret_token_1234567890';
const REPO = 'https://github.com/acme/registry.git';
let gh: GitHubStandin;
let cli: CliEnv;

function registryFiles(publishVia = 'pr'): Map<string, Buffer> {
  return new Map(Object.entries({
    'registry.toml': `[registry]\nname = "GitHub Registry"\nurl = "https://docs.example.com/"\nadmins = ["root"]\npublish_via = "${publishVia}"\n`,
    'scopes/acme.toml': '[scope]\nname = "acme"\ndisplay_name = "Acme"\n\n[[members]]\nuser = "alice"\nrole = "admin"\n',
    'libraries/@acme/guide/1.0.0/.mdlibs.toml': manifestText({ scope: 'acme', name: 'guide', version: '1.0.0' }),
    'libraries/@acme/guide/1.0.0/README.md': '# guide\n',
  }).map(([k, v]) => [k, Buffer.from(v)]));
}

function libraryFolder(name: string, version: string): string {
  const dir = tempDir('mdlibs-lib-');
  const lib = join(dir, writeLibrary(dir, { scope: 'acme', name, version }));
  execFileSync('git', ['init', '-q', lib]);
  return lib;
}

const publish = (args: string[] = [], env: Record<string, string | undefined> = {}) =>
  cli.run(['publish', libraryFolder('notes', '1.0.0'), '--repo', REPO, '--github-api', gh.url, ...args], { env: { GITHUB_TOKEN: TOKEN, ...env } });

beforeAll(async () => {
  gh = await startGitHubStandin({ token: TOKEN, user: 'alice' });
  cli = cliEnv();
});
afterAll(async () => gh.close());
beforeEach(() => {
  gh.requests.length = 0;
  gh.pulls.length = 0;
  gh.repos.clear();
  gh.addRepo({ owner: 'acme', name: 'registry', files: registryFiles() });
});

describe('mdlibs publish --via pr', () => {
  it('creates blobs, a tree, a commit, a branch and a pull request, and prints its URL', async () => {
    const r = await publish();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('https://github.com/acme/registry/pull/1');
    expect(gh.writes()).toEqual([
      ...Array.from({ length: 3 }, () => 'POST /repos/acme/registry/git/blobs'),
      'POST /repos/acme/registry/git/trees',
      'POST /repos/acme/registry/git/commits',
      'POST /repos/acme/registry/git/refs',
      'POST /repos/acme/registry/pulls',
    ]);
    expect(gh.requests.every((q) => q.authorization === `token ${TOKEN}`)).toBe(true);
    const contents = gh.requests.filter((q) => q.method === 'GET' && q.path.includes('/contents/')).map((q) => q.path);
    expect(contents).toContain('/repos/acme/registry/contents/libraries/@acme/notes/1.0.0');

    const tree = [...gh.trees.values()][0]!;
    const base = gh.repos.get('acme/registry')!.refs.get('main')!;
    expect(tree.base_tree).toBe(gh.commits.get(base)!.tree);
    expect(tree.tree.map((e) => e.path).sort()).toEqual(['libraries/@acme/notes/1.0.0/.mdlibs.toml', 'libraries/@acme/notes/1.0.0/README.md', 'libraries/@acme/notes/1.0.0/docs/guide.md']);
    const readme = tree.tree.find((e) => e.path.endsWith('README.md'))!;
    expect(gh.blobs.get(readme.sha!)!.toString()).toContain('# notes');
    const commitBody = gh.requests.find((q) => q.method === 'POST' && q.path.endsWith('/git/commits'))!.body as { parents: string[]; message: string };
    expect(commitBody.parents).toEqual([base]);
    expect(commitBody.message).toMatch(/^Publish @acme\/notes@1\.0\.0/);
    const ref = gh.requests.find((q) => q.path.endsWith('/git/refs'))!.body as { ref: string };
    expect(ref.ref).toBe('refs/heads/mdlibs/publish-acme-notes-1.0.0');
    expect(gh.pulls).toEqual([expect.objectContaining({ title: 'Publish @acme/notes@1.0.0', head: 'mdlibs/publish-acme-notes-1.0.0', base: 'main' })]);
    expect(gh.pulls[0]!.body).toContain('`libraries/@acme/notes/1.0.0/` (3 files');
    expect(gh.pulls[0]!.body).toMatch(/tarball sha256: `[0-9a-f]{64}`/);
  });

  it('forks the registry when the user cannot push, and opens the PR from the fork', async () => {
    gh.repos.get('acme/registry')!.push = false;
    const r = await publish(['--json']);
    expect(r.stderr).toBe('');
    expect(r.json<{ url: string; target: string }>()).toMatchObject({ target: 'pull-request', url: 'https://github.com/acme/registry/pull/1' });
    expect(gh.writes()).toEqual([
      'POST /repos/acme/registry/forks',
      'POST /repos/alice/registry/merge-upstream',
      ...Array.from({ length: 3 }, () => 'POST /repos/alice/registry/git/blobs'),
      'POST /repos/alice/registry/git/trees',
      'POST /repos/alice/registry/git/commits',
      'POST /repos/alice/registry/git/refs',
      'POST /repos/acme/registry/pulls',
    ]);
    expect(gh.pulls[0]).toMatchObject({ head: 'alice:mdlibs/publish-acme-notes-1.0.0', base: 'main' });
  });

  it('refuses a version that already exists before any write', async () => {
    gh.repos.get('acme/registry')!.files.set('libraries/@acme/notes/1.0.0/README.md', Buffer.from('# x\n'));
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PUB_VERSION_EXISTS');
    expect(gh.writes()).toEqual([]);
  });

  it('refuses a version number that was deleted before', async () => {
    gh.repos.get('acme/registry')!.history.add('libraries/@acme/notes/1.0.0');
    const r = await publish();
    expect(r.stderr).toContain('PUB_VERSION_DELETED');
    expect(gh.writes()).toEqual([]);
  });

  it('with --dry-run reads only', async () => {
    const r = await publish(['--dry-run']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('dry run: would open a pull request "Publish @acme/notes@1.0.0" on acme/registry');
    expect(gh.writes()).toEqual([]);
  });

  it('maps 401 to a clear message and never prints the token', async () => {
    gh.fail({ status: 401, body: { message: 'Bad credentials' } });
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PUB_GITHUB_AUTH');
    expect(r.stderr).toContain('GitHub refused the token while reading the registry repository (401: Bad credentials)');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('maps a 403 with an exhausted rate limit, and a 429, to rate-limit errors with the reset time', async () => {
    const reset = Math.floor(Date.UTC(2030, 0, 1) / 1000);
    gh.fail({ status: 403, path: '/contents/', body: { message: 'API rate limit exceeded for user' }, headers: { 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) } });
    const a = await publish();
    expect(a.stderr).toContain('PUB_GITHUB_RATE_LIMITED');
    expect(a.stderr).toContain('try again at 2030-01-01T00:00:00.000Z');
    gh.fail({ status: 429, method: 'POST', path: '/git/blobs', body: { message: 'secondary rate limit' }, headers: { 'retry-after': '60' } });
    const b = await publish();
    expect(b.stderr).toContain('PUB_GITHUB_RATE_LIMITED');
    expect(b.stderr).toContain('try again in 60 s');
  });

  it('maps a plain 403 to a permissions message', async () => {
    gh.fail({ status: 403, method: 'POST', path: '/pulls', body: { message: 'Resource not accessible by integration' } });
    const r = await publish();
    expect(r.stderr).toContain('PUB_GITHUB_FORBIDDEN');
    expect(r.stderr).toContain('GitHub refused creating the pull request (403: Resource not accessible by integration)');
    expect(r.stderr).toContain('pull-requests:write');
  });

  it('maps 422 (the branch already exists) to a validation message with the API detail', async () => {
    gh.repos.get('acme/registry')!.refs.set('mdlibs/publish-acme-notes-1.0.0', 'abc');
    const r = await publish();
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('PUB_GITHUB_VALIDATION');
    expect(r.stderr).toContain('GitHub rejected creating branch mdlibs/publish-acme-notes-1.0.0 (422: Reference already exists)');
    expect(gh.pulls).toEqual([]);
  });

  it('maps 404 and 5xx', async () => {
    gh.repos.clear();
    expect((await publish()).stderr).toContain('PUB_GITHUB_NOT_FOUND');
    gh.addRepo({ owner: 'acme', name: 'registry', files: registryFiles() });
    gh.fail({ status: 502, body: { message: 'Bad gateway' } });
    expect((await publish()).stderr).toContain('PUB_GITHUB_ERROR');
  });

  it('needs a token, and a GitHub URL', async () => {
    const r = await publish([], { GITHUB_TOKEN: undefined, GH_TOKEN: undefined });
    expect(r.stderr).toContain('PUB_GITHUB_TOKEN_MISSING');
    const g = await cli.run(['publish', libraryFolder('notes', '1.0.0'), '--repo', 'https://gitlab.example.com/acme/registry.git', '--via', 'pr'], { env: { GITHUB_TOKEN: TOKEN } });
    expect(g.stderr).toContain('PUB_NOT_GITHUB');
    expect(gh.requests).toEqual([]);
  });

  it('opens yank, deprecate and team PRs with the edited file', async () => {
    const y = await cli.run(['yank', '@acme/guide@1.0.0', '--reason', 'typo in the install command', '--repo', REPO, '--github-api', gh.url, '--json'], { env: { GITHUB_TOKEN: TOKEN } });
    expect(y.stderr).toBe('');
    const tree = [...gh.trees.values()].pop()!;
    expect(tree.tree.map((e) => e.path)).toEqual(['libraries/@acme/guide/meta.toml']);
    expect(gh.blobs.get(tree.tree[0]!.sha!)!.toString()).toContain('"1.0.0" = "typo in the install command"');
    const t = await cli.run(['team', 'add-member', 'acme', 'bob', '--repo', REPO, '--github-api', gh.url], { env: { GITHUB_TOKEN: TOKEN } });
    expect(t.code).toBe(0);
    expect(t.stdout).toContain('https://github.com/acme/registry/pull/2');
    expect(gh.pulls.map((p) => p.title)).toEqual(['Yank @acme/guide@1.0.0', 'Add bob to @acme as member']);
    const missing = await cli.run(['deprecate', '@acme/nothing', '--message', 'x', '--repo', REPO, '--github-api', gh.url], { env: { GITHUB_TOKEN: TOKEN } });
    expect(missing.stderr).toContain('PUB_NOT_FOUND');
  });

  it('follows registry.toml publish_via = "git" when --via is not given', async () => {
    gh.repos.clear();
    gh.addRepo({ owner: 'acme', name: 'registry', files: registryFiles('git') });
    // the same registry as a local bare repo, reached through git's own url.insteadOf
    const src = tempDir();
    writeFiles(src, Object.fromEntries([...registryFiles('git')].map(([k, v]) => [k, v])));
    gitInit(src);
    commitAll(src, 'registry');
    const bare = join(tempDir(), 'registry.git');
    execFileSync('git', ['clone', '-q', '--bare', src, bare]);
    const cfg = join(tempDir(), 'gitconfig');
    writeFileSync(cfg, `[user]\n\tname = alice\n\temail = alice@example.com\n[url "${bare}"]\n\tinsteadOf = ${REPO}\n`);
    process.env.GIT_CONFIG_GLOBAL = cfg;
    try {
      const r = await publish(['--dry-run', '--json']);
      expect(r.stderr).toBe('');
      expect(r.json<{ via: string; dryRun: boolean; branch: string }>()).toMatchObject({ via: 'git', dryRun: true, branch: 'main' });
      expect(gh.writes()).toEqual([]);
    } finally {
      delete process.env.GIT_CONFIG_GLOBAL;
    }
  });
});
