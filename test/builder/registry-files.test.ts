/**
 * Hostile registry-level files (REPO-1, SEC-2): registry.toml, scopes/<scope>.toml and
 * meta.toml that are links, pipes, folders or huge are refused with a problem before a byte is
 * read, the build never blocks or crashes on them, and the previous build stays served.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, MdlibsError } from '../../index-builder/src/index.js';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

async function buildError(root: string, out: string): Promise<MdlibsError> {
  const e = await buildRegistry({ registryDir: root, outDir: out }).then(() => null, (err: unknown) => err);
  expect(e).toBeInstanceOf(MdlibsError);
  return e as MdlibsError;
}

describe('registry config files that are not plain small files', () => {
  let root: string;
  let out: string;
  let served: string;
  beforeAll(async () => {
    root = tempDir('mdlibs-regfiles-');
    writeRegistry(root, { scopes: { acme: 'public' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    served = realpathSync(out);
  });

  const withRegistryToml = async (make: (file: string) => void, run: () => Promise<void>) => {
    const file = join(root, 'registry.toml');
    const saved = join(root, 'registry.saved');
    execFileSync('mv', [file, saved]);
    try {
      make(file);
      await run();
    } finally {
      rmSync(file, { recursive: true, force: true });
      execFileSync('mv', [saved, file]);
    }
  };

  it('refuses a registry.toml that is a named pipe instead of blocking the build forever', { timeout: 15_000 }, async () => {
    await withRegistryToml((f) => execFileSync('mkfifo', [f]), async () => {
      // A read of the pipe blocks this very thread (no test timeout could fire): a writer comes
      // after 3 s, so that a build that does read it ends, with the wrong outcome, rather than hang.
      const writer = spawn('sh', ['-c', `sleep 3; printf '[x' > '${join(root, 'registry.toml')}'`], { stdio: 'ignore', detached: true });
      try {
        const started = Date.now();
        const e = await buildError(root, out);
        expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file: 'registry.toml' })]);
        expect(Date.now() - started).toBeLessThan(3000);
        expect(realpathSync(out)).toBe(served);
      } finally {
        if (writer.pid !== undefined) process.kill(-writer.pid); // the shell and its sleep
      }
    });
  });

  it('refuses a registry.toml that is a folder with a problem, not a crash', async () => {
    await withRegistryToml((f) => mkdirSync(f), async () => {
      const e = await buildError(root, out);
      expect(e.code).toBe('MDL_VALIDATION_FAILED');
      expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file: 'registry.toml' })]);
    });
  });

  it('never reads a registry.toml that is a symbolic link (its target may be any file of the build machine)', async () => {
    const secret = join(tempDir(), 'secret.toml');
    writeFileSync(secret, '[registry]\nname = "mdl_s3cr3t"\nurl = "http://localhost/"\n');
    await withRegistryToml((f) => symlinkSync(secret, f), async () => {
      const e = await buildError(root, out);
      expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_SYMLINK', file: 'registry.toml' })]);
      expect(JSON.stringify(e)).not.toContain('mdl_s3cr3t');
      expect(realpathSync(out)).toBe(served);
    });
  });

  it('refuses a huge registry.toml before reading it (a 600 MB one crashed the build)', async () => {
    await withRegistryToml((f) => {
      writeFileSync(f, '');
      truncateSync(f, 600 * 1024 * 1024); // sparse: no disk used
    }, async () => {
      const e = await buildError(root, out);
      expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_FILE_TOO_LARGE', file: 'registry.toml', message: expect.stringContaining('629145600 bytes') })]);
    });
  });

  it('refuses huge scope files and meta.toml files before reading them', async () => {
    const scope = join(root, 'scopes/huge.toml');
    const meta = join(root, 'libraries/@acme/guide/meta.toml');
    for (const f of [scope, meta]) {
      writeFileSync(f, '');
      truncateSync(f, 600 * 1024 * 1024);
    }
    try {
      const e = await buildError(root, out);
      expect(e.problems.map((p) => [p.code, p.file])).toEqual([
        ['MDL_FILE_TOO_LARGE', 'scopes/huge.toml'],
        ['MDL_FILE_TOO_LARGE', 'libraries/@acme/guide/meta.toml'],
      ]);
      expect(realpathSync(out)).toBe(served);
    } finally {
      rmSync(scope);
      rmSync(meta);
    }
  });
});
