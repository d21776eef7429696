/** Pure: what a registry repository URL points at (GitHub owner/repo, GitLab, any Git host). */

export interface RepoRef {
  url: string;
  host: 'github' | 'gitlab' | 'other';
  /** GitHub (and GitLab) owner/name, when the URL has that shape. */
  owner: string | null;
  name: string | null;
}

const SHAPES = [
  /^https?:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/,
  /^ssh:\/\/(?:[^@/]+@)?([^/:]+)(?::\d+)?\/([^/]+)\/([^/]+?)(?:\.git)?\/?$/,
  /^(?:[^@/]+@)?([^/:]+):([^/]+)\/([^/]+?)(?:\.git)?$/,
];

export function parseRepoUrl(url: string, opts: { githubHosts?: readonly string[]; gitlab?: boolean } = {}): RepoRef {
  for (const re of SHAPES) {
    const m = re.exec(url.trim());
    if (!m) continue;
    const host = (m[1] ?? '').toLowerCase();
    const kind = opts.gitlab || host.includes('gitlab') ? 'gitlab' : host === 'github.com' || (opts.githubHosts ?? []).includes(host) ? 'github' : 'other';
    return { url, host: kind, owner: m[2] ?? null, name: m[3] ?? null };
  }
  return { url, host: opts.gitlab ? 'gitlab' : 'other', owner: null, name: null };
}

/** The URL with any user:password@ removed, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/^(\w+:\/\/)[^@/]+@/, '$1***@');
}
