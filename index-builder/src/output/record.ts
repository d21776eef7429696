/**
 * The build record (`build-record.json`): what each published version was, keyed by
 * `@scope/name@version`. Drives incremental builds (BUILD-3) and immutability (BUILD-4).
 * Its file (reading, parsing, writing): record-file.ts.
 */
import { z } from 'zod';
import { checkNamePart, isValidVersion } from '../format/names.js';
import { versionEntrySchema, type SummaryEntry } from '../format/protocol.js';
import type { CarriedLibrary } from '../read/registry.js';

/** Bump when outputs for the same input change, to force a full rebuild. */
export const BUILDER_FORMAT = 'mdlibs-build/2';

/**
 * What the record keeps of a version: its index entry minus what the build derives again
 * (path, version, yank state from meta.toml), plus the input key, links and search text.
 */
export const recordVersionSchema = versionEntrySchema.omit({ version: true, tarball: true, yanked: true, yankedReason: true }).extend({
  key: z.string(),
  repository: z.string().nullable(),
  homepage: z.string().nullable(),
  search: z.object({ titles: z.string(), headings: z.string() }),
});
export type RecordVersion = z.infer<typeof recordVersionSchema>;

export const tombstoneSchema = z.object({ sha256: z.string(), integrity: z.string() });

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Versions are checked shallowly when a record is read (the fields the builder keys on): a full
 * schema parse of a 10,000-library record costs about as much as the JSON parse itself and the
 * record is the builder's own output; `recordVersionSchema` documents the whole shape. A plain
 * function rather than a zod object: on a 20,000-version record zod's object parse took
 * 134-238 ms (3 runs on the bench registry's record), this check a few ms.
 */
export function isShallowVersion(v: unknown): v is RecordVersion {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  // an entry not parsed yet (record-file.ts LazyVersion) is checked when it is read
  if (isUnparsed(v)) return true;
  const o = v as Record<string, unknown>;
  if (!(typeof o.key === 'string' && typeof o.sha256 === 'string' && SHA256_HEX.test(o.sha256) && typeof o.integrity === 'string' && typeof o.publishedAt === 'string')) return false;
  // a tail not parsed yet (record-file.ts lazyTail) is checked when it is read
  if (isLazyMember(o, 'docs')) return true;
  const search = o.search as Record<string, unknown> | null | undefined;
  return Array.isArray(o.docs) && typeof search === 'object' && search !== null && typeof search.titles === 'string' && typeof search.headings === 'string';
}

/**
 * True on a version entry not parsed yet (record-file.ts LazyVersion), until a member is read,
 * which parses the whole entry. A symbol member rather than a WeakSet: 20,000 entries in weak
 * collections slowed every garbage collection of a rebuild.
 */
export const UNPARSED = Symbol('unparsed version entry');

const isUnparsed = (entry: object): boolean => (entry as { [UNPARSED]?: boolean })[UNPARSED] === true;

/** Whether `member` of a version entry is still unparsed (record-file.ts lazyTail, or a whole entry not parsed yet): reading it parses it. */
export function isLazyMember(entry: object, member: 'docs' | 'search'): boolean {
  return isUnparsed(entry) || Object.getOwnPropertyDescriptor(entry, member)?.get !== undefined;
}

/** A plain object whose every own value passes `valid` (its members are not copied). */
const isPlainMap = <T>(valid: (v: unknown) => boolean) => (m: unknown): m is Record<string, T> => {
  if (typeof m !== 'object' || m === null || Array.isArray(m)) return false;
  for (const k in m) if (Object.hasOwn(m, k) && !valid((m as Record<string, unknown>)[k])) return false;
  return true;
};
const isString = (v: unknown): boolean => typeof v === 'string';

/**
 * A library of a scope taken over (ScopeCarry), with what the next build needs of it without
 * parsing its version entries: its summary entry, the size of its tarballs, and the dependencies
 * of those of its versions that have any. Records of mdlibs before these had none: such a scope
 * is read again (record-file.ts parses its entries as any other).
 */
export interface CarriedLibraryRecord extends CarriedLibrary {
  entry?: SummaryEntry;
  /** The sum of its versions' tarball sizes. */
  bytes?: number;
  /** Version -> its dependencies, for the versions that have any. */
  dependencies?: Record<string, Record<string, string>>;
}

/** A scope's libraries as a build read them from its folder (BuildRecord.scopes). */
export interface ScopeCarry {
  tree: string;
  libraries: CarriedLibraryRecord[];
}

/** Whether every library of `c` has what a build takes over without parsing its version entries (CarriedLibraryRecord). */
export function isComplete(c: ScopeCarry): boolean {
  return c.libraries.every((l) => l.entry !== undefined && l.bytes !== undefined);
}

/**
 * The shape readLibraries relies on, meta.toml's fields included (libraryMetaSchema), and names
 * and versions a library folder may have: they become paths of the tree (a `../` in a forged
 * record must not). A few ms for 10,000 libraries.
 */
function isCarriedLibrary(v: unknown): v is CarriedLibraryRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  const meta = o.meta as Record<string, unknown> | null | undefined;
  return typeof o.name === 'string' && checkNamePart(o.name, 'name') === null
    && (o.entry === undefined || isSummaryEntry(o.entry)) && (o.bytes === undefined || (Number.isSafeInteger(o.bytes) && (o.bytes as number) >= 0))
    && (o.dependencies === undefined || isPlainMap<Record<string, string>>(isPlainMap<string>(isString))(o.dependencies))
    && Array.isArray(o.versions) && o.versions.every(isVersionString)
    && typeof meta === 'object' && meta !== null && !Array.isArray(meta)
    && isPlainMap<string>(isString)(meta.yanked) && (meta.deprecated === undefined || typeof meta.deprecated === 'string')
    && Object.keys(meta).every((k) => k === 'yanked' || k === 'deprecated');
}
/**
 * Versions found valid (isValidVersion): a record of 10,000 libraries names 20,000 versions, most
 * of them the same few strings, and parsing each with semver took ~25 ms of every rebuild.
 * A cache of a pure check, bounded.
 */
const VALID_VERSIONS = new Set<string>();
function isVersionString(x: unknown): boolean {
  if (typeof x !== 'string') return false;
  if (VALID_VERSIONS.has(x)) return true;
  if (!isValidVersion(x)) return false;
  if (VALID_VERSIONS.size < 10_000) VALID_VERSIONS.add(x);
  return true;
}

/** A summary entry's shape (summaryEntrySchema), checked by hand as the rest of the record. */
function isSummaryEntry(v: unknown): v is SummaryEntry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.name === 'string' && typeof o.scope === 'string' && typeof o.description === 'string' && (o.latest === null || typeof o.latest === 'string')
    && Array.isArray(o.tags) && o.tags.every(isString) && typeof o.license === 'string' && typeof o.updatedAt === 'string' && typeof o.deprecated === 'boolean'
    && Number.isSafeInteger(o.versionCount);
}
function isScopeCarry(v: unknown): v is ScopeCarry {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const o = v as Record<string, unknown>;
  return typeof o.tree === 'string' && Array.isArray(o.libraries) && o.libraries.every(isCarriedLibrary);
}
/**
 * The large maps (20,000 versions, 10,000 libraries three times at 10,000 libraries) are checked
 * by a loop, not by `z.record`, which copied each into a new object: ~33 ms of every rebuild's
 * read phase on the bench registry's record.
 */
const stringMap = () => z.custom<Record<string, string>>(isPlainMap<string>(isString));

export const buildRecordSchema = z.object({
  record: z.literal(1),
  builder: z.string(),
  /** Hash of the limits in force: other limits mean a full re-validation. */
  limits: z.string(),
  versions: z.custom<Record<string, RecordVersion>>(isPlainMap<RecordVersion>(isShallowVersion)),
  deleted: z.record(z.string(), tombstoneSchema),
  /** `@scope/name` -> sha256 of its emitted index JSON. */
  libraries: stringMap(),
  /**
   * `@scope/name` -> sha256 of what its index file is made of besides its versions' records
   * (visibility, meta.toml, version list). When these and every record are unchanged, the next
   * build carries the index hash over. Changing how index files are assembled needs a new
   * BUILDER_FORMAT (test/builder/roundtrip.test.ts pins the shape).
   */
  libraryInputs: stringMap().default({}),
  /** Derived file (e.g. `search/index.json`) -> sha256 of the input it was made from. */
  outputs: stringMap().default({}),
  /**
   * Search document id -> hash of the document the output's search/index.json holds. Present
   * when that index is canonical (search/merge-index.ts): the next build updates it in place of
   * re-indexing every document.
   */
  searchDocs: stringMap().optional(),
  /**
   * Scope -> the Git tree id its folder `libraries/@scope` had, and its libraries as read from it
   * (name, meta.toml, version folders), for each scope of this output found with nothing changed
   * in the work tree. The next build takes a scope's libraries from here instead of reading its
   * folders again when the folder has the same tree id and is still clean (read/registry.ts
   * readLibraries).
   */
  scopes: z.custom<Record<string, ScopeCarry>>(isPlainMap<ScopeCarry>(isScopeCarry)).optional(),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

export function emptyRecord(limits: string): BuildRecord {
  return { record: 1, builder: BUILDER_FORMAT, limits, versions: {}, deleted: {}, libraries: {}, libraryInputs: {}, outputs: {} };
}

export function versionId(full: string, version: string): string {
  return `${full}@${version}`;
}

/** Merges the public and private records of the previous build. */
export function mergeRecords(a: BuildRecord | null, b: BuildRecord | null): BuildRecord | null {
  if (!a) return b;
  if (!b) return a;
  return { ...a, versions: { ...a.versions, ...b.versions }, deleted: { ...a.deleted, ...b.deleted }, libraries: { ...a.libraries, ...b.libraries }, libraryInputs: { ...a.libraryInputs, ...b.libraryInputs }, outputs: { ...a.outputs, ...b.outputs }, scopes: { ...a.scopes, ...b.scopes } };
}
