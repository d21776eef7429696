/**
 * The registry repo through the GitHub REST API (octokit): read files, and publish a change as a
 * pull request — branch (in a fork when the user cannot push), blobs, tree, commit, PR (CLI-6).
 */
import { Octokit } from 'octokit';
import type { RegistryConfig } from '../../index-builder/src/index.js';
import type { RegistryChange, RegistrySource } from './change.js';
import { publishError } from './errors.js';
import { mapGitHubError } from './github-errors.js';
import { parseRegistryConfig } from './registry-config.js';

export interface GitHubTarget {
  owner: string;
  repo: string;
  token: string;
  /** API base, e.g. https://api.github.com or a GitHub Enterprise / test stand-in URL. */
  baseUrl: string;
  branch?: string | undefined;
  /** How long to wait for a new fork to appear (ms). */
  forkWaitMs?: number;
}

export interface PullRequestResult {
  url: string;
  number: number;
  branch: string;
  commit: string;
  /** `owner/repo` the branch was pushed to (a fork when the user cannot push upstream). */
  headRepo: string;
}

async function call<T>(what: string, f: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await f()).data;
  } catch (e) {
    throw mapGitHubError(e, what);
  }
}

const isNotFound = (e: unknown) => (e as { status?: number }).status === 404;

export class GitHubRegistry implements RegistrySource {
  private constructor(private readonly kit: Octokit, private readonly t: GitHubTarget, readonly branch: string, readonly canPush: boolean, readonly config: RegistryConfig) {}

  static async open(t: GitHubTarget): Promise<GitHubRegistry> {
    const kit = new Octokit({ auth: t.token, baseUrl: t.baseUrl.replace(/\/+$/, ''), userAgent: 'mdlibs-publish', throttle: { enabled: false }, retry: { enabled: false } });
    const repo = await call('reading the registry repository', () => kit.rest.repos.get({ owner: t.owner, repo: t.repo }));
    const branch = t.branch ?? repo.default_branch;
    const text = await readText(kit, t, 'registry.toml', branch);
    if (text === null) throw publishError('PUB_GITHUB_NOT_FOUND', `${t.owner}/${t.repo} has no registry.toml on ${branch}`, 'is --repo the registry repo (the one holding registry.toml, scopes/ and libraries/)?');
    const config = parseRegistryConfig(text);
    return new GitHubRegistry(kit, t, t.branch ?? config.registry.branch ?? branch, repo.permissions?.push ?? false, config);
  }

  async readFile(path: string): Promise<Buffer | null> {
    const text = await readText(this.kit, this.t, path, this.branch, true);
    return text === null ? null : Buffer.from(text, 'base64');
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.kit.rest.repos.getContent({ owner: this.t.owner, repo: this.t.repo, path, ref: this.branch });
      return true;
    } catch (e) {
      if (isNotFound(e)) return false;
      throw mapGitHubError(e, `checking ${path}`);
    }
  }

  async wasDeleted(path: string): Promise<boolean> {
    const commits = await call(`reading the history of ${path}`, () => this.kit.rest.repos.listCommits({ owner: this.t.owner, repo: this.t.repo, sha: this.branch, path, per_page: 1 }));
    return commits.length > 0;
  }

  /** Creates the branch, blobs, tree, commit and the pull request; returns its URL. */
  async openPullRequest(change: RegistryChange): Promise<PullRequestResult> {
    const { owner, repo } = this.t;
    const ref = await call(`reading branch ${this.branch}`, () => this.kit.rest.git.getRef({ owner, repo, ref: `heads/${this.branch}` }));
    const baseSha = ref.object.sha;
    const baseCommit = await call('reading the base commit', () => this.kit.rest.git.getCommit({ owner, repo, commit_sha: baseSha }));
    const head = this.canPush ? { owner, repo } : await this.fork();
    const tree: { path: string; mode: '100644'; type: 'blob'; sha: string | null }[] = [];
    for (const f of change.files) {
      if (f.content === null) {
        tree.push({ path: f.path, mode: '100644' as const, type: 'blob' as const, sha: null });
        continue;
      }
      const content = f.content.toString('base64');
      const blob = await call(`uploading ${f.path}`, () => this.kit.rest.git.createBlob({ ...head, content, encoding: 'base64' }));
      tree.push({ path: f.path, mode: '100644' as const, type: 'blob' as const, sha: blob.sha });
    }
    const newTree = await call('creating the tree', () => this.kit.rest.git.createTree({ ...head, base_tree: baseCommit.tree.sha, tree }));
    const commit = await call('creating the commit', () => this.kit.rest.git.createCommit({ ...head, message: `${change.title}\n\n${change.body.join('\n')}`, tree: newTree.sha, parents: [baseSha] }));
    await call(`creating branch ${change.branch}`, () => this.kit.rest.git.createRef({ ...head, ref: `refs/heads/${change.branch}`, sha: commit.sha }));
    const pr = await call('creating the pull request', () => this.kit.rest.pulls.create({
      owner, repo, title: change.title, base: this.branch, head: head.owner === owner ? change.branch : `${head.owner}:${change.branch}`,
      body: `${change.body.join('\n')}\n\n_Prepared by \`mdlibs\`. The registry's check job validates this change and who may make it._`, maintainer_can_modify: true,
    }));
    return { url: pr.html_url, number: pr.number, branch: change.branch, commit: commit.sha, headRepo: `${head.owner}/${head.repo}` };
  }

  /** Forks the registry repo for a user without push access, and waits until the fork answers. */
  private async fork(): Promise<{ owner: string; repo: string }> {
    const { owner, repo } = this.t;
    const f = await call('forking the registry repo (you cannot push to it)', () => this.kit.rest.repos.createFork({ owner, repo }));
    const target = { owner: f.owner.login, repo: f.name };
    const deadline = Date.now() + (this.t.forkWaitMs ?? 60_000);
    for (;;) {
      try {
        await this.kit.rest.repos.get(target);
        break;
      } catch (e) {
        if (!isNotFound(e) || Date.now() > deadline) throw mapGitHubError(e, `waiting for the fork ${target.owner}/${target.repo}`);
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await this.kit.rest.repos.mergeUpstream({ ...target, branch: this.branch }).catch(() => undefined);
    return target;
  }
}

async function readText(kit: Octokit, t: GitHubTarget, path: string, ref: string, raw = false): Promise<string | null> {
  try {
    const { data } = await kit.rest.repos.getContent({ owner: t.owner, repo: t.repo, path, ref });
    if (Array.isArray(data) || data.type !== 'file' || !('content' in data)) return null;
    return raw ? data.content.replace(/\s+/g, '') : Buffer.from(data.content, 'base64').toString('utf8');
  } catch (e) {
    if (isNotFound(e)) return null;
    throw mapGitHubError(e, `reading ${path}`);
  }
}
