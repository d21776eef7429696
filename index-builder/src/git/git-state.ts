/** What Git knows about the registry: tree id of each version folder, dirty folders, and when each version was added (BUILD-3). */
import { relative, resolve } from 'node:path';
import { simpleGit } from 'simple-git';

export interface GitState {
  head: string;
  /** `libraries/@s/n/v` -> tree id, for folders clean in the working tree. */
  treeIds: Map<string, string>;
  /** Version folders with uncommitted or untracked changes (keyed by content instead). */
  dirty: Set<string>;
  /** Folder of the registry inside the Git work tree ('' or 'sub/dir/'). */
  prefix: string;
  toplevel: string;
}

const versionFolderOf = (path: string): string | null => {
  const parts = path.split('/');
  return parts.length >= 4 && parts[0] === 'libraries' ? parts.slice(0, 4).join('/') : null;
};

/** Returns null when the folder is not in a Git work tree or the repo has no commit yet. */
export async function readGitState(root: string): Promise<GitState | null> {
  const git = simpleGit(root);
  let toplevel: string;
  let head: string;
  try {
    toplevel = (await git.raw(['rev-parse', '--show-toplevel'])).trim();
    head = (await git.raw(['rev-parse', '--verify', '-q', 'HEAD'])).trim();
  } catch {
    return null;
  }
  if (!head) return null;
  const rel = relative(toplevel, resolve(root)).split('\\').join('/');
  const prefix = rel ? `${rel}/` : '';
  const treeIds = new Map<string, string>();
  const ls = await git.raw(['ls-tree', '-r', '-d', '-z', 'HEAD', '--', `${prefix}libraries`]);
  for (const rec of ls.split('\0')) {
    const tab = rec.indexOf('\t');
    if (tab < 0) continue;
    const path = rec.slice(tab + 1).slice(prefix.length);
    if (path.split('/').length === 4) treeIds.set(path, rec.slice(0, tab).split(' ')[2] ?? '');
  }
  const dirty = new Set<string>();
  const st = await git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--ignored=matching', '--', `${prefix}libraries`]);
  const recs = st.split('\0');
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i] ?? '';
    if (r.length < 4) continue;
    const folder = versionFolderOf(r.slice(3).slice(prefix.length));
    if (folder) dirty.add(folder);
    if (r[0] === 'R' || r[0] === 'C') i++; // rename source follows
  }
  for (const d of dirty) treeIds.delete(d);
  return { head, treeIds, dirty, prefix, toplevel };
}

/** The commit (and its time) that first added each of the given version folders. */
export async function readAddedCommits(root: string, state: GitState, folders: readonly string[]): Promise<Map<string, { commit: string; time: string }>> {
  const out = new Map<string, { commit: string; time: string }>();
  if (!folders.length) return out;
  const wanted = new Set(folders);
  const paths = folders.length > 200 ? [`${state.prefix}libraries`] : folders.map((f) => state.prefix + f);
  const log = await simpleGit(root).raw(['log', '--format=%x01%H %cI', '--name-only', '--diff-filter=A', '--no-renames', 'HEAD', '--', ...paths]);
  let current: { commit: string; time: string } | null = null;
  for (const line of log.split('\n')) {
    if (line.startsWith('\x01')) {
      const [commit, time] = line.slice(1).split(' ');
      current = { commit: commit ?? '', time: new Date(time ?? 0).toISOString() };
    } else if (line && current) {
      const f = versionFolderOf(line.slice(state.prefix.length));
      if (f && wanted.has(f)) out.set(f, current); // log is newest first: the last write is the oldest commit
    }
  }
  return out;
}
