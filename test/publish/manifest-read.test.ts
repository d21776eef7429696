/**
 * `mdlibs publish` reads .mdlibs.toml only when it is a regular file of at most 64 KiB. It was
 * read with readFileSync before any check: linked to /dev/stdin publish hung, to /dev/zero it
 * read until memory ran out.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv } from '../cli/helpers/cli.js';
import { writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

function libraryFolder(): string {
  const dir = tempDir('mdlibs-lib-');
  return join(dir, writeLibrary(dir, { scope: 'acme', name: 'notes', version: '1.0.0' }));
}

describe('publish reads the manifest safely', () => {
  it('refuses a manifest over 64 KiB, a link (to /dev/zero, /dev/stdin or a file) and a FIFO, without reading them', async () => {
    const cli = cliEnv();
    // over the size cap (this one validated before: the cap is what stops /dev/zero-like input)
    const big = libraryFolder();
    const manifest = join(big, '.mdlibs.toml');
    const good = readFileSync(manifest, 'utf8');
    writeFileSync(manifest, `${good}${'# padding\n'.repeat(7000)}`);
    const b = await cli.run(['publish', big, '--dry-run']);
    expect(b.code, b.stderr).toBe(1);
    expect(b.stderr).toContain('PUB_INVALID_LIBRARY');
    expect(b.stderr).toMatch(/MDL_FILE_TOO_LARGE.*\.mdlibs\.toml is 7\d{4} bytes; the limit is 65536/);

    for (const target of ['/dev/zero', '/dev/stdin', 'copy.toml']) {
      const lib = libraryFolder();
      writeFileSync(join(lib, 'copy.toml'), good);
      rmSync(join(lib, '.mdlibs.toml'));
      symlinkSync(target, join(lib, '.mdlibs.toml'));
      const r = await cli.run(['publish', lib, '--dry-run']);
      expect(r.code, target).toBe(1);
      expect(r.stderr, target).toMatch(/\.mdlibs\.toml: MDL_SYMLINK symbolic links are not allowed/);
    }

    // a FIFO: a writer keeps feeding it, so that a reader that blocks on it is not stuck forever
    const lib = libraryFolder();
    const fifo = join(lib, '.mdlibs.toml');
    writeFileSync(join(lib, 'copy.toml'), good);
    rmSync(fifo);
    execFileSync('mkfifo', [fifo]);
    // one process (killing it leaves no blocked `cat` behind)
    const writer = spawn(process.execPath, ['-e', 'const fs = require("fs"); const [src, to] = process.argv.slice(1); for (;;) fs.writeFileSync(to, fs.readFileSync(src));', join(lib, 'copy.toml'), fifo], { stdio: 'ignore' });
    try {
      const r = await cli.run(['publish', lib, '--dry-run']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/MDL_FILE_TYPE_NOT_ALLOWED.*\.mdlibs\.toml is not a regular file/);
    } finally {
      writer.kill();
    }
  });
});
