/**
 * The build record (`build-record.json`): what each published version was, keyed by
 * `@scope/name@version`. Drives incremental builds (BUILD-3) and immutability (BUILD-4).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { MdlibsError } from '../errors.js';
import { PATHS } from '../format/paths.js';
import { versionEntrySchema } from '../format/protocol.js';

/** Bump when outputs for the same input change, to force a full rebuild. */
export const BUILDER_FORMAT = 'mdlibs-build/1';

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

/**
 * Versions are checked shallowly when a record is read (the fields the builder keys on):
 * a full schema parse of a 10,000-library record costs about as much as the JSON parse itself
 * and the record is the builder's own output. `recordVersionSchema` documents the whole shape.
 */
const recordVersionShallow = z.looseObject({ key: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), integrity: z.string(), publishedAt: z.string(), docs: z.array(z.unknown()), search: z.object({ titles: z.string(), headings: z.string() }) });

export const buildRecordSchema = z.object({
  record: z.literal(1),
  builder: z.string(),
  /** Hash of the limits in force: other limits mean a full re-validation. */
  limits: z.string(),
  versions: z.record(z.string(), recordVersionShallow.transform((v) => v as unknown as RecordVersion)),
  deleted: z.record(z.string(), tombstoneSchema),
  /** `@scope/name` -> sha256 of its emitted index JSON. */
  libraries: z.record(z.string(), z.string()),
  /** Derived file (e.g. `search/index.json`) -> sha256 of the input it was made from. */
  outputs: z.record(z.string(), z.string()).default({}),
});
export type BuildRecord = z.infer<typeof buildRecordSchema>;

export function emptyRecord(limits: string): BuildRecord {
  return { record: 1, builder: BUILDER_FORMAT, limits, versions: {}, deleted: {}, libraries: {}, outputs: {} };
}

export function versionId(full: string, version: string): string {
  return `${full}@${version}`;
}

/** Reads the record of a previous output tree; null when there is none. */
export function readRecord(dir: string | null): BuildRecord | null {
  if (!dir) return null;
  const p = join(dir, PATHS.buildRecord);
  if (!existsSync(p)) return null;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(p, 'utf8'));
  } catch {
    raw = undefined;
  }
  const res = buildRecordSchema.safeParse(raw);
  if (!res.success) {
    throw new MdlibsError('MDL_RECORD_INVALID', `${p} is not a valid build record`, { hint: 'restore the previous output tree, or delete the output folder to start over (immutability checks then start from scratch)' });
  }
  return res.data;
}

/** Merges the public and private records of the previous build. */
export function mergeRecords(a: BuildRecord | null, b: BuildRecord | null): BuildRecord | null {
  if (!a) return b;
  if (!b) return a;
  return { ...a, versions: { ...a.versions, ...b.versions }, deleted: { ...a.deleted, ...b.deleted }, libraries: { ...a.libraries, ...b.libraries }, outputs: { ...a.outputs, ...b.outputs } };
}
