/**
 * install / update / uninstall hold `.mdlibs.lock-file` in the project: two at once used to
 * both exit 0 while one's library was lost from mdlibs.lock, .mdlibs.toml or the disk.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([
    { scope: 'acme', name: 'guide', version: '1.0.0' },
    { scope: 'acme', name: 'other', version: '1.0.0' },
  ]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

const LOCK = '.mdlibs.lock-file';
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'mdlibs.lock'), 'utf8')) as { dependencies: Record<string, string>; libraries: Record<string, unknown> };

/** A pid that no process has now (a child that has exited). */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', '']);
  expect(r.status).toBe(0);
  return r.pid as number;
}

describe('the project lock', () => {
  it('two installs at once in one project: one installs, the other fails at once naming the lock and its pid; nothing is lost', async () => {
    const cli = cliEnv();
    // the index files answer slowly, so the two installs surely overlap
    const slow = (path: string) => host.override(path, (_q, res) => {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(readFileSync(join(reg.out, path))), 300);
    });
    slow('/index/@acme/guide.json');
    slow('/index/@acme/other.json');
    try {
      const [a, b] = await Promise.all([
        cli.run(['install', '@acme/guide', '--registry', host.url]),
        cli.run(['install', '@acme/other', '--registry', host.url]),
      ]);
      const codes = [a.code, b.code].sort();
      expect(codes, a.stderr + b.stderr).toEqual([0, 8]);
      const [won, lost] = a.code === 0 ? [a, b] : [b, a];
      const winner = a.code === 0 ? '@acme/guide' : '@acme/other';
      expect(lost.stderr).toContain('error CLI_PROJECT_LOCKED');
      expect(lost.stderr).toContain(`another mdlibs command (pid ${process.pid}) is changing this project: ${join(cli.cwd, LOCK)} is held`);
      expect(lost.stderr).toContain('fix: wait for it to finish');
      expect(won.stdout).toContain(`+ ${winner}@1.0.0`);
      expect(existsSync(join(cli.cwd, LOCK))).toBe(false);
      // the state is the winner's, whole; the loser can simply run again
      expect(Object.keys(lockOf(cli.cwd).libraries)).toEqual([winner]);
      const again = await cli.run(['install', winner === '@acme/guide' ? '@acme/other' : '@acme/guide', '--registry', host.url]);
      expect(again.code).toBe(0);
    } finally {
      host.override('/index/@acme/guide.json', null);
      host.override('/index/@acme/other.json', null);
    }
    expect(Object.keys(lockOf(cli.cwd).libraries)).toEqual(['@acme/guide', '@acme/other']);
    expect(Object.keys(lockOf(cli.cwd).dependencies)).toEqual(['@acme/guide', '@acme/other']);
    expect(readdirSync(join(cli.cwd, 'libraries/@acme')).sort()).toEqual(['guide', 'other']);
    expect(readdirSync(cli.cwd).filter((n) => n.startsWith(LOCK))).toEqual([]);
  });

  it('a lock left by a process that no longer runs is taken over', async () => {
    const cli = cliEnv();
    const dead = deadPid();
    writeFileSync(join(cli.cwd, LOCK), `${dead}\n`);
    // and the temporary files of a command killed while taking the lock
    writeFileSync(join(cli.cwd, `${LOCK}.${dead}.0a1b2c3d.tmp`), `${dead}\n`);
    writeFileSync(join(cli.cwd, `${LOCK}.stale-${dead}-0a1b2c3d`), '1\n');
    writeFileSync(join(cli.cwd, `${LOCK}.${process.pid}.0a1b2c3d.tmp`), 'a running process\'s: kept\n');
    const r = await cli.run(['install', '@acme/guide', '--registry', host.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(existsSync(join(cli.cwd, LOCK))).toBe(false);
    expect(readdirSync(cli.cwd).filter((n) => n.startsWith(LOCK))).toEqual([`${LOCK}.${process.pid}.0a1b2c3d.tmp`]);
  });

  it('a lock held by a running process stops install, update and uninstall before they read or write anything', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const lockBefore = readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8');
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      const pid = child.pid as number;
      writeFileSync(join(cli.cwd, LOCK), `${pid}\n`);
      for (const args of [['install', '@acme/other'], ['update'], ['uninstall', '@acme/guide']]) {
        const r = await cli.run([...args, ...(args[0] === 'uninstall' ? [] : ['--registry', host.url])]);
        expect(r.code, args[0]).toBe(8);
        expect(r.stderr, args[0]).toContain(`error CLI_PROJECT_LOCKED: another mdlibs command (pid ${pid})`);
        expect(r.stderr, args[0]).toContain(`if no mdlibs process ${pid} is running, delete ${join(cli.cwd, LOCK)}`);
      }
      expect(readFileSync(join(cli.cwd, LOCK), 'utf8')).toBe(`${pid}\n`); // someone else's lock is left alone
      expect(readFileSync(join(cli.cwd, 'mdlibs.lock'), 'utf8')).toBe(lockBefore);
    } finally {
      child.kill();
    }
  });

  it('the lock is released when the command fails', async () => {
    const cli = cliEnv();
    const r = await cli.run(['install', '@acme/nope', '--registry', host.url]);
    expect(r.code).toBe(6);
    expect(existsSync(join(cli.cwd, LOCK))).toBe(false);
    const u = await cli.run(['uninstall', '@acme/guide']);
    expect(u.code).toBe(6);
    expect(readdirSync(cli.cwd).filter((n) => n.startsWith(LOCK))).toEqual([]);
  });
});
