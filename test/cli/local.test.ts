import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeRegistry } from '../helpers/registry.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

describe('mdlibs init', () => {
  it.each(['docs-handbook', 'api-guide', 'prompt-pack'])('the %s template makes a library the builder accepts', async (template) => {
    const cli = cliEnv();
    const reg = tempDir();
    writeRegistry(reg, { scopes: { acme: 'public' } });
    const target = join(reg, 'libraries/@acme/team-docs/0.1.0');
    const r = await cli.run(['init', target, '--template', template, '--name', '@acme/team-docs', '--description', 'Team "docs" \\ notes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`created @acme/team-docs from the ${template} template`);
    expect(readFileSync(join(target, '.mdlibs.toml'), 'utf8')).toContain('name = "@acme/team-docs"');
    expect(readFileSync(join(target, 'README.md'), 'utf8')).toContain('# Team Docs');
    const out = join(tempDir(), 'out');
    const report = await buildRegistry({ registryDir: reg, outDir: out });
    expect(report.versions).toBe(1);
    const ix = JSON.parse(readFileSync(join(out, 'index/@acme/team-docs.json'), 'utf8'));
    expect(ix.description).toBe('Team "docs" \\ notes');
    expect(ix.versions[0].docs.length).toBeGreaterThanOrEqual(3);
  });

  it('a template name that is a property of every object (constructor, __proto__, toString) is CLI_TEMPLATE_UNKNOWN (it was an internal error, exit 70)', async () => {
    const cli = cliEnv();
    for (const t of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await cli.run(['init', 'new', '--template', t]);
      expect(r.code, t).toBe(2);
      expect(r.stderr, t).toContain(`error CLI_TEMPLATE_UNKNOWN: no template named "${t}"`);
      expect(r.stderr, t).toContain('use one of: docs-handbook, api-guide, prompt-pack');
      expect(existsSync(join(cli.cwd, 'new')), t).toBe(false);
    }
  });

  it('refuses a non-empty folder, an unknown template and a bad name', async () => {
    const cli = cliEnv();
    writeFileSync(join(cli.cwd, 'x.md'), '# x');
    expect((await cli.run(['init'])).stderr).toContain('CLI_TARGET_EXISTS');
    expect((await cli.run(['init', 'new', '--template', 'nope'])).stderr).toContain('use one of: docs-handbook, api-guide, prompt-pack');
    const bad = await cli.run(['init', 'new2', '--name', '@Acme/X']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CLI_NAME_INVALID');
    const list = await cli.run(['init', '--list', '--json']);
    expect(list.json<{ templates: { name: string }[] }>().templates.map((t) => t.name)).toEqual(['docs-handbook', 'api-guide', 'prompt-pack']);
  });
});

describe('mdlibs init on a path that is not a folder', () => {
  it('refuses a file and a symbolic link to nothing with CLI_TARGET_EXISTS (both were internal errors), writing nothing', async () => {
    const cli = cliEnv();
    writeFileSync(join(cli.cwd, 'plain'), 'x');
    symlinkSync(join(cli.cwd, 'missing'), join(cli.cwd, 'dangling'));
    for (const [path, message] of [['plain', 'exists and is not a folder'], ['dangling', 'is a symbolic link to nothing']]) {
      const r = await cli.run(['init', path as string, '--name', '@acme/team-docs']);
      expect(r.code, path).toBe(1);
      expect(r.stderr, path).toContain('CLI_TARGET_EXISTS');
      expect(r.stderr, path).toContain(message);
      expect(r.stderr, path).not.toContain('internal error');
    }
    expect(existsSync(join(cli.cwd, 'missing'))).toBe(false);
    expect(readFileSync(join(cli.cwd, 'plain'), 'utf8')).toBe('x');
    // a link to an empty folder is a folder: init fills the folder it points to
    mkdirSync(join(cli.cwd, 'real'));
    symlinkSync(join(cli.cwd, 'real'), join(cli.cwd, 'linked'));
    expect((await cli.run(['init', 'linked', '--name', '@acme/team-docs'])).code).toBe(0);
    expect(existsSync(join(cli.cwd, 'real/.mdlibs.toml'))).toBe(true);
  });
});

describe('local docs: list, search --local, update --title', () => {
  const setup = () => {
    const cli = cliEnv();
    mkdirSync(join(cli.cwd, 'docs'), { recursive: true });
    writeFileSync(join(cli.cwd, 'README.md'), '# Project readme\n\nHello.\n');
    writeFileSync(join(cli.cwd, 'docs/deploy.md'), '---\ntitle: Deploying\n---\n# Ignored heading\n\n## Rollback\n\nUse the blue-green switch.\n');
    writeFileSync(join(cli.cwd, 'docs/style.md'), '# Style guide\n\nWrite short sentences about deploys.\n');
    mkdirSync(join(cli.cwd, 'node_modules/x'), { recursive: true });
    writeFileSync(join(cli.cwd, 'node_modules/x/README.md'), '# not listed');
    return cli;
  };

  it('list shows documents with their titles, filtered', async () => {
    const cli = setup();
    const r = await cli.run(['list', '--json']);
    expect(r.json()).toEqual({ kind: 'docs', docs: [{ path: 'README.md', title: 'Project readme' }, { path: 'docs/deploy.md', title: 'Deploying' }, { path: 'docs/style.md', title: 'Style guide' }] });
    const f = await cli.run(['list', '--filter', 'DEPLOY']);
    expect(f.stdout).toContain('docs/deploy.md');
    expect(f.stdout).not.toContain('style');
  });

  it('search --local ranks matches; --title-only looks at titles only', async () => {
    const cli = setup();
    const all = await cli.run(['search', 'rollback', '--local', '--json']);
    expect(all.json<{ hits: { path: string }[] }>().hits.map((h) => h.path)).toEqual(['docs/deploy.md']);
    const deploys = await cli.run(['search', 'deploy', '--local', '--json']);
    expect(deploys.json<{ hits: { path: string }[] }>().hits.map((h) => h.path)).toEqual(['docs/deploy.md', 'docs/style.md']);
    const titles = await cli.run(['search', 'rollback', '--title-only', '--json']);
    expect(titles.json<{ hits: unknown[] }>().hits).toEqual([]);
  });

  it('update <doc> --title rewrites the frontmatter title or the first heading', async () => {
    const cli = setup();
    const a = await cli.run(['update', 'docs/deploy.md', '--title', 'Shipping']);
    expect(a.code).toBe(0);
    expect(a.stdout).toContain('docs/deploy.md: title "Deploying" → "Shipping"');
    expect(readFileSync(join(cli.cwd, 'docs/deploy.md'), 'utf8')).toMatch(/^---\ntitle: Shipping\n---/);
    await cli.run(['update', 'docs/style.md', '--title', 'Writing style']);
    expect(readFileSync(join(cli.cwd, 'docs/style.md'), 'utf8')).toBe('# Writing style\n\nWrite short sentences about deploys.\n');
    const missing = await cli.run(['update', 'docs/nope.md', '--title', 'x']);
    expect(missing.code).toBe(6);
    expect(missing.stderr).toContain('CLI_DOC_NOT_FOUND');
  });

  it('never runs ---js frontmatter (list, search --local and update ran it through gray-matter\'s eval) and ignores an alias bomb', async () => {
    const cli = setup();
    const marker = join(cli.cwd, 'ran.txt');
    const js = `---js\n{ title: (function () { require('fs').writeFileSync(${JSON.stringify(marker)}, 'ran'); return 'Owned'; })() }\n---\n# Plain heading\n`;
    writeFileSync(join(cli.cwd, 'docs/evil.md'), js);
    let bomb = '---\na0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]\n`;
    writeFileSync(join(cli.cwd, 'docs/bomb.md'), `${bomb}title: Bomb title\n---\n# Bomb heading\n`);
    const list = await cli.run(['list', '--json']);
    expect(list.code).toBe(0);
    const docs = list.json<{ docs: { path: string; title: string }[] }>().docs;
    expect(docs.find((d) => d.path === 'docs/evil.md')?.title).toBe('Plain heading');
    expect(docs.find((d) => d.path === 'docs/bomb.md')?.title).toBe('Bomb heading'); // its frontmatter is refused whole
    expect((await cli.run(['search', 'owned', '--local', '--json'])).code).toBe(0);
    const upd = await cli.run(['update', 'docs/evil.md', '--title', 'x']);
    expect(upd.code).toBe(1);
    expect(upd.stderr).toContain('CLI_DOC_INVALID');
    expect(upd.stderr).toContain('frontmatter language "js" is not allowed');
    expect(readFileSync(join(cli.cwd, 'docs/evil.md'), 'utf8')).toBe(js);
    expect(existsSync(marker)).toBe(false);
  });
});

describe('registry search over the static index', () => {
  let host: StaticHost;
  beforeAll(async () => {
    host = await startStaticHost((await buildFixture([
      { scope: 'acme', name: 'guide', version: '1.0.0', description: 'Style guide for writers' },
      { scope: 'acme', name: 'handbook', version: '1.0.0', description: 'Company handbook' },
    ])).out);
  });
  afterAll(async () => {
    await host?.close();
  });

  it('finds libraries by description and caches the index with its ETag', async () => {
    const cli = cliEnv({ MDLIBS_REGISTRY_URL: '' });
    host.log.length = 0;
    const r = await cli.run(['search', 'writers', '--registry', host.url, '--json']);
    expect(r.code).toBe(0);
    expect(r.json()).toMatchObject({ kind: 'registry', via: 'static-index', hits: [{ name: '@acme/guide', latest: '1.0.0', description: 'Style guide for writers' }] });
    const again = await cli.run(['search', 'handbook', '--registry', host.url]);
    expect(again.stdout).toContain('@acme/handbook');
    const idx = host.log.filter((l) => l.path === '/search/index.json');
    expect(idx.map((l) => l.ifNoneMatch === undefined)).toEqual([true, false]);
    const off = await cli.run(['search', 'handbook', '--registry', host.url, '--sort', 'downloads']);
    expect(off.stderr).toContain('CLI_NO_SERVER');
  });
});
