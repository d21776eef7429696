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
      // after 3 s, so that a build that does read it ends, with the wrong outcome (a TOML parse
      // error of "[x"), rather than hang.
      const writer = spawn('sh', ['-c', `sleep 3; printf '[x' > '${join(root, 'registry.toml')}'`], { stdio: 'ignore', detached: true });
      try {
        const e = await buildError(root, out);
        expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', file: 'registry.toml' })]);
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

describe('[limits] the builder cannot honour', () => {
  const registryWith = (limits: string, files: Record<string, string> = {}) => {
    const root = tempDir('mdlibs-limits-');
    writeRegistry(root, { scopes: { acme: 'public' }, limits });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0', files });
    return root;
  };
  const configProblems = (e: MdlibsError) => e.problems.filter((p) => p.code === 'MDL_REGISTRY_CONFIG_INVALID').map((p) => [p.field, p.message]);

  it('refuses max_file_bytes and max_library_bytes over 1 GiB (a 3 GB file crashed the build with ERR_FS_FILE_TOO_LARGE)', async () => {
    const root = registryWith('max_file_bytes = 9007199254740991\nmax_library_bytes = 9007199254740991');
    const big = join(root, 'libraries/@acme/guide/1.0.0/docs/big.md');
    writeFileSync(big, '');
    truncateSync(big, 3 * 1024 * 1024 * 1024); // sparse: no disk used
    const e = await buildError(root, join(tempDir(), 'out'));
    expect(configProblems(e)).toEqual([
      ['limits.max_file_bytes', expect.stringContaining('must be at most 1073741824')],
      ['limits.max_library_bytes', expect.stringContaining('must be at most 1073741824')],
    ]);
    // validated with the default limits meanwhile: the file is over them, and was not read
    expect(e.problems).toContainEqual(expect.objectContaining({ code: 'MDL_FILE_TOO_LARGE', file: 'libraries/@acme/guide/1.0.0/docs/big.md' }));
  });

  it('refuses a max_frontmatter_nodes so high that an alias bomb gets through (or hangs the build)', async () => {
    // ~1.1 million nodes from 7 lines; at max_frontmatter_nodes = 10^15 a 10^9-node one hung the build
    const lines = ['---', 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 5; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
    const root = registryWith('max_frontmatter_nodes = 1_000_000_000_000_000', { 'docs/bomb.md': `${lines.join('\n')}\ntitle: bomb\n---\n# Bomb\n` });
    const e = await buildError(root, join(tempDir(), 'out'));
    expect(configProblems(e)).toEqual([['limits.max_frontmatter_nodes', expect.stringContaining('must be at most 100000')]]);
    expect(e.problems).toContainEqual(expect.objectContaining({ code: 'MDL_FRONTMATTER_TOO_COMPLEX', file: 'libraries/@acme/guide/1.0.0/docs/bomb.md' }));
  });

  it('accepts the highest limits', async () => {
    const root = registryWith('max_file_bytes = 1073741824\nmax_library_bytes = 1073741824\nmax_frontmatter_nodes = 100000');
    await expect(buildRegistry({ registryDir: root, outDir: join(tempDir(), 'out') })).resolves.toMatchObject({ versions: 1 });
  });
});

describe('scope files with look-alike names', () => {
  it('refuses a scope file confusable with another scope even before it has libraries (acrne beside acme)', async () => {
    const root = tempDir('mdlibs-confusable-scope-');
    writeRegistry(root, { scopes: { acme: 'public', acrne: 'public' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    const e = await buildError(root, join(tempDir(), 'out'));
    expect(e.problems).toEqual([expect.objectContaining({ code: 'MDL_NAME_CONFUSABLE', file: 'scopes/acrne.toml', message: 'scope "acrne" is confusable with existing "acme"' })]);
  });

  it('still accepts scope files that only share a prefix', async () => {
    const root = tempDir('mdlibs-confusable-scope-');
    writeRegistry(root, { scopes: { acme: 'public', acme2: 'public', handbook: 'private' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    await expect(buildRegistry({ registryDir: root, outDir: join(tempDir(), 'out') })).resolves.toMatchObject({ versions: 1 });
  });
});
