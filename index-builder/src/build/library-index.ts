/** Pure assembly of a library's index file (PROTO-2) from its versions and meta.toml. */
import semver from 'semver';
import type { LibraryIndex, VersionEntry } from '../format/protocol.js';
import { tarballPath } from '../format/paths.js';
import type { LibraryMeta, Visibility } from '../format/source-schema.js';
import type { RecordVersion } from '../output/record.js';

export function pickLatest(versions: readonly { version: string; yanked: boolean }[]): string | null {
  const live = versions.filter((v) => !v.yanked).map((v) => v.version);
  const stable = live.filter((v) => semver.prerelease(v) === null);
  const pool = stable.length ? stable : live;
  return pool.length ? (semver.rsort([...pool])[0] ?? null) : null;
}

export function assembleLibraryIndex(
  scope: string,
  name: string,
  visibility: Visibility,
  meta: LibraryMeta,
  versions: ReadonlyMap<string, RecordVersion>,
): LibraryIndex {
  const ordered = semver.sort([...versions.keys()]);
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
