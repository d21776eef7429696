/** `install`, `update` and `uninstall` refuse to discard files edited in an installed library (CLI_LOCAL_CHANGES, exit 9) unless --force. */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'guide', version: '1.0.0' },
    { scope: 'acme', name: 'guide', version: '1.1.0' },
    { scope: 'acme', name: 'base', version: '1.0.0' },
    { scope: 'acme', name: 'portal', version: '1.0.0', dependencies: { '@acme/base': '^1.0.0' } },
    { scope: 'acme', name: 'other', version: '1.0.0' },
  ]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

/** Every file under the project (relative path → bytes), to show a refused command changed nothing. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) walk(r);
      else out[r] = readFileSync(join(dir, r), 'latin1');
    }
  };
  walk('');
  return out;
}

/** guide pinned to 1.0.0 in the lock (range ^1), so that `update` moves it to 1.1.0. */
async function projectWithOldGuide(): Promise<CliEnv> {
  const cli = cliEnv();
  expect((await cli.run(['install', '@acme/guide@1.0.0', '@acme/other', '--registry', host.url])).code).toBe(0);
  const toml = join(cli.cwd, '.mdlibs.toml');
  writeFileSync(toml, readFileSync(toml, 'utf8').replace('"@acme/guide" = "1.0.0"', '"@acme/guide" = "^1"'));
  const lock = join(cli.cwd, 'mdlibs.lock');
  writeFileSync(lock, readFileSync(lock, 'utf8').replace('"@acme/guide": "1.0.0"', '"@acme/guide": "^1"'));
  expect((await cli.run(['install'])).code).toBe(0);
  return cli;
}

describe('local edits to installed libraries', () => {
  it('uninstall refuses to delete a library with a changed, an added or a removed file, changing nothing; --force deletes it', async () => {
    const edits: [string, (lib: string) => void, string][] = [
      ['changed', (lib) => writeFileSync(join(lib, 'README.md'), 'my notes'), 'README.md (changed)'],
      ['added', (lib) => { mkdirSync(join(lib, 'notes')); writeFileSync(join(lib, 'notes/mine.md'), 'mine'); }, 'notes/mine.md (added)'],
      ['removed', (lib) => rmSync(join(lib, 'docs/guide.md')), 'docs/guide.md (removed)'],
    ];
    for (const [kind, edit, listed] of edits) {
      const cli = cliEnv();
      expect((await cli.run(['install', '@acme/guide', '@acme/other', '--registry', host.url])).code).toBe(0);
      const lib = join(cli.cwd, 'libraries/@acme/guide');
      edit(lib);
      const before = snapshot(cli.cwd);
      const r = await cli.run(['uninstall', '@acme/guide']);
      expect(r.code, kind).toBe(9);
      expect(r.stderr, kind).toContain('error CLI_LOCAL_CHANGES: `mdlibs uninstall` would delete files that were edited after they were installed: libraries/@acme/guide: ');
      expect(r.stderr, kind).toContain(listed);
      expect(r.stderr, kind).toContain('--force');
      expect(snapshot(cli.cwd), kind).toEqual(before);
      const f = await cli.run(['uninstall', '@acme/guide', '--force']);
      expect(f.code, `${kind} --force: ${f.stderr}`).toBe(0);
      expect(existsSync(lib), kind).toBe(false);
      expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8'), kind).not.toContain('@acme/guide');
    }
  });

  it('uninstall checks the dependencies it deletes too, and lists several paths with a count of the rest', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/portal', '--registry', host.url])).code).toBe(0);
    const base = join(cli.cwd, 'libraries/@acme/base');
    for (const n of ['a', 'b', 'c', 'd', 'e']) writeFileSync(join(base, `${n}.md`), n);
    const r = await cli.run(['uninstall', '@acme/portal']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('libraries/@acme/base: a.md (added), b.md (added), c.md (added) and 2 more');
    expect(r.stderr).not.toContain('libraries/@acme/portal');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/portal/README.md'))).toBe(true);
    const j = await cli.run(['uninstall', '@acme/portal', '--json']);
    expect(j.code).toBe(9);
    expect(j.json<{ error: { code: string; message: string } }>().error).toMatchObject({ code: 'CLI_LOCAL_CHANGES', message: expect.stringContaining('libraries/@acme/base: a.md (added)') });
  });

  it('uninstall of an unedited library still works, and edits in libraries it keeps are kept', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '@acme/other', '--registry', host.url])).code).toBe(0);
    writeFileSync(join(cli.cwd, 'libraries/@acme/other/README.md'), 'my notes');
    const r = await cli.run(['uninstall', '@acme/guide']);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(cli.cwd, 'libraries/@acme/guide'))).toBe(false);
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/other/README.md'), 'utf8')).toBe('my notes');
  });

  it('update refuses to replace an edited library before anything changes; an edited library it leaves alone is no obstacle; --force replaces', async () => {
    const cli = await projectWithOldGuide();
    const guide = join(cli.cwd, 'libraries/@acme/guide');
    writeFileSync(join(guide, 'docs/guide.md'), 'rewritten');
    writeFileSync(join(cli.cwd, 'libraries/@acme/other/README.md'), 'my notes');
    const before = snapshot(cli.cwd);
    const r = await cli.run(['update', '--registry', host.url]);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('error CLI_LOCAL_CHANGES: `mdlibs update` would replace files that were edited after they were installed: libraries/@acme/guide: docs/guide.md (changed)');
    expect(r.stderr).not.toContain('@acme/other');
    expect(r.stderr).toMatch(/fix: nothing was changed; .*--force/);
    expect(snapshot(cli.cwd)).toEqual(before);
    // --json: the error's details list each edited folder and its changed paths
    const j = await cli.run(['update', '--registry', host.url, '--json']);
    expect(j.code).toBe(9);
    expect(j.stderr).toBe('');
    expect(j.json<{ error: unknown }>().error).toEqual({
      code: 'CLI_LOCAL_CHANGES',
      message: expect.stringContaining('libraries/@acme/guide: docs/guide.md (changed)'),
      hint: expect.stringContaining('--force'),
      details: { libraries: [{ name: '@acme/guide', path: 'libraries/@acme/guide', changes: [{ path: 'docs/guide.md', change: 'changed' }] }] },
    });
    expect(snapshot(cli.cwd)).toEqual(before);
    // only the edited library left out of the update: it goes ahead
    const o = await cli.run(['update', '@acme/other', '--registry', host.url]);
    expect(o.code, o.stderr).toBe(0);
    const f = await cli.run(['update', '--force', '--registry', host.url]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('+ @acme/guide@1.1.0');
    expect(readFileSync(join(guide, 'README.md'), 'utf8')).toContain('Version 1.1.0');
    expect(readFileSync(join(guide, 'docs/guide.md'), 'utf8')).not.toBe('rewritten');
    expect(readFileSync(join(cli.cwd, 'libraries/@acme/other/README.md'), 'utf8')).toBe('my notes');
    // what --force installed is the new baseline: an untouched library updates without it
    expect((await cli.run(['uninstall', '@acme/guide'])).code).toBe(0);
  });

  it('install of another version refuses to replace an edited library before anything changes; an install that does not touch it goes ahead; --force replaces', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide@1.0.0', '@acme/other', '--registry', host.url])).code).toBe(0);
    const guide = join(cli.cwd, 'libraries/@acme/guide');
    writeFileSync(join(guide, 'docs/guide.md'), 'rewritten');
    const before = snapshot(cli.cwd);
    const r = await cli.run(['install', '@acme/guide@1.1.0', '--registry', host.url]);
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toContain('error CLI_LOCAL_CHANGES: `mdlibs install` would replace files that were edited after they were installed: libraries/@acme/guide: docs/guide.md (changed)');
    expect(r.stderr).toMatch(/fix: nothing was changed; .*--force/);
    expect(snapshot(cli.cwd)).toEqual(before);
    // an install that adds libraries beside it leaves the edited folder alone, and goes ahead
    const other = await cli.run(['install', '@acme/portal', '--registry', host.url]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stdout).toContain('+ @acme/portal@1.0.0');
    expect(readFileSync(join(guide, 'docs/guide.md'), 'utf8')).toBe('rewritten');
    const f = await cli.run(['install', '@acme/guide@1.1.0', '--force', '--registry', host.url]);
    expect(f.code, f.stderr).toBe(0);
    expect(f.stdout).toContain('+ @acme/guide@1.1.0');
    expect(readFileSync(join(guide, 'README.md'), 'utf8')).toContain('Version 1.1.0');
    expect(readFileSync(join(guide, 'docs/guide.md'), 'utf8')).not.toBe('rewritten');
  });

  it('install from an mdlibs.lock that moved a library to another version refuses to replace its edited folder; --force replaces', async () => {
    const newer = cliEnv();
    expect((await newer.run(['install', '@acme/guide@^1', '@acme/other', '--registry', host.url])).code).toBe(0);
    const cli = await projectWithOldGuide();
    const guide = join(cli.cwd, 'libraries/@acme/guide');
    writeFileSync(join(guide, 'README.md'), 'my notes');
    // the lockfile changed under the project (a git pull): guide 1.0.0 → 1.1.0
    writeFileSync(join(cli.cwd, 'mdlibs.lock'), readFileSync(join(newer.cwd, 'mdlibs.lock')));
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toBe(readFileSync(join(newer.cwd, '.mdlibs.toml'), 'utf8'));
    const before = snapshot(cli.cwd);
    const r = await cli.run(['install']);
    expect(r.code, r.stderr).toBe(9);
    expect(r.stderr).toContain('error CLI_LOCAL_CHANGES: `mdlibs install` would replace files that were edited after they were installed: libraries/@acme/guide: README.md (changed)');
    expect(snapshot(cli.cwd)).toEqual(before);
    const f = await cli.run(['install', '--force']);
    expect(f.code, f.stderr).toBe(0);
    expect(readFileSync(join(guide, 'README.md'), 'utf8')).toContain('Version 1.1.0');
  });

  it('a state file without digests (an older mdlibs) is checked against the cached tarball; with no tarball cached, mdlibs cannot tell and refuses', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const stateFile = join(cli.cwd, 'libraries/.mdlibs-state.json');
    const state = JSON.parse(readFileSync(stateFile, 'utf8')) as { libraries: Record<string, string>; files?: unknown };
    expect(Object.keys(state.files as object)).toEqual(['@acme/guide']);
    writeFileSync(stateFile, JSON.stringify({ libraries: state.libraries }));
    writeFileSync(join(cli.cwd, 'libraries/@acme/guide/README.md'), 'my notes');
    const r = await cli.run(['uninstall', '@acme/guide']);
    expect(r.code).toBe(9);
    expect(r.stderr).toContain('libraries/@acme/guide: README.md (changed)');
    const empty = { XDG_CACHE_HOME: join(cli.home, 'empty-cache') };
    const u = await cli.run(['uninstall', '@acme/guide'], { env: empty });
    expect(u.code).toBe(9);
    expect(u.stderr).toContain('libraries/@acme/guide: mdlibs cannot tell whether it was edited');
    expect(existsSync(join(cli.cwd, 'libraries/@acme/guide/README.md'))).toBe(true);
    expect((await cli.run(['uninstall', '@acme/guide', '--force'], { env: empty })).code).toBe(0);
    expect(existsSync(join(cli.cwd, 'libraries/@acme/guide'))).toBe(false);
  });
});
