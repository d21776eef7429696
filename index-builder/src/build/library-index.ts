/** Pure assembly of a library's index file (PROTO-2) from its versions and meta.toml. */
import { SemVer } from 'semver';
import type { LibraryIndex, SummaryEntry, VersionEntry } from '../format/protocol.js';
import { tarballPath } from '../format/paths.js';
import type { LibraryMeta, Visibility } from '../format/source-schema.js';
import type { RecordVersion } from '../output/record.js';

/** Version strings in ascending semver order (build metadata breaking ties, as semver.sort), each parsed once. */
export function sortVersions(versions: Iterable<string>): string[] {
  const parsed = [...versions].map((v) => [v, new SemVer(v)] as const);
  if (parsed.length < 2) return parsed.map(([v]) => v);
  return parsed.sort((a, b) => a[1].compare(b[1]) || a[1].compareBuild(b[1])).map(([v]) => v);
}

/** The latest version: the highest stable one not yanked, else the highest not yanked; `ordered` ascending (sortVersions). */
export function pickLatest(ordered: readonly { version: string; yanked: boolean }[]): string | null {
  let prerelease: string | null = null;
  for (let i = ordered.length - 1; i >= 0; i--) {
    const v = ordered[i] as { version: string; yanked: boolean };
    if (v.yanked) continue;
    const plus = v.version.indexOf('+'); // build metadata may hold '-' too; a prerelease part comes before it
    if (!(plus < 0 ? v.version : v.version.slice(0, plus)).includes('-')) return v.version;
    prerelease ??= v.version;
  }
  return prerelease;
}

/** What a library's index file says of the library as a whole, from its versions' records and meta.toml. */
export interface LibraryHead {
  /** Version strings, ascending (sortVersions). */
  ordered: string[];
  /** `distTags.latest` (pickLatest), null when every version is yanked. */
  latest: string | null;
  /** The record of `latest`, else of the highest version: the library's description, tags, license... */
  head: RecordVersion;
  /** The newest `publishedAt`. */
  updatedAt: string;
}

/** The library-wide part of an index file, without building its version entries (their docs are not read). */
export function libraryHead(meta: LibraryMeta, versions: ReadonlyMap<string, RecordVersion>): LibraryHead {
  const ordered = sortVersions(versions.keys());
  const latest = pickLatest(ordered.map((version) => ({ version, yanked: meta.yanked[version] !== undefined })));
  let updatedAt = '';
  for (const r of versions.values()) if (r.publishedAt > updatedAt) updatedAt = r.publishedAt;
  return { ordered, latest, head: versions.get(latest ?? ordered[ordered.length - 1] ?? '') as RecordVersion, updatedAt };
}

/** `summaryEntry(assembleLibraryIndex(...))`, from the library's head alone (tested). */
export function librarySummary(scope: string, name: string, meta: LibraryMeta, h: LibraryHead): SummaryEntry {
  return {
    name: `@${scope}/${name}`, scope, description: h.head.description, latest: h.latest, tags: h.head.tags,
    license: h.head.license, updatedAt: h.updatedAt, deprecated: (meta.deprecated ?? null) !== null, versionCount: h.ordered.length,
  };
}

export function assembleLibraryIndex(
  scope: string,
  name: string,
  visibility: Visibility,
  meta: LibraryMeta,
  versions: ReadonlyMap<string, RecordVersion>,
  known: LibraryHead = libraryHead(meta, versions),
): LibraryIndex {
  const { ordered, latest, head, updatedAt } = known;
  const entries: VersionEntry[] = ordered.map((v) => {
    const r = versions.get(v) as RecordVersion;
    const reason = meta.yanked[v];
    return {
      version: v, description: r.description, license: r.license, tags: r.tags, authors: r.authors, dependencies: r.dependencies,
      tarball: tarballPath(scope, name, v), sha256: r.sha256, integrity: r.integrity, size: r.size, unpackedSize: r.unpackedSize,
      fileCount: r.fileCount, publishedAt: r.publishedAt, commit: r.commit, yanked: reason !== undefined, yankedReason: reason ?? null, docs: r.docs,
    };
  });
  return {
    name: `@${scope}/${name}`, scope, visibility,
    description: head.description, license: head.license, tags: head.tags, authors: head.authors,
    repository: head.repository, homepage: head.homepage, deprecated: meta.deprecated ?? null,
    distTags: latest ? { latest } : {},
    updatedAt,
    versions: entries,
  };
}
