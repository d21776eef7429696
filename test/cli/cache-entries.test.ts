/** Cache entries (~/.cache/mdlibs) that are not what the CLI wrote: folders, named pipes. */
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, type CliEnv } from './helpers/cli.js';
import { buildFixture, type BuiltRegistry } from './helpers/registry.js';
import { startStaticHost, type StaticHost } from './helpers/static-host.js';

let reg: BuiltRegistry;
let host: StaticHost;

beforeAll(async () => {
  reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
  host = await startStaticHost(reg.out);
});
afterAll(async () => {
  await host?.close();
});

const TARBALL = 'tarballs/@acme/guide/guide-1.0.0.tgz';

/** The one content-cache entry of a project that installed @acme/guide. */
function contentEntry(cli: CliEnv): string {
  const root = join(cli.home, 'cache/mdlibs/content/sha512');
  const [sub] = readdirSync(root);
  const dir = join(root, sub as string);
  return join(dir, readdirSync(dir)[0] as string);
}

/** Feeds `bytes` into a named pipe again and again (a reader that blocks on it is not stuck forever). */
function feedPipe(fifo: string, bytes: Buffer): () => void {
  const src = `${fifo}.src`;
  writeFileSync(src, bytes);
  // one process (killing it leaves no blocked `cat` behind)
  const writer = spawn(process.execPath, ['-e', 'const fs = require("fs"); const [src, to] = process.argv.slice(1); for (;;) fs.writeFileSync(to, fs.readFileSync(src));', src, fifo], { stdio: 'ignore' });
  return () => {
    writer.kill();
    rmSync(src, { force: true });
  };
}

describe('the content-addressed tarball cache', () => {
  it('a cache entry that is a folder is a miss that is replaced, not an internal error (EISDIR, exit 70)', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const entry = contentEntry(cli);
    rmSync(entry);
    mkdirSync(entry);
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const r = await cli.run(['install']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('1 downloaded, 0 from cache');
    await new Promise((res) => setTimeout(res, 50)); // the cache write runs in the background
    expect(lstatSync(entry).isFile()).toBe(true);
  });

  it('a cache entry that is a named pipe is never read (it blocked install forever): the tarball is downloaded and cached as a file', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const entry = contentEntry(cli);
    const good = readFileSync(entry);
    rmSync(entry);
    execFileSync('mkfifo', [entry]);
    rmSync(join(cli.cwd, 'libraries'), { recursive: true });
    const stop = feedPipe(entry, good);
    try {
      host.log.length = 0;
      const r = await cli.run(['install']);
      expect(r.code).toBe(0);
      expect(host.log.map((l) => l.path)).toContain(`/${TARBALL}`);
    } finally {
      stop();
    }
    await new Promise((res) => setTimeout(res, 50));
    expect(lstatSync(entry).isFile()).toBe(true);
  });
});

describe('the HTTP cache (index files, config.json, search index)', () => {
  it('a cached body that is a named pipe is never read (it blocked every command that read an index file forever): the registry is asked again and the pipe replaced', async () => {
    const cli = cliEnv();
    expect((await cli.run(['install', '@acme/guide', '--registry', host.url])).code).toBe(0);
    const http = join(cli.home, 'cache/mdlibs/http');
    const bodies = readdirSync(http).filter((n) => n.endsWith('.body'));
    const index = bodies.find((n) => readFileSync(join(http, n), 'utf8').includes('"name":"@acme/guide"'));
    expect(index).toBeDefined();
    const entry = join(http, index as string);
    const good = readFileSync(entry);
    rmSync(entry);
    execFileSync('mkfifo', [entry]);
    const stop = feedPipe(entry, good);
    try {
      host.log.length = 0;
      const r = await cli.run(['outdated', '--registry', host.url, '--json']);
      expect(r.code).toBe(0);
      // asked without If-None-Match: the pipe was no cached answer
      expect(host.log.find((l) => l.path === '/index/@acme/guide.json')?.ifNoneMatch).toBeUndefined();
    } finally {
      stop();
    }
  });
});
