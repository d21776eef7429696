/** Git reads for check mode: revisions, changed paths, commits of a range, trees, exports. */
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import * as tar from 'tar';
import { MdlibsError } from '../errors.js';
import type { PathChange } from './classify.js';
import type { CheckCode } from './codes.js';

const run = promisify(execFile);
export const EMPTY_TREE = '4b825dc642cb6eb9a060e54bf8d69288fbee4904';
const ZERO = /^0{40}$/;

export interface RangeCommit {
  sha: string;
  parent: string | null;
  subject: string;
  paths: PathChange[];
}

export class GitRepo {
  private constructor(readonly toplevel: string, readonly prefix: string) {}

  static async open(registryDir: string): Promise<GitRepo> {
    const dir = resolve(registryDir);
    let top: string;
    try {
      top = (await run('git', ['rev-parse', '--show-toplevel'], { cwd: dir })).stdout.trim();
    } catch (e) {
      throw new MdlibsError<CheckCode>('MDL_CHECK_USAGE', `${dir} is not inside a Git repository`, { hint: 'run check mode in a clone of the registry repo (CI: actions/checkout with fetch-depth: 0)', cause: e });
    }
    const rel = relative(top, dir).split('\\').join('/');
    return new GitRepo(top, rel ? `${rel}/` : '');
  }

  async git(args: readonly string[], env?: Record<string, string>): Promise<string> {
    const { stdout } = await run('git', [...args], { cwd: this.toplevel, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } });
    return stdout;
  }

  /** Full commit id of a revision; the all-zero id (a new branch) means "before the first commit". */
  async resolve(rev: string, what: string): Promise<string | null> {
    if (ZERO.test(rev)) return null;
    try {
      return (await this.git(['rev-parse', '--verify', '-q', `${rev}^{commit}`])).trim();
    } catch (e) {
      throw new MdlibsError<CheckCode>('MDL_CHECK_USAGE', `${what} revision "${rev}" is not a commit in this repository`, { hint: 'fetch the full history (git fetch --unshallow, or actions/checkout with fetch-depth: 0) and pass commit ids or branch names', cause: e });
    }
  }

  async isAncestor(a: string, b: string): Promise<boolean> {
    try {
      await this.git(['merge-base', '--is-ancestor', a, b]);
      return true;
    } catch {
      return false;
    }
  }

  async mergeBase(a: string, b: string): Promise<string | null> {
    try {
      return (await this.git(['merge-base', a, b])).trim() || null;
    } catch {
      return null;
    }
  }

  /** Registry-relative path, or null when outside the registry folder. */
  private rel(repoPath: string): string | null {
    return repoPath.startsWith(this.prefix) ? repoPath.slice(this.prefix.length) : null;
  }

  private parseNameStatus(out: string): PathChange[] {
    const recs = out.split('\0');
    const paths: PathChange[] = [];
    for (let i = 0; i + 1 < recs.length; i += 2) {
      const status = (recs[i] ?? '').trim().charAt(0) as PathChange['status'];
      const repoPath = recs[i + 1] ?? '';
      if (!repoPath) continue;
      const rel = this.rel(repoPath);
      paths.push(rel === null ? { status, path: repoPath, outside: true } : { status, path: rel });
    }
    return paths;
  }

  async diff(base: string | null, head: string): Promise<PathChange[]> {
    return this.parseNameStatus(await this.git(['diff', '--no-renames', '--no-ext-diff', '--name-status', '-z', base ?? EMPTY_TREE, head]));
  }

  /** Commits in base..head, oldest first, each with its first parent and the paths it changes (merges: against the first parent). */
  async commits(base: string | null, head: string): Promise<RangeCommit[]> {
    const log = await this.git(['log', '--reverse', '--format=%H%x1f%P%x1f%s%x1e', base ? `${base}..${head}` : head]);
    const out: RangeCommit[] = [];
    for (const rec of log.split('\x1e')) {
      const [sha, parents, subject] = rec.trim().split('\x1f');
      if (!sha) continue;
      const paths = this.parseNameStatus(await this.git(['diff-tree', '-r', '--no-renames', '--root', '--no-commit-id', '--name-status', '-z', '-m', '--first-parent', sha]));
      out.push({ sha, parent: parents?.split(' ')[0] || null, subject: subject ?? '', paths });
    }
    return out;
  }

  /** Version folders (`libraries/@s/n/v`) and scope files (`scopes/x.toml`) that exist at `rev`. */
  async units(rev: string | null): Promise<{ versionFolders: Set<string>; scopeFiles: Set<string> }> {
    const versionFolders = new Set<string>();
    const scopeFiles = new Set<string>();
    if (!rev) return { versionFolders, scopeFiles };
    const dirs = await this.git(['ls-tree', '-r', '-d', '--name-only', '-z', rev, '--', `${this.prefix}libraries`]);
    for (const p of dirs.split('\0')) {
      const rel = this.rel(p);
      if (rel && rel.split('/').length === 4) versionFolders.add(rel);
    }
    const files = await this.git(['ls-tree', '--name-only', '-z', rev, '--', `${this.prefix}scopes/`]);
    for (const p of files.split('\0')) {
      const rel = this.rel(p);
      if (rel && /^scopes\/[^/]+\.toml$/.test(rel)) scopeFiles.add(rel);
    }
    return { versionFolders, scopeFiles };
  }

  /** Which of the registry-relative paths exist at `rev`. */
  async existing(rev: string | null, paths: readonly string[]): Promise<Set<string>> {
    const found = new Set<string>();
    if (!rev || !paths.length) return found;
    const out = await this.git(['ls-tree', '--name-only', '-z', rev, '--', ...paths.map((p) => this.prefix + p)]);
    for (const p of out.split('\0')) {
      const rel = this.rel(p);
      if (rel) found.add(rel);
    }
    return found;
  }

  /** Tree or blob id of a registry-relative path at `rev`, or null. */
  async objectId(rev: string, path: string): Promise<string | null> {
    try {
      return (await this.git(['rev-parse', '--verify', '-q', `${rev}:${this.prefix}${path}`])).trim() || null;
    } catch {
      return null;
    }
  }

  /** The newest commit reachable from `rev` that deleted `path`, if any. */
  async lastDeletion(rev: string, path: string): Promise<string | null> {
    const out = (await this.git(['log', '-1', '--format=%H', '--diff-filter=D', '--no-renames', rev, '--', this.prefix + path])).trim();
    return out || null;
  }

  /** Writes the registry-relative `paths` as they are at `rev` into `dest` (registry layout, no prefix). */
  async exportPaths(rev: string, paths: readonly string[], dest: string): Promise<void> {
    mkdirSync(dest, { recursive: true });
    if (!paths.length) return;
    const strip = this.prefix ? this.prefix.split('/').filter(Boolean).length : 0;
    const child = spawn('git', ['archive', '--format=tar', rev, '--', ...paths.map((p) => this.prefix + p)], { cwd: this.toplevel, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number>((res, rej) => {
      child.on('error', rej);
      child.on('close', (code) => res(code ?? 1));
    });
    const extract = tar.x({ cwd: dest, strip });
    const done = new Promise<void>((res, rej) => {
      extract.on('finish', () => res());
      extract.on('error', rej);
    });
    child.stdout.pipe(extract);
    const [code] = await Promise.all([exited, done]);
    if (code !== 0) throw new Error(`git archive failed: ${stderr.trim()}`);
  }
}
