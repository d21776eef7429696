/** Where a build's time went (BuildReport.phases, `mdlibs-build --timings`). */
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { formatPhases, PhaseClock } from '../../index-builder/src/build/phases.js';
import { commitAll, gitInit, publicAndPrivateRepo, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const ORDER = ['read', 'validate', 'assemble', 'files', 'site', 'flush', 'swap'];

describe('build phases', () => {
  it('a phase runs from the previous mark to its own, and one marked again adds up, in the order first ended', () => {
    let t = 100;
    const clock = new PhaseClock(() => t);
    t = 130;
    clock.mark('read');
    t = 131.4;
    clock.mark('files');
    t = 140;
    clock.mark('site');
    t = 150;
    clock.mark('files'); // a second output tree
    expect(clock.list()).toEqual([{ phase: 'read', ms: 30 }, { phase: 'files', ms: 11 }, { phase: 'site', ms: 9 }]);
    expect(formatPhases(clock.list())).toBe('read 0.03 s · files 0.01 s · site 0.01 s');
  });

  it('a build reports every phase once, in order, adding up to its duration (two output trees included)', async () => {
    const root = publicAndPrivateRepo(tempDir('mdlibs-phases-'));
    const base = tempDir('mdlibs-phases-out-');
    for (let i = 0; i < 2; i++) {
      const r = await buildRegistry({ registryDir: root, outDir: join(base, 'public'), privateOutDir: join(base, 'private') });
      expect(r.phases.map((p) => p.phase)).toEqual(ORDER);
      expect(r.phases.every((p) => Number.isInteger(p.ms) && p.ms >= 0)).toBe(true);
      const sum = r.phases.reduce((n, p) => n + p.ms, 0);
      expect(Math.abs(sum - r.durationMs)).toBeLessThanOrEqual(ORDER.length);
    }
  });

  it('mdlibs-build --timings prints them after the summary', async () => {
    const bin = join(tempDir(), 'mdlibs-build.mjs');
    await esbuild({
      entryPoints: [fileURLToPath(new URL('../../index-builder/src/bin.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bin, logLevel: 'error',
      banner: { js: "import { createRequire as __mdlibsRequire } from 'node:module'; const require = __mdlibsRequire(import.meta.url);" },
    });
    const root = tempDir('mdlibs-phases-cli-');
    writeRegistry(root, { scopes: { acme: 'public' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    gitInit(root);
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    const run = (...flags: string[]) => spawnSync(process.execPath, [bin, root, '--out', out, '--no-site', '--no-progress', ...flags], { encoding: 'utf8', timeout: 60_000 });
    const plain = run();
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).not.toContain('phases:');
    const timed = run('--timings');
    expect(timed.status, timed.stderr).toBe(0);
    // run as a program through its first line (env -S node --max-semi-space-size=...), as npm's bin link does
    chmodSync(bin, 0o755);
    const direct = spawnSync(bin, [root, '--out', out, '--no-site', '--no-progress'], { encoding: 'utf8', timeout: 60_000 });
    expect(direct.status, direct.stderr).toBe(0);
    expect(direct.stdout).toContain('built 1 libraries');
    expect(plain.stdout).not.toContain('scopes taken over'); // a first build has nothing to take over
    expect(direct.stdout).toContain('\n  scopes taken over unchanged (folders not read): 1\n');
    expect(timed.stdout).toMatch(/\n {2}phases: read \d+\.\d\d s · validate \d+\.\d\d s · assemble \d+\.\d\d s · files \d+\.\d\d s · site \d+\.\d\d s · flush \d+\.\d\d s · swap \d+\.\d\d s\n$/);
  }, 60_000);
});
