/** Builders of small real registry repos (files and git) for tests. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface LibSpec {
  scope: string;
  name: string;
  version: string;
  description?: string;
  files?: Record<string, string | Buffer>;
  dependencies?: Record<string, string>;
  extraManifest?: string;
}

export function writeFiles(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
}

export function manifestText(l: LibSpec): string {
  const deps = Object.entries(l.dependencies ?? {}).map(([k, v]) => `"${k}" = "${v}"`).join('\n');
  return `[library]\nname = "@${l.scope}/${l.name}"\nversion = "${l.version}"\ndescription = "${l.description ?? `The ${l.name} library`}"\nlicense = "MIT"\ntags = ["docs"]\n${l.extraManifest ?? ''}\n${deps ? `[dependencies]\n${deps}\n` : ''}`;
}

export function writeLibrary(root: string, l: LibSpec): string {
  const rel = `libraries/@${l.scope}/${l.name}/${l.version}`;
  writeFiles(join(root, rel), {
    '.mdlibs.toml': manifestText(l),
    'README.md': `# ${l.name}\n\nVersion ${l.version}. See [the guide](docs/guide.md).\n`,
    'docs/guide.md': `---\ntitle: ${l.name} guide\n---\n# Guide\n\n## Getting started\n\nBack to [readme](../README.md).\n`,
    ...(l.files ?? {}),
  });
  return rel;
}

export function writeRegistry(root: string, opts: { scopes?: Record<string, 'public' | 'private'>; limits?: string } = {}): void {
  const scopes = opts.scopes ?? { acme: 'public', secret: 'private' };
  writeFiles(root, {
    'registry.toml': `[registry]\nname = "Test Registry"\nurl = "http://localhost/"\nadmins = ["root-admin"]\n${opts.limits ? `\n[limits]\n${opts.limits}\n` : ''}`,
    ...Object.fromEntries(Object.entries(scopes).map(([s, vis]) => [`scopes/${s}.toml`, `[scope]\nname = "${s}"\ndisplay_name = "${s} team"\nvisibility = "${vis}"\n\n[[members]]\nuser = "alice"\nrole = "admin"\n`])),
  });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 'Test', GIT_AUTHOR_EMAIL: 't@example.com', GIT_COMMITTER_NAME: 'Test', GIT_COMMITTER_EMAIL: 't@example.com', GIT_AUTHOR_DATE: '2026-01-02T03:04:05Z', GIT_COMMITTER_DATE: '2026-01-02T03:04:05Z' } });
}

export function gitInit(root: string): void {
  git(root, 'init', '-q', '-b', 'main');
  git(root, 'config', 'commit.gpgsign', 'false');
}

export function commitAll(root: string, message: string): string {
  git(root, 'add', '-A');
  git(root, 'commit', '-q', '-m', message);
  return git(root, 'rev-parse', 'HEAD').trim();
}

/** A git registry in `root` with one public library (@acme/guide) and one private (@secret/plans), committed. */
export function publicAndPrivateRepo(root: string): string {
  writeRegistry(root, { scopes: { acme: 'public', secret: 'private' } });
  gitInit(root);
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
  writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.0.0' });
  commitAll(root, 'initial');
  return root;
}
