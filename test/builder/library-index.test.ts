import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { pickLatest, sortVersions } from '../../index-builder/src/build/library-index.js';
import { rng } from '../helpers/rng.js';

/** The definition pickLatest must keep: highest stable version not yanked, else highest not yanked (semver.rsort). */
function latestByDefinition(versions: { version: string; yanked: boolean }[]): string | null {
  const live = versions.filter((v) => !v.yanked).map((v) => v.version);
  const stable = live.filter((v) => semver.prerelease(v) === null);
  const pool = stable.length ? stable : live;
  return pool.length ? (semver.rsort([...pool])[0] ?? null) : null;
}

describe('version order and latest version of a library', () => {
  it('sorts as semver.sort and picks the latest as the definition does, prereleases and build metadata (with hyphens) included', () => {
    const r = rng(5);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
    for (let round = 0; round < 500; round++) {
      const set = new Set<string>();
      const n = 1 + Math.floor(r() * 6);
      while (set.size < n) {
        const core = `${pick([0, 1, 2])}.${pick([0, 1, 10])}.${pick([0, 2, 9])}`;
        const pre = pick(['', '', '-alpha', '-alpha.1', '-beta-2', '-rc.10']);
        const build = pick(['', '', '+build-7', '+exp.sha-5114f85']);
        set.add(`${core}${pre}${build}`);
      }
      const versions = [...set];
      const ordered = sortVersions(versions);
      expect(ordered).toEqual(semver.sort([...versions]));
      const entries = ordered.map((version) => ({ version, yanked: r() < 0.3 }));
      expect(pickLatest(entries), JSON.stringify(entries)).toBe(latestByDefinition(entries));
    }
  });
});
