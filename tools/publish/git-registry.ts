/**
 * The registry repo through a local clone (simple-git, with the user's own git config and
 * signing setup): read it, commit a prepared change (signed), push it to the branch or to a
 * review branch (GitLab: merge request via push options).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { RegistryConfig } from '../../index-builder/src/index.js';
import { parseRegistryConfig } from './registry-config.js';
import type { RegistryChange, RegistrySource } from './change.js';
import { publishError } from './errors.js';
import { redactUrl } from './repo-url.js';

export interface PushPlan {
  /** 'direct': commit on the registry branch; 'branch': a review branch (PR / merge request). */
  target: 'direct' | 'branch';
  gitlab: boolean;
  allowUnsigned: boolean;
}

export interface GitPushResult {
  branch: string;
  commit: string;
  signed: boolean;
  /** Merge request URL GitLab printed, when any. */
  url: string | null;
  remoteMessages: string[];
}

const gitFailed = (what: string, url: string, e: unknown) =>
  publishError('PUB_GIT_FAILED', `git ${what} failed for ${redactUrl(url)}: ${redactUrl(e instanceof Error ? e.message.trim().split('\n').slice(-3).join(' ') : String(e))}`, 'check the repository URL, your access (ssh key or credential helper) and network, then try again', { cause: e });

export function isRejection(e: unknown): boolean {
  return e instanceof Error && /\[rejected\]|non-fast-forward|fetch first|failed to push some refs/i.test(e.message);
}

/**
 * simple-git with the user's own git environment: simple-git 4 drops ambient GIT_* variables
 * unless allowed, and a user's GIT_SSH_COMMAND, GIT_CONFIG_GLOBAL or GNUPGHOME are part of
 * their setup (this runs the user's git on the user's behalf; nothing here comes from input).
 */
function userGit(baseDir?: string): SimpleGit {
  return simpleGit({ ...(baseDir ? { baseDir } : {}), allowEnvironment: Object.keys(process.env) });
}

export class GitRegistry implements RegistrySource {
  private constructor(readonly dir: string, readonly url: string, readonly branch: string, readonly config: RegistryConfig, private readonly git: SimpleGit) {}

  /** Clones the registry repo into the cache (or fetches it) and checks out the publishing branch, clean. */
  static async open(url: string, cacheDir: string, branch?: string): Promise<GitRegistry> {
    const dir = join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
    let git: SimpleGit;
    try {
      if (!existsSync(join(dir, '.git'))) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dirname(dir), { recursive: true });
        await userGit().clone(url, dir, ['--quiet']);
        git = userGit(dir);
      } else {
        git = userGit(dir);
        await git.remote(['set-url', 'origin', url]);
        await git.fetch(['--quiet', '--prune', 'origin']);
        await git.remote(['set-head', 'origin', '--auto']).catch(() => undefined);
      }
    } catch (e) {
      throw gitFailed('clone/fetch', url, e);
    }
    let target = branch;
    if (!target) {
      const head = await git.raw(['symbolic-ref', '--short', '-q', 'refs/remotes/origin/HEAD']).catch(() => '');
      target = head.trim().replace(/^origin\//, '') || 'main';
    }
    const config = await readConfig(git, `origin/${target}`);
    if (!branch && config.registry.branch !== target) {
      target = config.registry.branch;
    }
    try {
      await git.raw(['checkout', '-q', '-f', '-B', 'mdlibs-work', `origin/${target}`]);
      await git.raw(['clean', '-q', '-fdx']);
    } catch (e) {
      throw publishError('PUB_GIT_FAILED', `the registry repo has no branch "${target}"`, 'pass --branch, or set [registry] branch in registry.toml', { cause: e });
    }
    return new GitRegistry(dir, url, target, config, git);
  }

  async readFile(path: string): Promise<Buffer | null> {
    const p = join(this.dir, path);
    return existsSync(p) ? readFileSync(p) : null;
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(join(this.dir, path));
  }

  async wasDeleted(path: string): Promise<boolean> {
    const out = await this.git.raw(['log', '-1', '--format=%H', '--diff-filter=D', 'HEAD', '--', path]);
    return out.trim() !== '';
  }

  /** True when git will sign commits here (commit.gpgsign, or a user.signingkey). */
  async signingConfigured(): Promise<boolean> {
    const get = async (k: string) => (await this.git.raw(['config', '--get', k]).catch(() => '')).trim();
    return (await get('commit.gpgsign')) === 'true' || (await get('user.signingkey')) !== '';
  }

  async commitAndPush(change: RegistryChange, plan: PushPlan): Promise<GitPushResult> {
    const signed = await this.signingConfigured();
    if (!signed && plan.target === 'direct' && !plan.allowUnsigned) {
      throw publishError('PUB_SIGNING_NOT_CONFIGURED', 'pushing to the registry branch needs a signed commit, and git has no signing key configured', 'configure signing with a key listed in the scope file: git config --global gpg.format ssh; git config --global user.signingkey ~/.ssh/id_ed25519.pub; git config --global commit.gpgsign true (or use --via pr)');
    }
    for (const f of change.files) {
      const p = join(this.dir, f.path);
      if (f.content === null) rmSync(p, { force: true });
      else {
        mkdirSync(dirname(p), { recursive: true });
        writeFileSync(p, f.content);
      }
    }
    const branch = plan.target === 'direct' ? this.branch : change.branch;
    try {
      await this.git.raw(['add', '-A', '--', ...new Set(change.files.map((f) => f.path))]);
      await this.git.raw(['commit', '-q', ...(signed ? ['-S'] : []), '-m', change.title, '-m', change.body.join('\n')]);
    } catch (e) {
      throw publishError('PUB_GIT_FAILED', `git commit failed: ${e instanceof Error ? e.message.trim() : String(e)}`, 'check git config user.name/user.email and your signing setup (git commit -S works in any repo?)', { cause: e });
    }
    const commit = (await this.git.revparse(['HEAD'])).trim();
    const options = plan.gitlab && plan.target === 'branch'
      ? ['-o', 'merge_request.create', '-o', `merge_request.target=${this.branch}`, '-o', `merge_request.title=${change.title}`, '-o', 'merge_request.remove_source_branch']
      : [];
    let res;
    try {
      res = await this.git.push('origin', `HEAD:refs/heads/${branch}`, options);
    } catch (e) {
      if (isRejection(e)) throw e;
      throw gitFailed('push', this.url, e);
    }
    const remoteMessages = res.remoteMessages.all;
    const url = remoteMessages.map((l) => /https?:\/\/\S+\/merge_requests\/\d+/.exec(l)?.[0]).find(Boolean) ?? null;
    return { branch, commit, signed, url, remoteMessages };
  }
}

async function readConfig(git: SimpleGit, rev: string): Promise<RegistryConfig> {
  let text: string;
  try {
    text = await git.show([`${rev}:registry.toml`]);
  } catch (e) {
    throw publishError('PUB_GIT_FAILED', `the registry repo has no registry.toml on ${rev.replace(/^origin\//, '')}`, 'is --repo the registry repo (the one holding registry.toml, scopes/ and libraries/)?', { cause: e });
  }
  return parseRegistryConfig(text);
}
