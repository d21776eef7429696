/** Pure assembly of a library's index file (PROTO-2) from its versions and meta.toml. */
import { SemVer } from 'semver';
import type { LibraryIndex, VersionEntry } from '../format/protocol.js';
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

export function assembleLibraryIndex(
  scope: string,
  name: string,
  visibility: Visibility,
  meta: LibraryMeta,
  versions: ReadonlyMap<string, RecordVersion>,
): LibraryIndex {
  const ordered = sortVersions(versions.keys());
  const entries: VersionEntry[] = ordered.map((v) => {
    const r = versions.get(v) as RecordVersion;
    const reason = meta.yanked[v];
    return {
      version: v, description: r.description, license: r.license, tags: r.tags, authors: r.authors, dependencies: r.dependencies,
      tarball: tarballPath(scope, name, v), sha256: r.sha256, integrity: r.integrity, size: r.size, unpackedSize: r.unpackedSize,
      fileCount: r.fileCount, publishedAt: r.publishedAt, commit: r.commit, yanked: reason !== undefined, yankedReason: reason ?? null, docs: r.docs,
    };
  });
  const latest = pickLatest(entries);
  const head = versions.get(latest ?? ordered[ordered.length - 1] ?? '') as RecordVersion;
  return {
    name: `@${scope}/${name}`, scope, visibility,
    description: head.description, license: head.license, tags: head.tags, authors: head.authors,
    repository: head.repository, homepage: head.homepage, deprecated: meta.deprecated ?? null,
    distTags: latest ? { latest } : {},
    updatedAt: entries.reduce((m, e) => (e.publishedAt > m ? e.publishedAt : m), ''),
    versions: entries,
  };
}
