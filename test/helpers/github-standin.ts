/**
 * A local stand-in for the few GitHub REST endpoints `mdlibs publish --via pr` uses, on
 * 127.0.0.1:0: repository, contents, commits (history of a path), Git refs/commits/blobs/trees,
 * forks, merge-upstream and pull requests. Records every request; can fail chosen requests.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { listenLoopback } from './loopback.js';

export interface RecordedRequest {
  method: string;
  /** Decoded path without the query. */
  path: string;
  query: Record<string, string>;
  body: unknown;
  authorization: string | undefined;
}

export interface StandinRepo {
  owner: string;
  name: string;
  defaultBranch: string;
  /** Whether the token's user may push (else publish must fork). */
  push: boolean;
  /** path -> content at the head of the default branch. */
  files: Map<string, Buffer>;
  /** Paths that have history (existed once). */
  history: Set<string>;
  refs: Map<string, string>;
}

export interface Failure {
  method?: string;
  /** Matches when the request path contains this. */
  path?: string;
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** How many matching requests fail (default 1). */
  times?: number;
}

export interface GitHubStandin {
  url: string;
  requests: RecordedRequest[];
  repos: Map<string, StandinRepo>;
  blobs: Map<string, Buffer>;
  trees: Map<string, { base_tree?: string; tree: { path: string; mode: string; type: string; sha: string | null }[] }>;
  commits: Map<string, { message: string; tree: string; parents: string[] }>;
  pulls: { owner: string; repo: string; number: number; title: string; head: string; base: string; body: string; html_url: string }[];
  addRepo: (r: Partial<StandinRepo> & { owner: string; name: string; files?: Map<string, Buffer> }) => StandinRepo;
  fail: (f: Failure) => void;
  /** Requests other than GETs, as `METHOD path`. */
  writes: () => string[];
  close: () => Promise<void>;
}

const sha1 = (s: string | Buffer) => createHash('sha1').update(s).digest('hex');

export async function startGitHubStandin(opts: { token: string; user: string }): Promise<GitHubStandin> {
  const requests: RecordedRequest[] = [];
  const repos = new Map<string, StandinRepo>();
  const blobs = new Map<string, Buffer>();
  const trees: GitHubStandin['trees'] = new Map();
  const commits: GitHubStandin['commits'] = new Map();
  const pulls: GitHubStandin['pulls'] = [];
  const failures: Failure[] = [];

  const addRepo: GitHubStandin['addRepo'] = (r) => {
    const files = r.files ?? new Map<string, Buffer>();
    const head = sha1(`${r.owner}/${r.name}:${[...files.keys()].join(',')}`);
    commits.set(head, { message: 'initial', tree: sha1(`tree:${head}`), parents: [] });
    const repo: StandinRepo = { defaultBranch: 'main', push: true, history: new Set(), refs: new Map([[r.defaultBranch ?? 'main', head]]), ...r, files };
    repos.set(`${r.owner}/${r.name}`, repo);
    return repo;
  };

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-ratelimit-remaining': '4999', ...headers });
    res.end(JSON.stringify(body));
  };
  const notFound = (res: ServerResponse) => send(res, 404, { message: 'Not Found', documentation_url: 'https://docs.github.com/rest' });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', 'http://standin');
    const path = decodeURIComponent(u.pathname);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text ? JSON.parse(text) : null;
    const method = req.method ?? 'GET';
    requests.push({ method, path, query: Object.fromEntries(u.searchParams), body, authorization: req.headers.authorization });

    const f = failures.find((x) => (!x.method || x.method === method) && (!x.path || path.includes(x.path)));
    if (f) {
      f.times = (f.times ?? 1) - 1;
      if (f.times <= 0) failures.splice(failures.indexOf(f), 1);
      return send(res, f.status, f.body ?? { message: `failure ${f.status}` }, f.headers);
    }
    const auth = req.headers.authorization ?? '';
    if (auth !== `token ${opts.token}` && auth !== `Bearer ${opts.token}`) return send(res, 401, { message: 'Bad credentials' });

    const m = /^\/repos\/([^/]+)\/([^/]+)(?:\/(.*))?$/.exec(path);
    if (!m) return notFound(res);
    const repo = repos.get(`${m[1]}/${m[2]}`);
    const rest = m[3] ?? '';
    if (!repo) return notFound(res);
    const b = (body ?? {}) as Record<string, unknown>;

    if (method === 'GET' && rest === '') {
      return send(res, 200, { name: repo.name, full_name: `${repo.owner}/${repo.name}`, owner: { login: repo.owner }, default_branch: repo.defaultBranch, permissions: { admin: false, push: repo.push, pull: true } });
    }
    if (method === 'GET' && rest.startsWith('contents/')) {
      const p = rest.slice('contents/'.length);
      const file = repo.files.get(p);
      if (file) return send(res, 200, { type: 'file', path: p, encoding: 'base64', content: file.toString('base64').replace(/(.{60})/g, '$1\n'), sha: sha1(file) });
      const children = [...repo.files.keys()].filter((k) => k.startsWith(`${p}/`));
      if (children.length) return send(res, 200, children.map((c) => ({ type: 'file', path: c, name: c.split('/').pop() })));
      return notFound(res);
    }
    if (method === 'GET' && rest === 'commits') {
      const p = u.searchParams.get('path') ?? '';
      const touched = repo.history.has(p) || [...repo.files.keys()].some((k) => k === p || k.startsWith(`${p}/`));
      return send(res, 200, touched ? [{ sha: sha1(`history:${p}`) }] : []);
    }
    if (method === 'GET' && rest.startsWith('git/ref/')) {
      const sha = repo.refs.get(rest.slice('git/ref/heads/'.length));
      return sha ? send(res, 200, { ref: `refs/${rest.slice('git/ref/'.length)}`, object: { sha, type: 'commit' } }) : notFound(res);
    }
    if (method === 'GET' && rest.startsWith('git/commits/')) {
      const c = commits.get(rest.slice('git/commits/'.length));
      return c ? send(res, 200, { sha: rest.slice('git/commits/'.length), tree: { sha: c.tree }, message: c.message, parents: c.parents.map((sha) => ({ sha })) }) : notFound(res);
    }
    if (method === 'POST' && rest === 'git/blobs') {
      if (b.encoding !== 'base64' || typeof b.content !== 'string') return send(res, 422, { message: 'Invalid request', errors: ['content and encoding are required'] });
      const bytes = Buffer.from(b.content, 'base64');
      const sha = sha1(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]));
      blobs.set(sha, bytes);
      return send(res, 201, { sha, url: `${u.origin}/repos/${repo.owner}/${repo.name}/git/blobs/${sha}` });
    }
    if (method === 'POST' && rest === 'git/trees') {
      const sha = sha1(JSON.stringify(b));
      trees.set(sha, b as never);
      return send(res, 201, { sha, tree: b.tree });
    }
    if (method === 'POST' && rest === 'git/commits') {
      const sha = sha1(JSON.stringify(b));
      commits.set(sha, { message: String(b.message), tree: String(b.tree), parents: (b.parents as string[]) ?? [] });
      return send(res, 201, { sha, tree: { sha: b.tree }, message: b.message });
    }
    if (method === 'POST' && rest === 'git/refs') {
      const ref = String(b.ref ?? '');
      const name = ref.replace(/^refs\/heads\//, '');
      if (repo.refs.has(name)) return send(res, 422, { message: 'Reference already exists' });
      if (!commits.has(String(b.sha))) return send(res, 422, { message: 'Object does not exist' });
      repo.refs.set(name, String(b.sha));
      return send(res, 201, { ref, object: { sha: b.sha, type: 'commit' } });
    }
    if (method === 'POST' && rest === 'forks') {
      const fork = repos.get(`${opts.user}/${repo.name}`) ?? addRepo({ owner: opts.user, name: repo.name, push: true, files: new Map(repo.files) });
      fork.refs = new Map(repo.refs);
      return send(res, 202, { name: fork.name, full_name: `${fork.owner}/${fork.name}`, owner: { login: fork.owner } });
    }
    if (method === 'POST' && rest === 'merge-upstream') return send(res, 200, { message: 'up to date', merge_type: 'none' });
    if (method === 'POST' && rest === 'pulls') {
      const number = pulls.length + 1;
      const html_url = `https://github.com/${repo.owner}/${repo.name}/pull/${number}`;
      pulls.push({ owner: repo.owner, repo: repo.name, number, title: String(b.title), head: String(b.head), base: String(b.base), body: String(b.body), html_url });
      return send(res, 201, { number, html_url, state: 'open' });
    }
    return notFound(res);
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => send(res, 500, { message: String(e) }));
  });
  const { port, close } = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`, requests, repos, blobs, trees, commits, pulls, addRepo,
    fail: (f) => failures.push({ ...f }),
    writes: () => requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`),
    close,
  };
}
