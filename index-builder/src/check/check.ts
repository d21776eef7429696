/**
 * Check mode (BUILD-6, REPO-2, PUB-3): given a base and a head commit of the registry repo,
 * validate only what changed and decide who may make each change. PR mode trusts the author
 * CI hands in; push mode trusts only signatures by keys listed in the base side's scope files.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MdlibsError } from '../errors.js';
import { readRegistryLayout } from '../read/registry.js';
import { authorityFrom, authorize, type Authority } from './authorize.js';
import { classifyChanges, locatePath, type Change } from './classify.js';
import type { CheckCode } from './codes.js';
import { GitRepo } from './git-range.js';
import { makeKeyring, type Keyring, type ListedKey } from './keyring.js';
import type { CheckedCommit, CheckFinding, CheckReport } from './report.js';
import { verifyCommits, type SignatureResult } from './signatures.js';
import { validateChanges } from './validate-changes.js';
import type { RegistryLayout } from '../read/registry.js';

export interface CheckOptions {
  registryDir: string;
  /** Base revision: the PR's base (its merge base with head is used) or the commit before the push. All zeros: a new branch. */
  base: string;
  head: string;
  /** Git-host username of the PR author (PR mode). */
  author?: string | undefined;
  mode: 'pr' | 'push';
}

const units = (u: { versionFolders: Set<string>; scopeFiles: Set<string> }) => new Set([...u.versionFolders, ...u.scopeFiles]);

/** Reads registry.toml and scopes/ of the base side: the authority every change is judged by. */
async function baseLayout(repo: GitRepo, base: string | null, dir: string): Promise<RegistryLayout | null> {
  if (!base) return null;
  const present = await repo.existing(base, ['registry.toml', 'scopes']);
  if (!present.has('registry.toml')) return null;
  await repo.exportPaths(base, [...present], dir);
  return readRegistryLayout(dir);
}

export async function checkChange(opts: CheckOptions): Promise<CheckReport> {
  if (opts.mode === 'pr' && !opts.author) {
    throw new MdlibsError<CheckCode>('MDL_CHECK_USAGE', 'PR mode needs the PR author', { hint: 'pass --author (GitHub Actions: ${{ github.event.pull_request.user.login }})' });
  }
  const repo = await GitRepo.open(opts.registryDir);
  const head = (await repo.resolve(opts.head, 'head')) as string;
  let base = await repo.resolve(opts.base, 'base');
  const problems: CheckFinding[] = [];
  if (base && opts.mode === 'pr') base = (await repo.mergeBase(base, head)) ?? base;
  if (base && opts.mode === 'push' && !(await repo.isAncestor(base, head))) {
    problems.push({ code: 'MDL_CHECK_HISTORY_REWRITTEN', message: `head ${head.slice(0, 12)} does not descend from base ${base.slice(0, 12)}: the push rewrote history`, hint: 'never force-push the registry branch; restore the old history and add new commits on top' });
  }
  const tmp = mkdtempSync(join(tmpdir(), 'mdlibs-check-'));
  try {
    const before = await baseLayout(repo, base, join(tmp, 'base'));
    const authority = authorityFrom(before?.config.registry.admins ?? [], before?.scopes ?? new Map());
    const [bu, hu] = await Promise.all([repo.units(base), repo.units(head)]);
    const changes = classifyChanges(await repo.diff(base, head), units(bu), units(hu));
    for (const c of changes) {
      if (c.kind === 'version-edited') {
        problems.push({ code: 'MDL_VERSION_CHANGED', file: c.path, message: `${c.library}@${c.version} is already published and this change edits it (${c.files.length} file${c.files.length === 1 ? '' : 's'}: ${c.files.slice(0, 3).map((f) => f.slice(c.path.length + 1)).join(', ')}${c.files.length > 3 ? ', ...' : ''})`, hint: `published versions are immutable: revert the changes under ${c.path} and publish them as a new version folder` });
      }
    }
    const v = await validateChanges(repo, base, head, changes, hu.versionFolders, bu.versionFolders, bu.scopeFiles, join(tmp, 'head'));
    problems.push(...v.problems);
    let commits: CheckedCommit[] = [];
    if (opts.mode === 'pr') {
      for (const c of changes) {
        const r = authorize(c, opts.author as string, authority);
        if (r) problems.push({ ...r, file: c.path });
      }
    } else {
      const pushed = await checkPushedCommits(repo, base, head, before, authority, join(tmp, 'keys'));
      commits = pushed.commits;
      problems.push(...pushed.problems);
    }
    return {
      ok: problems.length === 0, mode: opts.mode, registry: v.layout?.config.registry.name ?? before?.config.registry.name ?? null,
      base, head, author: opts.mode === 'pr' ? (opts.author ?? null) : null, changes, commits, problems,
    };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Keys trusted for a scope: its own file's keys, plus the registry admins' keys from registry.toml. */
function keysOf(layout: RegistryLayout | null, scope: string | null, admins: ReadonlySet<string>): ListedKey[] {
  const out: ListedKey[] = [];
  for (const k of layout?.config.keys ?? []) if (admins.has(k.user)) out.push({ ...k, file: 'registry.toml', source: 'registry' });
  const s = scope ? layout?.scopes.get(scope) : undefined;
  for (const k of s?.keys ?? []) out.push({ ...k, file: `scopes/${scope}.toml`, source: 'scope' });
  return out;
}

/** Push mode: every commit that touches a scope must be signed by an allowed key whose user may make that commit's changes. */
async function checkPushedCommits(repo: GitRepo, base: string | null, head: string, before: RegistryLayout | null, authority: Authority, keyDir: string) {
  const problems: CheckFinding[] = [];
  const rings = new Map<string, Keyring>();
  const ringFor = async (id: string): Promise<Keyring> => {
    let r = rings.get(id);
    if (!r) {
      r = await makeKeyring(join(keyDir, String(rings.size)), keysOf(before, id === REGISTRY ? null : id, authority.registryAdmins));
      problems.push(...r.problems);
      rings.set(id, r);
    }
    return r;
  };
  const planned: { sha: string; subject: string; groups: Map<string, Change[]> }[] = [];
  for (const rc of await repo.commits(base, head)) {
    const touched = [...new Set(rc.paths.map((p) => (p.outside ? p.path : locatePath(p.path).unit)))];
    const [parentUnits, ownUnits] = await Promise.all([repo.existing(rc.parent, touched), repo.existing(rc.sha, touched)]);
    const groups = new Map<string, Change[]>();
    for (const c of classifyChanges(rc.paths, parentUnits, ownUnits)) {
      // keys of the scope the change is in (plus registry admins' keys); the roles are checked after
      const id = c.scope && authority.scopes.has(c.scope) && c.kind !== 'scope-added' ? c.scope : REGISTRY;
      groups.set(id, [...(groups.get(id) ?? []), c]);
    }
    planned.push({ sha: rc.sha, subject: rc.subject, groups });
  }
  const results = new Map<string, Map<string, SignatureResult>>();
  for (const id of new Set(planned.flatMap((p) => [...p.groups.keys()]))) {
    results.set(id, await verifyCommits(repo, planned.filter((p) => p.groups.has(id)).map((p) => p.sha), await ringFor(id)));
  }
  const commits: CheckedCommit[] = [];
  for (const p of planned) {
    const entry: CheckedCommit = { sha: p.sha, subject: p.subject, touches: [...p.groups.keys()].sort(), signature: p.groups.size ? 'good' : 'not-needed', signer: null, key: null };
    for (const [id, changes] of p.groups) {
      const sig = results.get(id)?.get(p.sha) ?? { status: 'unsigned' as const, signer: null, key: null };
      entry.key ??= sig.key;
      const where = `commit ${p.sha.slice(0, 12)} ("${p.subject.slice(0, 60)}")`;
      const keysFile = id === REGISTRY ? 'registry.toml [[keys]] (registry admins)' : `scopes/${id}.toml`;
      if (sig.status !== 'good') {
        entry.signature = sig.status;
        problems.push(signatureProblem(sig.status, where, id, keysFile, sig.key, p.sha, changes[0]?.path));
        continue;
      }
      entry.signer ??= sig.signer;
      // a key from a scope file gives at most scope powers, whatever username it claims
      const asSigner = sig.via === 'registry' ? authority : { ...authority, registryAdmins: new Set<string>() };
      for (const c of changes) {
        const r = authorize(c, sig.signer as string, asSigner);
        if (r) problems.push({ ...r, message: `${where}, signed by ${sig.signer}: ${r.message}`, file: c.path, commit: p.sha });
      }
    }
    commits.push(entry);
  }
  return { commits, problems };
}

const REGISTRY = 'registry';

function signatureProblem(status: SignatureResult['status'], where: string, id: string, keysFile: string, key: string | null, sha: string, file: string | undefined): CheckFinding {
  const what = id === REGISTRY ? 'registry-admin paths' : `scope @${id}`;
  const sign = `sign it with a key listed in ${keysFile} (git config gpg.format ssh|openpgp, user.signingkey, commit.gpgsign true), e.g. git commit --amend --no-edit -S, then push again`;
  const base = { commit: sha, ...(file ? { file } : {}) };
  switch (status) {
    case 'unsigned':
      return { ...base, code: 'MDL_CHECK_UNSIGNED', message: `${where} touches ${what} but is not signed`, hint: sign };
    case 'unknown-key':
      return { ...base, code: 'MDL_CHECK_KEY_NOT_LISTED', message: `${where} touches ${what} and is signed by a key ${keysFile} does not list${key ? ` (${key})` : ''}`, hint: `${sign}; or ask an admin of the scope to add your key to its [[keys]]` };
    default:
      return { ...base, code: 'MDL_CHECK_BAD_SIGNATURE', message: `${where} touches ${what} and its signature is ${status}${key ? ` (${key})` : ''}`, hint: sign };
  }
}
