/** What Git knows about the registry: tree id of each version folder, dirty folders, and when each version was added (BUILD-3). */
import { relative, resolve } from 'node:path';
import { simpleGit } from 'simple-git';
import { detached } from '../build/heap.js';

const versionFolderOf = (path: string): string | null => {
  const parts = path.split('/');
  return parts.length >= 4 && parts[0] === 'libraries' ? parts.slice(0, 4).join('/') : null;
};

const VERSION_FOLDER = /^libraries\/[^/]+\/[^/]+\/[^/]+$/;
const SCOPE_FOLDER = /^libraries\/@([^/]+)$/;

/** The scope of a path under `libraries/@scope/` (the scope folder itself included), else null. */
const scopeOf = (path: string): string | null => {
  if (!path.startsWith('libraries/@')) return null;
  const end = path.indexOf('/', 11);
  return end < 0 ? path.slice(11) : path.slice(11, end);
};

/**
 * The tree id of each version folder (`libraries/@scope/name/version`, exactly four levels) and of
 * each scope folder (`libraries/@scope`, by scope name) in the output of `git ls-tree [-r -d] -z
 * HEAD -- libraries` (`<mode> tree <id>\t<path>` records), pure. The ids and paths are copied out
 * of the output in one go (detached), not one by one: at 10,000 libraries the recursive output is
 * 5.3 MB and 70,000 records, and a copy per string took ~20 ms more.
 */
export function parseTrees(out: string): { treeIds: Map<string, string>; scopeTrees: Map<string, string> } {
  const pairs: [string, string][] = [];
  const scopes: [string, string][] = [];
  for (const rec of out.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const path = rec.slice(tab + 1);
    const space = rec.lastIndexOf(' ', tab);
    if (space < 0) continue;
    if (VERSION_FOLDER.test(path)) pairs.push([path, rec.slice(space + 1, tab)]);
    else {
      const m = SCOPE_FOLDER.exec(path);
      if (m) scopes.push([m[1] as string, rec.slice(space + 1, tab)]);
    }
  }
  return { treeIds: new Map(detached(pairs)), scopeTrees: new Map(detached(scopes)) };
}

/** What `git ls-tree` tells at once: HEAD and the tree id of each scope folder in it, dirty or not. */
export interface GitTrees {
  head: string;
  /** Scope name -> tree id in HEAD of its folder `libraries/@scope` (see GitReading.dirtyScopes). */
  scopeTrees: Map<string, string>;
  /**
   * `libraries/@s/n/v` -> tree id in HEAD, for every version folder of HEAD under the given scope
   * folders (all of libraries/ for 'all'), dirty or not (see GitReading.dirty): one `git ls-tree
   * -r -d` (~0.1 s of git's CPU and a 5 MB answer for all at 10,000 libraries).
   */
  versionTrees: (scopes: readonly string[] | 'all') => Promise<Map<string, string>>;
  /** Folder of the registry inside the Git work tree ('' or 'sub/dir/'). */
  prefix: string;
  toplevel: string;
}

/**
 * The Git state in two parts that come at different times: `trees` when `git ls-tree` answers
 * (a few ms), `dirty` when `git status` has scanned every folder of the work
 * tree (~0.6 s alone, ~1 s beside a build's reading), so that a build can go on with the tree
 * ids while the scan runs and check its use of them when the scan is done.
 */
export interface GitReading {
  /** Null when the folder is not in a Git work tree or the repo has no commit yet. */
  trees: Promise<GitTrees | null>;
  /** Version folders with uncommitted, untracked or ignored changes (to be keyed by content); empty without `trees`. */
  dirty: Promise<Set<string>>;
  /** Scopes with such a change anywhere under `libraries/@scope` (their folder is not HEAD's); empty without `trees`. */
  dirtyScopes: Promise<Set<string>>;
}

/**
 * Starts the git processes at once: `git status` scans every folder of the work tree (~1.9 s at
 * 10,000 libraries on a cold cache, mostly the kernel's), so a caller that starts this before its
 * own synchronous reading gets that scan on another core. Paths given to git are relative to
 * `root` (git resolves pathspecs from the working directory, also in a subfolder of the repo);
 * `git status` answers with paths from the top of the work tree, hence `prefix`. Neither promise
 * rejects for a folder outside Git; both may reject when git itself fails.
 */
export function startGitReading(root: string): GitReading {
  const git = simpleGit(root);
  const run = (args: string[]) => {
    const p = git.raw(args);
    p.catch(() => undefined); // awaited below only when the repo has a commit
    return p;
  };
  const toplevelOut = run(['rev-parse', '--show-toplevel']);
  const headOut = run(['rev-parse', '--verify', '-q', 'HEAD']);
  const lsOut = run(['ls-tree', '-z', 'HEAD', '--', 'libraries/']);
  const statusOut = run(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching', '--', 'libraries']);
  const trees = (async (): Promise<GitTrees | null> => {
    let toplevel: string;
    let head: string;
    try {
      toplevel = (await toplevelOut).trim();
      head = (await headOut).trim();
    } catch {
      return null;
    }
    if (!head) return null;
    const rel = relative(toplevel, resolve(root)).split('\\').join('/');
    return { head, scopeTrees: parseTrees(await lsOut).scopeTrees, versionTrees: versionTreesOf(root, head), prefix: rel ? `${rel}/` : '', toplevel };
  })();
  const status = trees.then(async (t) => (t ? parseStatus(await statusOut, t.prefix) : { folders: new Set<string>(), scopes: new Set<string>() }));
  const dirty = status.then((s) => s.folders);
  const dirtyScopes = status.then((s) => s.scopes);
  for (const p of [trees, dirty, dirtyScopes]) p.catch(() => undefined); // the caller awaits them; a failure first elsewhere must not leave them unhandled
  return { trees, dirty, dirtyScopes };
}

/**
 * GitTrees.versionTrees for commit `head`. Made out here: a closure made in startGitReading would
 * keep its scope, and with it the git outputs its promises hold, alive as long as the build.
 */
function versionTreesOf(root: string, head: string): GitTrees['versionTrees'] {
  return async (scopes) => {
    if (scopes !== 'all' && !scopes.length) return new Map();
    // many scopes: all of libraries/ (the extra ids are never asked for) rather than a command line that long
    const paths = scopes === 'all' || scopes.length > 1000 ? ['libraries'] : scopes.map((scope) => `libraries/@${scope}`);
    // literal: a folder name from HEAD is a path here, never a glob or pathspec magic
    return parseTrees(await simpleGit(root).raw(['--literal-pathspecs', 'ls-tree', '-r', '-d', '-z', head, '--', ...paths])).treeIds;
  };
}

/**
 * The version folders (`libraries/@s/n/v`) and the scopes (any path under `libraries/@scope`)
 * named in `git status --porcelain=v1 -z` output, its paths under `prefix` (pure).
 */
export function parseStatus(out: string, prefix: string): { folders: Set<string>; scopes: Set<string> } {
  const folders = new Set<string>();
  const scopes = new Set<string>();
  const recs = out.split('\0');
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] ?? '';
    if (r.length < 4) continue;
    // a rename's or copy's source follows it: both paths count (the source folder changed too)
    const paths = r[0] === 'R' || r[0] === 'C' ? [r.slice(3), recs[++i] ?? ''] : [r.slice(3)];
    for (const path of paths) {
      if (!path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      const folder = versionFolderOf(rel);
      if (folder) folders.add(folder);
      const scope = scopeOf(rel);
      if (scope) scopes.add(scope);
    }
  }
  return { folders, scopes };
}

/** The tree ids of `treeIds` without the dirty folders': what may key a version folder by its commit. */
export function cleanTreeIds(treeIds: ReadonlyMap<string, string>, dirty: ReadonlySet<string>): Map<string, string> {
  const ids = new Map(treeIds);
  for (const d of dirty) ids.delete(d);
  return ids;
}

/** The commit (and its time) that first added each of the given version folders. */
export async function readAddedCommits(root: string, state: Pick<GitTrees, 'prefix'>, folders: readonly string[]): Promise<Map<string, { commit: string; time: string }>> {
  const out = new Map<string, { commit: string; time: string }>();
  if (!folders.length) return out;
  const wanted = new Set(folders);
  // pathspecs relative to root (git's working directory here); --name-only prints paths from the top
  const paths = folders.length > 200 ? ['libraries'] : [...folders];
  const log = await simpleGit(root).raw(['log', '--format=%x01%H %cI', '--name-only', '--diff-filter=A', '--no-renames', 'HEAD', '--', ...paths]);
  let current: { commit: string; time: string } | null = null;
  for (const line of log.split('\n')) {
    if (line.startsWith('\x01')) {
      const [commit, time] = line.slice(1).split(' ');
      current = { commit: detached(commit ?? ''), time: new Date(time ?? 0).toISOString() };
    } else if (line && current) {
      const f = line.startsWith(state.prefix) ? versionFolderOf(line.slice(state.prefix.length)) : null;
      if (f && wanted.has(f)) out.set(f, current); // log is newest first: the last write is the oldest commit
    }
  }
  return out;
}
