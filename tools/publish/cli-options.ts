/** The options every registry-repo change command shares (publish, yank, deprecate, team). */
import type { Argv } from 'yargs';
import { stripControlChars } from '../../index-builder/src/index.js';
import type { ChangeOptions, ChangeResult } from './run-change.js';

export interface RepoFlags {
  repo?: string;
  registry?: string;
  via?: 'pr' | 'git';
  branch?: string;
  dryRun?: boolean;
  pushBranch?: boolean;
  gitlab?: boolean;
  allowUnsigned?: boolean;
  githubApi?: string;
}

export function repoOptions(y: Argv): Argv {
  return y
    .option('repo', { type: 'string', describe: 'registry Git repository (URL or path); default $MDLIBS_REGISTRY_REPO' })
    .option('registry', { type: 'string', describe: 'registry repository (same as --repo; named registries hold static URLs, not repos)' })
    .option('via', { choices: ['pr', 'git'] as const, describe: 'pr: pull request through the GitHub API; git: signed commit pushed with git (default: pr for GitHub URLs unless registry.toml says publish_via = "git")' })
    .option('branch', { type: 'string', describe: 'registry branch (default: registry.toml [registry] branch)' })
    .option('dry-run', { type: 'boolean', default: false, describe: 'validate and show the change; push nothing' })
    .option('push-branch', { type: 'boolean', default: false, describe: '--via git: push a review branch instead of the registry branch' })
    .option('gitlab', { type: 'boolean', default: false, describe: '--via git: the host is GitLab (open a merge request with push options)' })
    .option('allow-unsigned', { type: 'boolean', default: false, describe: '--via git: push even when git has no signing key (the registry check will refuse it unless reviewed)' })
    .option('github-api', { type: 'string', describe: 'GitHub API base URL (default $GITHUB_API_URL or https://api.github.com)' });
}

export function changeOptions(o: RepoFlags, env: Record<string, string | undefined>, cacheDir: string): ChangeOptions {
  return {
    repo: o.repo ?? o.registry, via: o.via, branch: o.branch, dryRun: o.dryRun, pushBranch: o.pushBranch, gitlab: o.gitlab,
    allowUnsigned: o.allowUnsigned, githubApi: o.githubApi, cacheDir, env,
  };
}

/** Human lines for a change result. */
/** `repo` of a dry run given no registry repository (publish --dry-run validates all the same). */
export const NO_REPO = '(none)';

export function renderChange(r: ChangeResult): string {
  const files = `${r.files.length} file${r.files.length === 1 ? '' : 's'}`;
  const lines = [`${r.dryRun ? 'dry run: ' : ''}${r.title}`, r.repo === NO_REPO ? `  ${files}, no registry repository given` : `  ${files} in ${r.repo}`];
  lines.push(`  ${r.follow}`);
  return lines.map((l) => stripControlChars(l)).join('\n');
}
