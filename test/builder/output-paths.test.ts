/**
 * Output paths that overlap (MDL_OUTPUT_OVERLAP): the private output at, inside or around the
 * public one, through a symbolic link too, and an output inside the registry's libraries/ or
 * scopes/. Each is refused before anything is written; separate outputs, also inside the
 * registry's root (as the deploy workflow's `--out site`), build.
 */
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { publicAndPrivateRepo } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

async function refused(registryDir: string, outDir: string, privateOutDir?: string): Promise<string> {
  const err = await buildRegistry({ registryDir, outDir, privateOutDir }).then(() => null, (e: unknown) => e as { code?: string; message?: string });
  expect(err?.code, `${outDir} / ${privateOutDir}`).toBe('MDL_OUTPUT_OVERLAP');
  return err?.message ?? '';
}

describe('output paths', () => {
  it('refuses a private output that is the public one, inside it, around it or inside its builds folder, writing nothing', async () => {
    const root = publicAndPrivateRepo(tempDir('mdlibs-overlap-'));
    const base = tempDir('mdlibs-overlap-out-');
    const pub = join(base, 'site');
    // before the first build: the public output did not exist yet (the same path was an internal error: EEXIST)
    expect(await refused(root, pub, pub)).toContain('the same path');
    expect(await refused(root, pub, join(pub, 'private'))).toContain('one output is inside the other');
    expect(await refused(root, join(pub, 'public'), pub)).toContain('one output is inside the other');
    expect(readdirSync(base)).toEqual([]);
    await buildRegistry({ registryDir: root, outDir: pub });
    // after it: `site/private` resolved through the site link went into the served build, and was gone at the next swap
    expect(await refused(root, pub, join(pub, 'private'))).toContain('one output is inside the other');
    expect(await refused(root, pub, join(base, '.site.builds', 'private'))).toContain('one output is inside the other');
    symlinkSync(pub, join(base, 'alias'));
    expect(await refused(root, pub, join(base, 'alias', 'private'))).toContain('one output is inside the other');
    expect(existsSync(join(base, 'site', 'private'))).toBe(false);
    expect(readdirSync(base).sort()).toEqual(['.site.builds', 'alias', 'site']);
  });

  it('refuses an output inside the registry\'s libraries/ or scopes/ (the next build read it as a library)', async () => {
    const root = publicAndPrivateRepo(tempDir('mdlibs-overlap-reg-'));
    const before = readdirSync(join(root, 'libraries')).sort();
    expect(await refused(root, join(root, 'libraries', '@acme', 'out'))).toContain("inside the registry's libraries/ folder");
    expect(await refused(root, join(root, 'scopes', 'out'))).toContain("inside the registry's scopes/ folder");
    expect(await refused(root, join(tempDir(), 'site'), join(root, 'libraries', 'private'))).toContain('libraries/');
    const link = join(tempDir(), 'into-libraries');
    symlinkSync(join(root, 'libraries'), link);
    expect(await refused(root, join(link, 'site'))).toContain('libraries/');
    expect(readdirSync(join(root, 'libraries')).sort()).toEqual(before);
    expect(readdirSync(join(root, 'libraries', '@acme')).some((n) => n.includes('out'))).toBe(false);
  });

  it('builds separate outputs, also beside libraries/ in the registry root (as the deploy workflow does)', async () => {
    const root = publicAndPrivateRepo(tempDir('mdlibs-overlap-ok-'));
    mkdirSync(join(root, 'build'));
    const r = await buildRegistry({ registryDir: root, outDir: join(root, 'site'), privateOutDir: join(root, 'build', 'private-site') });
    expect(r.versions).toBeGreaterThan(0);
    expect(existsSync(join(root, 'site', 'config.json'))).toBe(true);
    const again = await buildRegistry({ registryDir: root, outDir: join(root, 'site'), privateOutDir: join(root, 'build', 'private-site') });
    expect(again.builtVersions).toEqual([]);
  });
});
