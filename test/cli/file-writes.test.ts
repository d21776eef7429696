/**
 * mdlibs.lock, .mdlibs.toml, config.toml and credentials.toml are written to a temporary file
 * with an unguessable name, created new ('wx'), then renamed: a link laid at the old
 * predictable names (`<file>.<pid>.tmp`, `<file>.<pid>.<Date.now()>.tmp`) is never written
 * through, and a failed write leaves no temporary file behind.
 */
import type * as Crypto from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { configFile, credentialsFile } from '../../tools/cli/config/paths.js';
import { saveToken } from '../../tools/cli/config/credentials.js';
import { writeToml } from '../../tools/cli/config/toml-io.js';
import { tempNameFor, writeFileAtomic, writeFileAtomicSync } from '../../tools/cli/file-writes.js';
import { LOCKFILE_VERSION, writeLockfile } from '../../tools/cli/install/lockfile.js';
import { tempDir } from '../helpers/tmp.js';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

// randomBytes mocked once below to lay a file at the next temporary name; otherwise the real one
vi.mock('node:crypto', async (importOriginal) => {
  const real = await importOriginal<typeof Crypto>();
  return { ...real, randomBytes: vi.fn(real.randomBytes) };
});
const { randomBytes } = await import('node:crypto');

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

/** A file outside the project that a link points to, and a check that it is as it was. */
function bait(): { target: string; untouched: () => void } {
  const target = join(tempDir('mdlibs-outside-'), 'precious.txt');
  writeFileSync(target, 'precious', { mode: 0o644 });
  return {
    target,
    untouched: () => {
      expect(readFileSync(target, 'utf8')).toBe('precious');
      expect(statSync(target).mode & 0o777).toBe(0o644);
    },
  };
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.tmp'));

describe('atomic writes of the lockfile and the TOML files', () => {
  it('install writes mdlibs.lock and .mdlibs.toml past links at <file>.<pid>.tmp, leaving the files they point to alone', async () => {
    const cli = cliEnv();
    const lockBait = bait();
    const tomlBait = bait();
    // the CLI runs in this process: its pid is ours
    symlinkSync(lockBait.target, join(cli.cwd, `mdlibs.lock.${process.pid}.tmp`));
    symlinkSync(tomlBait.target, join(cli.cwd, `.mdlibs.toml.${process.pid}.tmp`));
    const r = await cli.run(['install', '@acme/guide', '--registry', host.url]);
    expect(r.code, r.stderr).toBe(0);
    lockBait.untouched();
    tomlBait.untouched();
    for (const f of ['mdlibs.lock', '.mdlibs.toml']) expect(lstatSync(join(cli.cwd, f)).isFile(), f).toBe(true);
    expect(JSON.parse(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8'))).toHaveProperty(['libraries', '@acme/guide']);
    expect(readFileSync(join(cli.cwd, '.mdlibs.toml'), 'utf8')).toContain('"@acme/guide" = "^1.0.0"');
    // the links are still there, untouched, and no temporary file of ours is left
    expect(temps(cli.cwd).sort()).toEqual([`.mdlibs.toml.${process.pid}.tmp`, `mdlibs.lock.${process.pid}.tmp`]);
    expect(lstatSync(join(cli.cwd, `mdlibs.lock.${process.pid}.tmp`)).isSymbolicLink()).toBe(true);
  });

  it('credentials.toml and config.toml are written past a link at <file>.<pid>.<Date.now()>.tmp: the token never reaches the file it points to, and credentials.toml is 0600', () => {
    const home = tempDir('mdlibs-home-');
    const env = { HOME: home, XDG_CONFIG_HOME: join(home, 'config') };
    mkdirSync(join(home, 'config', 'mdlibs'), { recursive: true });
    const credBait = bait();
    const confBait = bait();
    symlinkSync(credBait.target, `${credentialsFile(env)}.${process.pid}.1700000000000.tmp`);
    symlinkSync(confBait.target, `${configFile(env)}.${process.pid}.1700000000000.tmp`);
    const now = vi.spyOn(Date, 'now').mockReturnValue(1_700_000_000_000);
    try {
      saveToken(env, 'http://127.0.0.1:9/', 'mdl_secret_token', 'alice');
      writeToml(configFile(env), { registries: { x: { url: 'http://127.0.0.1:9/' } } });
    } finally {
      now.mockRestore();
    }
    credBait.untouched();
    confBait.untouched();
    expect(lstatSync(credentialsFile(env)).isFile()).toBe(true);
    expect(statSync(credentialsFile(env)).mode & 0o777).toBe(0o600);
    expect(readFileSync(credentialsFile(env), 'utf8')).toContain('mdl_secret_token');
    expect(statSync(configFile(env)).mode & 0o777).toBe(0o644);
    expect(readFileSync(configFile(env), 'utf8')).toContain('http://127.0.0.1:9/');
  });

  it('a write that fails (the target is a folder, so the rename fails) throws and leaves no temporary file', async () => {
    const dir = tempDir('mdlibs-writes-');
    for (const f of ['mdlibs.lock', 'config.toml', 'plain', 'async']) {
      mkdirSync(join(dir, f));
      writeFileSync(join(dir, f, 'inside'), 'x');
    }
    expect(() => writeLockfile(dir, { lockfileVersion: LOCKFILE_VERSION, dependencies: {}, libraries: {} })).toThrow();
    expect(() => writeToml(join(dir, 'config.toml'), { a: 1 }, 0o600)).toThrow();
    expect(() => writeFileAtomicSync(join(dir, 'plain'), 'data')).toThrow();
    await expect(writeFileAtomic(join(dir, 'async'), 'data')).rejects.toThrow();
    expect(temps(dir)).toEqual([]);
    expect(readdirSync(dir).sort()).toEqual(['async', 'config.toml', 'mdlibs.lock', 'plain']);
  });

  it('temporary names are random, and a file already at one is neither followed nor overwritten nor removed', () => {
    const dir = tempDir('mdlibs-writes-');
    const file = join(dir, 'mdlibs.lock');
    const a = tempNameFor(file);
    expect(a).toMatch(/mdlibs\.lock\.[0-9a-f]{16}\.tmp$/);
    expect(tempNameFor(file)).not.toBe(a);
    expect(a).not.toContain(String(process.pid));
    // someone laid a link at the very name (as if guessed): 'wx' refuses it, and it stays as it was
    const b = bait();
    vi.mocked(randomBytes).mockReturnValueOnce(Buffer.alloc(8) as never);
    const laid = `${file}.0000000000000000.tmp`;
    symlinkSync(b.target, laid);
    expect(() => writeFileAtomicSync(file, 'data')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
    b.untouched();
    expect(lstatSync(laid).isSymbolicLink()).toBe(true);
    expect(readdirSync(dir)).toEqual(['mdlibs.lock.0000000000000000.tmp']);
    writeFileAtomicSync(file, 'data'); // the next name is random again
    expect(readFileSync(file, 'utf8')).toBe('data');
  });
});
