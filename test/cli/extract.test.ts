import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkEntryPath, readArchive, writeArchive } from '../../tools/cli/install/extract.js';
import { tempDir } from '../helpers/tmp.js';
import { gzipBomb, rawTgz } from './helpers/tarballs.js';

const code = async (p: Promise<unknown>) => {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { code?: string }).code ?? String(e);
  }
};

describe('safe extraction', () => {
  it('extracts regular files under package/ with the prefix stripped', async () => {
    const files = await readArchive(rawTgz([{ path: 'package/README.md', data: '# hi' }, { path: 'package/docs/a.md', data: 'a' }, { path: 'package/docs/', type: 'Directory' }]), 't');
    expect(files.map((f) => f.path).sort()).toEqual(['README.md', 'docs/a.md']);
    const dir = join(tempDir(), 'lib');
    await writeArchive(files, dir);
    expect(readFileSync(join(dir, 'docs/a.md'), 'utf8')).toBe('a');
  });

  it('refuses a file and a folder at one path, in either order and any letter case (the write crashed with EEXIST)', async () => {
    const cases: [string, Parameters<typeof rawTgz>[0]][] = [
      ['file first', [{ path: 'package/docs', data: 'x' }, { path: 'package/docs/a.md', data: 'a' }]],
      ['folder first', [{ path: 'package/docs/a.md', data: 'a' }, { path: 'package/docs', data: 'x' }]],
      ['deeper, other case', [{ path: 'package/A/b', data: 'x' }, { path: 'package/a/B/c.md', data: 'c' }]],
      ['Directory entry over a file', [{ path: 'package/docs', data: 'x' }, { path: 'package/DOCS/', type: 'Directory' }]],
      ['file over a Directory entry', [{ path: 'package/docs/', type: 'Directory' }, { path: 'package/docs', data: 'x' }]],
    ];
    for (const [label, entries] of cases) {
      const e = await readArchive(rawTgz(entries), 'the tarball of @acme/x@1.0.0').then(() => null, (err: unknown) => err as { code: string; message: string });
      expect(e?.code, label).toBe('CLI_UNSAFE_ARCHIVE');
      expect(e?.message, label).toMatch(/^the tarball of @acme\/x@1\.0\.0 holds ".*" both as a file and as a folder \(letter case ignored\)$/);
    }
    // a folder entry beside its own files, and names that only share a prefix, are fine
    const ok = await readArchive(rawTgz([{ path: 'package/docs/', type: 'Directory' }, { path: 'package/docs/a.md', data: 'a' }, { path: 'package/docs.md', data: 'd' }, { path: 'package/doc', data: 'x' }]), 't');
    expect(ok.map((f) => f.path).sort()).toEqual(['doc', 'docs.md', 'docs/a.md']);
  });

  it('writes many files at once and rejects only after every write settled', async () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ path: `docs/d${i % 6}/f${i}.md`, data: Buffer.from(`file ${i}`) }));
    const dir = join(tempDir(), 'lib');
    await writeArchive(many, dir);
    for (const f of many) expect(readFileSync(join(dir, f.path), 'utf8')).toBe(f.data.toString());
    // "x" is a file, so "x/y.md" cannot be written; the other 40 writes still finish before the rejection
    const bad = [{ path: 'x', data: Buffer.from('file') }, { path: 'x/y.md', data: Buffer.from('no') }, ...many.slice(0, 40)];
    const dir2 = join(tempDir(), 'lib');
    await expect(writeArchive(bad, dir2)).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    const count = () => readdirSync(dir2, { recursive: true }).length;
    const settled = count();
    await new Promise((r) => setTimeout(r, 50));
    expect(count()).toBe(settled);
    expect(readFileSync(join(dir2, many[39]?.path ?? ''), 'utf8')).toBe('file 39');
  });

  it.each([
    ['a ../ entry', [{ path: 'package/../evil.md', data: 'x' }]],
    ['a deep ../ entry', [{ path: 'package/docs/../../../evil.md', data: 'x' }]],
    ['an absolute path', [{ path: '/tmp/evil.md', data: 'x' }]],
    ['an entry outside package/', [{ path: 'other/evil.md', data: 'x' }]],
    ['a backslash path', [{ path: 'package/..\\evil.md', data: 'x' }]],
    ['a symlink', [{ path: 'package/link.md', type: 'SymbolicLink' as const, linkpath: '/etc/passwd' }]],
    ['a hard link', [{ path: 'package/README.md', data: 'x' }, { path: 'package/hard.md', type: 'Link' as const, linkpath: 'package/README.md' }]],
    ['a character device', [{ path: 'package/dev', type: 'CharacterDevice' as const }]],
    ['a FIFO', [{ path: 'package/fifo', type: 'FIFO' as const }]],
    ['a duplicate entry', [{ path: 'package/a.md', data: 'x' }, { path: 'package/A.md', data: 'y' }]],
  ])('refuses %s (CLI_UNSAFE_ARCHIVE)', async (_label, entries) => {
    expect(await code(readArchive(rawTgz(entries), 't'))).toBe('CLI_UNSAFE_ARCHIVE');
  });

  it('refuses a gzip bomb before inflating it all (CLI_ARCHIVE_TOO_LARGE)', async () => {
    const bomb = await gzipBomb(64 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    expect(await code(readArchive(bomb, 't', { maxUnpackedBytes: 8 * 1024 * 1024, maxEntries: 100 }))).toBe('CLI_ARCHIVE_TOO_LARGE');
  });

  it('refuses too many entries', async () => {
    const entries = Array.from({ length: 20 }, (_, i) => ({ path: `package/f${i}.md`, data: 'x' }));
    expect(await code(readArchive(rawTgz(entries), 't', { maxUnpackedBytes: 1e6, maxEntries: 10 }))).toBe('CLI_ARCHIVE_TOO_LARGE');
  });

  it('refuses bytes that are not gzip', async () => {
    expect(await code(readArchive(Buffer.from('<html>hello</html>'), 't'))).toBe('CLI_ARCHIVE_CORRUPT');
  });

  it('path checks are pure and strict', () => {
    expect(checkEntryPath('package/docs/x.md')).toEqual({ path: 'docs/x.md' });
    for (const bad of ['package/', 'package//x', 'package/./x', 'C:/x', 'package/x\0y']) expect('refused' in checkEntryPath(bad)).toBe(true);
  });

  it('writes nothing when a later entry is refused', async () => {
    const dir = tempDir();
    await code(readArchive(rawTgz([{ path: 'package/ok.md', data: 'x' }, { path: 'package/../../evil.md', data: 'x' }]), 't'));
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, '..', 'evil.md'))).toBe(false);
  });
});
