/**
 * Carries a prepared registry-repo change to the registry (CLI-6, CLI-7): a pull request through
 * the GitHub API, or a signed commit pushed with git (to the branch, or to a review branch;
 * GitLab opens the merge request from push options). Dry runs prepare and validate only.
 */
import { join } from 'node:path';
import type { RegistryChange, RegistrySource } from './change.js';
import { publishError } from './errors.js';
import { GitRegistry, isRejection } from './git-registry.js';
import { GitHubRegistry } from './github-registry.js';
import { parseRepoUrl, redactUrl } from './repo-url.js';

export interface ChangeOptions {
  /** Registry repository: a Git URL or a local path. Else MDLIBS_REGISTRY_REPO. */
  repo?: string | undefined;
  via?: 'pr' | 'git' | undefined;
  /** Registry branch (default: registry.toml [registry] branch). */
  branch?: string | undefined;
  dryRun?: boolean | undefined;
  /** --via git: push a review branch instead of the registry branch. */
  pushBranch?: boolean | undefined;
  /** Treat the host as GitLab (merge request via push options) even when the URL does not say so. */
  gitlab?: boolean | undefined;
  allowUnsigned?: boolean | undefined;
  githubToken?: string | undefined;
  githubApi?: string | undefined;
  /** Where registry clones are kept. */
  cacheDir: string;
  env: Record<string, string | undefined>;
  /** Max attempts when a direct push races another publish. */
  attempts?: number;
}

export interface ChangeResult {
  via: 'pr' | 'git';
  dryRun: boolean;
  title: string;
  files: string[];
  repo: string;
  /** Where the change went: a pull request, a merge request, a review branch, the registry branch, or nowhere (dry run). */
  target: 'pull-request' | 'merge-request' | 'branch' | 'direct' | 'none';
  branch: string;
  url: string | null;
  commit: string | null;
  signed: boolean | null;
  /** One line: where to follow the change. */
  follow: string;
}

export type MakeChange = (source: RegistrySource) => Promise<RegistryChange>;

export function resolveRepo(opts: Pick<ChangeOptions, 'repo' | 'env'>): string {
  const repo = opts.repo ?? opts.env.MDLIBS_REGISTRY_REPO;
  if (!repo) throw publishError('PUB_NO_REPOSITORY', 'no registry repository given', 'pass --repo <git-url> (e.g. https://github.com/acme/registry.git) or set MDLIBS_REGISTRY_REPO');
  return repo;
}

export async function runChange(opts: ChangeOptions, make: MakeChange): Promise<ChangeResult> {
  const url = resolveRepo(opts);
  const serverHost = opts.env.GITHUB_SERVER_URL ? new URL(opts.env.GITHUB_SERVER_URL).hostname : undefined;
  const ref = parseRepoUrl(url, { gitlab: opts.gitlab, githubHosts: serverHost ? [serverHost] : [] });
  const via = opts.via ?? (ref.host === 'github' ? 'pr' : 'git');
  if (via === 'pr') {
    if (ref.host !== 'github' || !ref.owner || !ref.name) throw publishError('PUB_NOT_GITHUB', `--via pr needs a GitHub repository URL, got ${redactUrl(url)}`, 'use --via git for other hosts (GitLab opens a merge request from push options)');
    const token = opts.githubToken ?? opts.env.GITHUB_TOKEN ?? opts.env.GH_TOKEN;
    if (!token) throw publishError('PUB_GITHUB_TOKEN_MISSING', '--via pr needs a GitHub token', 'set GITHUB_TOKEN (or GH_TOKEN) to a token that may open pull requests on the registry repo, or run gh auth token');
    const gh = await GitHubRegistry.open({ owner: ref.owner, repo: ref.name, token, baseUrl: opts.githubApi ?? opts.env.GITHUB_API_URL ?? 'https://api.github.com', branch: opts.branch });
    // without --via, the registry decides (registry.toml publish_via)
    if (opts.via !== undefined || gh.config.registry.publish_via !== 'git') {
      const change = await make(gh);
      const base = { via, title: change.title, files: change.files.map((f) => f.path), repo: redactUrl(url), branch: change.branch, signed: null };
      if (opts.dryRun) return { ...base, dryRun: true, target: 'none', url: null, commit: null, follow: `dry run: would open a pull request "${change.title}" on ${ref.owner}/${ref.name}` };
      const pr = await gh.openPullRequest(change);
      return { ...base, dryRun: false, target: 'pull-request', url: pr.url, commit: pr.commit, follow: `pull request #${pr.number}: ${pr.url}` };
    }
  }
  return viaGit(url, ref.host === 'gitlab', opts, make);
}

async function viaGit(url: string, gitlab: boolean, opts: ChangeOptions, make: MakeChange): Promise<ChangeResult> {
  const target = opts.pushBranch || gitlab ? 'branch' : 'direct';
  const attempts = target === 'direct' ? (opts.attempts ?? 3) : 1;
  const cacheDir = join(opts.cacheDir, 'registries');
  for (let i = 1; ; i++) {
    const reg = await GitRegistry.open(url, cacheDir, opts.branch);
    const change = await make(reg);
    const base = { via: 'git' as const, title: change.title, files: change.files.map((f) => f.path), repo: redactUrl(url) };
    if (opts.dryRun) {
      return { ...base, dryRun: true, target: 'none', branch: target === 'direct' ? reg.branch : change.branch, url: null, commit: null, signed: null, follow: `dry run: would commit "${change.title}" and push it to ${target === 'direct' ? `${reg.branch} of` : `branch ${change.branch} of`} ${redactUrl(url)}` };
    }
    try {
      const r = await reg.commitAndPush(change, { target, gitlab, allowUnsigned: opts.allowUnsigned ?? false });
      const kind = target === 'direct' ? 'direct' : gitlab ? 'merge-request' : 'branch';
      const follow = kind === 'direct'
        ? `pushed ${r.signed ? 'signed ' : ''}commit ${r.commit.slice(0, 12)} to ${r.branch} of ${redactUrl(url)}; the registry's CI checks and builds it`
        : r.url ? `merge request: ${r.url}` : `pushed branch ${r.branch} to ${redactUrl(url)}; open a ${gitlab ? 'merge' : 'pull'} request from it into ${reg.branch}`;
      return { ...base, dryRun: false, target: kind, branch: r.branch, url: r.url, commit: r.commit, signed: r.signed, follow };
    } catch (e) {
      if (!isRejection(e)) throw e;
      if (i >= attempts) throw publishError('PUB_PUSH_REJECTED', `the registry repo refused the push ${i} time${i === 1 ? '' : 's'} (someone else pushed, or the branch is protected)`, target === 'direct' ? 'try again, or publish with --via pr / --push-branch if the branch is protected' : `delete or rename the remote branch ${change.branch} and try again`, { cause: e });
    }
  }
}
