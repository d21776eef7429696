import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { assembleLibraryIndex, libraryHead, librarySummary, pickLatest, sortVersions } from '../../index-builder/src/build/library-index.js';
import { summaryEntry } from '../../index-builder/src/emit/listings.js';
import type { LibraryMeta } from '../../index-builder/src/format/source-schema.js';
import type { RecordVersion } from '../../index-builder/src/output/record.js';
import { isValidVersion, versionProblem } from '../../index-builder/src/format/names.js';
import { libraryIndexSchema, versionEntrySchema } from '../../index-builder/src/format/protocol.js';
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

describe('index file schema (what clients accept)', () => {
  const entry = {
    version: '1.1.0', description: 'd', license: 'MIT', tags: [], authors: [], dependencies: { '@acme/guide': '^1.0.0' }, tarball: 'tarballs/@acme/x/x-1.1.0.tgz',
    sha256: 'a'.repeat(64), integrity: 'sha512-AAAA', size: 1, unpackedSize: 1, fileCount: 1, publishedAt: '2026-01-01T00:00:00.000Z', commit: null, yanked: false, yankedReason: null, docs: [],
  };
  const index = {
    name: '@acme/x', scope: 'acme', visibility: 'public', description: 'd', license: 'MIT', tags: [], authors: [], repository: null, homepage: null, deprecated: null,
    distTags: { latest: '1.1.0' }, updatedAt: '2026-01-01T00:00:00.000Z', versions: [entry],
  };

  it('takes what the builder writes, and refuses versions, ranges and dist-tags a lockfile or a terminal could not take', () => {
    expect(libraryIndexSchema.safeParse(index).success).toBe(true);
    const long = `1.0.0-${'a'.repeat(59)}`; // 65 characters, valid semver
    const bad: [string, unknown][] = [
      ['version over 64 characters', { ...index, versions: [{ ...entry, version: long }] }],
      ['version with a carriage return semver would trim', { ...index, versions: [{ ...entry, version: '\r1.1.0' }] }],
      ['version with a leading v', { ...index, versions: [{ ...entry, version: 'v1.1.0' }] }],
      ['range over 64 characters', { ...index, versions: [{ ...entry, dependencies: { '@acme/guide': '>=1.0.0 <1.0.1 || >=1.1.0 <1.2.0 || >=2.0.0 <3.0.0 || >=4.0.0 <5.0.0' } }] }],
      ['dependency that is not a library name', { ...index, versions: [{ ...entry, dependencies: { 'Not A Name': '^1.0.0' } }] }],
      ['dependency range that is not a range', { ...index, versions: [{ ...entry, dependencies: { '@acme/guide': 'latest\u001b[31m' } }] }],
      ['dist-tag with terminal escapes', { ...index, distTags: { latest: '\u001b[31mRED\u001b]0;TITLE\u0007' } }],
      ['dist-tag over 64 characters', { ...index, distTags: { latest: long } }],
    ];
    for (const [what, value] of bad) expect(libraryIndexSchema.safeParse(value).success, what).toBe(false);
    expect(versionEntrySchema.safeParse({ ...entry, version: long.slice(0, 64) }).success).toBe(true);
  });

  it('matches the builder: a version it accepts is one clients accept, and a longer one is refused with its length', () => {
    for (const v of ['1.0.0', '1.0.0-rc.1', `1.0.0-${'a'.repeat(58)}`]) {
      expect(isValidVersion(v), v).toBe(true);
      expect(versionEntrySchema.shape.version.safeParse(v).success, v).toBe(true);
    }
    const long = `1.0.0-${'a'.repeat(59)}`;
    expect(isValidVersion(long)).toBe(false);
    expect(versionProblem(long)).toBe('is 65 characters long; the limit is 64');
    expect(versionProblem('1.0')).toBe('is not valid semver');
  });
});

describe('summary entry of a library without its version entries', () => {
  it('is the summary entry of its assembled index file: latest, yanked, all yanked, prereleases only, deprecated', () => {
    const r = rng(11);
    const record = (version: string, i: number): RecordVersion => ({
      key: `k${i}`, sha256: 'a'.repeat(64), integrity: 'sha512-AAAA', size: i, unpackedSize: i, fileCount: 1, publishedAt: `2026-01-0${1 + (i % 9)}T00:00:00.000Z`, commit: null,
      description: `d ${version}`, license: i % 2 ? 'MIT' : 'Apache-2.0', tags: [`t${i % 3}`], authors: [], repository: null, homepage: null, dependencies: {},
      docs: [{ path: 'README.md', title: version, description: null }], search: { titles: version, headings: '' },
    });
    const cases: { versions: string[]; meta: LibraryMeta }[] = [
      { versions: ['1.0.0', '1.1.0'], meta: { yanked: {} } },
      { versions: ['1.0.0', '1.1.0'], meta: { yanked: { '1.1.0': 'broken' } } },
      { versions: ['1.0.0', '2.0.0-rc.1'], meta: { yanked: { '1.0.0': 'x', '2.0.0-rc.1': 'y' } } },
      { versions: ['2.0.0-rc.1', '2.0.0-rc.2'], meta: { yanked: {} } },
      { versions: ['0.9.0'], meta: { yanked: {}, deprecated: 'use @acme/other' } },
    ];
    for (let round = 0; round < 40; round++) {
      const c = cases[round % cases.length] as (typeof cases)[number];
      const order = [...c.versions].sort(() => r() - 0.5); // the records come in folder order
      const versions = new Map(order.map((v, i) => [v, record(v, i + round)]));
      const index = assembleLibraryIndex('acme', 'lib', 'public', c.meta, versions);
      // the index file as defined: the newest publication, and the library's text from its latest version (else its highest)
      expect(index.updatedAt).toBe([...versions.values()].map((v) => v.publishedAt).sort().at(-1));
      expect(index.description).toBe(versions.get(index.distTags.latest ?? (sortVersions(c.versions).at(-1) as string))?.description);
      expect(librarySummary('acme', 'lib', c.meta, libraryHead(c.meta, versions)), JSON.stringify(c)).toEqual(summaryEntry(index));
      // the same JSON, key for key (summary pages and listing digests are compared as text)
      expect(JSON.stringify(librarySummary('acme', 'lib', c.meta, libraryHead(c.meta, versions)))).toBe(JSON.stringify(summaryEntry(index)));
    }
  });
});
