/**
 * BUILD-5 with two outputs: the private tree is swapped in first, then the public one. When the
 * second swap fails, the build fails, but the private tree already swapped in is served and must
 * stay whole (it was deleted as "staging" before this test's fix); the public output keeps its
 * previous tree.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { commitAll, publicAndPrivateRepo, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import type * as ManagedDir from '../../index-builder/src/output/managed-dir.js';

const failing = vi.hoisted(() => ({ swapsLeft: Infinity }));

vi.mock('../../index-builder/src/output/managed-dir.js', async (importOriginal) => {
  const real = await importOriginal<typeof ManagedDir>();
  return {
    ...real,
    swapIn: (m: Parameters<typeof real.swapIn>[0]) => {
      if (failing.swapsLeft-- <= 0) throw new Error('ENOSPC: no space left on device, symlink');
      real.swapIn(m);
    },
  };
});

const { buildRegistry } = await import('../../index-builder/src/index.js');

describe('a swap that fails half way', () => {
  it('keeps the private tree it already swapped in, and the public output on its previous tree', async () => {
    const root = publicAndPrivateRepo(tempDir('mdlibs-swapfail-'));
    const base = tempDir('mdlibs-swapfail-out-');
    const outDir = join(base, 'public');
    const privateOutDir = join(base, 'private');
    await buildRegistry({ registryDir: root, outDir, privateOutDir });
    const publicBefore = realpathSync(outDir);

    writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.1.0' });
    commitAll(root, 'plans 1.1.0');
    failing.swapsLeft = 1; // the private swap succeeds, the public one fails
    await expect(buildRegistry({ registryDir: root, outDir, privateOutDir })).rejects.toThrow(/ENOSPC/);
    failing.swapsLeft = Infinity;

    const served = realpathSync(privateOutDir);
    expect(existsSync(join(served, 'build-record.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(served, 'index/@secret/plans.json'), 'utf8')).distTags.latest).toBe('1.1.0');
    expect(realpathSync(outDir)).toBe(publicBefore);
    expect(existsSync(join(publicBefore, 'index/@acme/guide.json'))).toBe(true);
  });
});
