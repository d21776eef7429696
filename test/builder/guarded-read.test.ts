/**
 * The guarded reader every untrusted file goes through (registry config files, the previous
 * build record, a library's manifest, the CLI's cache and project files): real files in temp
 * folders, both the sync and the thread-pool variant.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { guardedRead, guardedReadAsync, type GuardedRead, type GuardedReadOptions } from '../../index-builder/src/read/guarded-read.js';
import { tempDir } from '../helpers/tmp.js';

const variants: [string, (path: string, opts: GuardedReadOptions) => Promise<GuardedRead>][] = [
  ['guardedRead', (path, opts) => Promise.resolve(guardedRead(path, opts))],
  ['guardedReadAsync', guardedReadAsync],
];

const refusal = (r: GuardedRead) => (r.ok ? { ok: true } : { why: r.why, ...(r.size !== undefined ? { size: r.size } : {}), ...(r.code !== undefined ? { code: r.code } : {}) });

describe.each(variants)('%s', (_name, read) => {
  it('reads a regular file whole, with its stats', async () => {
    const f = join(tempDir(), 'a.toml');
    writeFileSync(f, 'name = "ä"\n');
    const r = await read(f, { maxBytes: 1024 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.bytes.toString('utf8')).toBe('name = "ä"\n');
    expect(r.stats.size).toBe(r.bytes.length);
  });

  it('accepts a file of exactly maxBytes and an empty one', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'cap'), Buffer.alloc(100, 0x61));
    writeFileSync(join(dir, 'empty'), '');
    const cap = await read(join(dir, 'cap'), { maxBytes: 100 });
    expect(cap.ok && cap.bytes.length).toBe(100);
    const empty = await read(join(dir, 'empty'), { maxBytes: 100 });
    expect(empty.ok && empty.bytes.length).toBe(0);
  });

  it('refuses a file one byte over maxBytes with its size, without reading it', async () => {
    const f = join(tempDir(), 'big');
    writeFileSync(f, Buffer.alloc(101, 0x61));
    expect(refusal(await read(f, { maxBytes: 100 }))).toEqual({ why: 'too-large', size: 101 });
  });

  it('reports a missing file, and a path through a file, as missing', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'file'), 'x');
    expect(refusal(await read(join(dir, 'nope'), { maxBytes: 100 }))).toEqual({ why: 'missing', code: 'ENOENT' });
    expect(refusal(await read(join(dir, 'file', 'below'), { maxBytes: 100 }))).toEqual({ why: 'missing', code: 'ENOTDIR' });
  });

  it('refuses a folder as not a file', async () => {
    const d = join(tempDir(), 'folder');
    mkdirSync(d);
    expect(refusal(await read(d, { maxBytes: 100 }))).toEqual({ why: 'not-a-file' });
  });

  it('refuses a symbolic link with noFollow (a dangling one too), and follows it without', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'target'), 'secret');
    symlinkSync(join(dir, 'target'), join(dir, 'link'));
    symlinkSync(join(dir, 'gone'), join(dir, 'dangling'));
    expect(refusal(await read(join(dir, 'link'), { maxBytes: 100, noFollow: true }))).toEqual({ why: 'link', code: 'ELOOP' });
    expect(refusal(await read(join(dir, 'dangling'), { maxBytes: 100, noFollow: true }))).toEqual({ why: 'link', code: 'ELOOP' });
    const followed = await read(join(dir, 'link'), { maxBytes: 100 });
    expect(followed.ok && followed.bytes.toString()).toBe('secret');
    // a link to a folder, followed, is still not a file
    mkdirSync(join(dir, 'sub'));
    symlinkSync(join(dir, 'sub'), join(dir, 'sublink'));
    expect(refusal(await read(join(dir, 'sublink'), { maxBytes: 100 }))).toEqual({ why: 'not-a-file' });
  });

  it('refuses a named pipe at once instead of waiting for a writer', { timeout: 15_000 }, async () => {
    const dir = tempDir();
    const fifo = join(dir, 'fifo');
    const came = join(dir, 'writer-came');
    execFileSync('mkfifo', [fifo]);
    // a blocking open waits on this very thread (no test timeout could fire): a writer comes after
    // 3 s, so that a reader that does block ends rather than hang, having waited for the writer
    const writer = spawn('sh', ['-c', `sleep 3; : > '${came}'; printf x > '${fifo}'`], { stdio: 'ignore', detached: true });
    try {
      expect(refusal(await read(fifo, { maxBytes: 100 }))).toEqual({ why: 'not-a-file' });
      expect(refusal(await read(fifo, { maxBytes: 100, noFollow: true }))).toEqual({ why: 'not-a-file' });
      expect(existsSync(came), 'the read waited for the writer').toBe(false);
    } finally {
      if (writer.pid !== undefined) process.kill(-writer.pid); // the shell and its sleep
    }
  });

  it('refuses a device (a link to /dev/zero) as not a file, without reading it', async () => {
    const link = join(tempDir(), 'zero');
    symlinkSync('/dev/zero', link);
    expect(refusal(await read(link, { maxBytes: 100 }))).toEqual({ why: 'not-a-file' });
  });

  // a socket cannot be opened as a file (ENXIO): the one open failure that is neither a missing
  // file nor a link, whoever runs the tests (root opens a file of mode 000 all the same)
  it('reports a path it cannot open as unreadable, with the code', async () => {
    const sock = join(tempDir(), 'daemon.sock');
    const server = createServer();
    await new Promise<void>((done) => server.listen(sock, done));
    try {
      expect(refusal(await read(sock, { maxBytes: 100 }))).toEqual({ why: 'unreadable', code: 'ENXIO' });
    } finally {
      await new Promise((done) => server.close(done));
    }
  });
});

describe('a file that changes while it is read', () => {
  it.skipIf(process.platform !== 'linux')('is refused as changed when more bytes come than fstat gave (a file that grew after the fstat)', async () => {
    // a /proc file is a regular file of size 0 that yields bytes: what a file growing between fstat and read looks like
    expect(refusal(guardedRead('/proc/self/status', { maxBytes: 1024 * 1024 }))).toEqual({ why: 'changed' });
    expect(refusal(await guardedReadAsync('/proc/self/status', { maxBytes: 1024 * 1024 }))).toEqual({ why: 'changed' });
  });
});
