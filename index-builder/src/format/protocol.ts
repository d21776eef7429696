/**
 * The static protocol (PROTO-1..5): what the builder emits and what clients read.
 * docs/protocol.md documents these; test/protocol-docs.test.ts checks the docs name every field.
 */
import semver from 'semver';
import { z } from 'zod';
import { checkLibraryName, MAX_VERSION_LENGTH, quoteForMessage } from './names.js';
import { visibilitySchema } from './source-schema.js';

export const PROTOCOL_VERSION = 1;

export const configJsonSchema = z.object({
  protocol: z.literal(PROTOCOL_VERSION),
  registry: z.object({
    name: z.string(),
    description: z.string(),
    url: z.string(),
  }),
  /** URL templates, relative to the registry root. Placeholders: {scope} {name} {version} {page}. */
  templates: z.object({
    index: z.string(),
    tarball: z.string(),
    summaryPage: z.string(),
  }),
  summary: z.string(),
  search: z.object({ index: z.string(), format: z.literal('minisearch-7') }),
  /** API base, when an mdlibs server runs in front of the tree; else null. */
  api: z.string().nullable(),
  auth: z.object({
    /** True when some scopes are private (served only by the mdlibs server to token holders). */
    privateScopes: z.boolean(),
  }),
});
export type ConfigJson = z.infer<typeof configJsonSchema>;

export const docEntrySchema = z.object({
  path: z.string(),
  title: z.string(),
  description: z.string().nullable(),
});
export type DocEntry = z.infer<typeof docEntrySchema>;

/**
 * `s` restricted to version strings semver can parse: clients sort and compare them (a hostile
 * index or an edited lockfile must not make them throw); the message names the value, safely.
 */
export function semverVersion(s: z.ZodString): z.ZodString {
  // as written: semver.valid also takes " 1.0.0", "\r1.0.0" or "v1.0.0" and returns them cleaned
  return s.refine((v) => semver.valid(v) === v, { error: (iss) => `${quoteForMessage(String(iss.input))} is not a semver version` });
}

/** A string of at most `max` characters; the message says how long it is (zod's says "Too big"). */
export function shortString(max: number): z.ZodString {
  return z.string().max(max, { error: (iss) => `is ${typeof iss.input === 'string' ? iss.input.length : '?'} characters long; the limit is ${max}` });
}

/** `s` restricted to a valid `@scope/name` (the message is the name rule it breaks). */
export function libraryName(s: z.ZodString): z.ZodString {
  return s.refine((n) => checkLibraryName(n) === null, { error: (iss) => checkLibraryName(String(iss.input))?.message ?? 'not a library name' });
}

/** `s` restricted to a version range semver can parse (`^1.2`, `~2.0`, `1.x`, `*`). */
export function semverRange(s: z.ZodString): z.ZodString {
  return s.refine((r) => semver.validRange(r) !== null, { error: (iss) => `${quoteForMessage(String(iss.input))} is not a semver range` });
}

/** Dependencies as a project file or a lockfile holds them: `@scope/name` -> semver range. */
export function dependencyMap() {
  return z.record(libraryName(shortString(140)), semverRange(shortString(64).min(1)));
}

export const versionEntrySchema = z.object({
  version: semverVersion(shortString(MAX_VERSION_LENGTH)),
  description: z.string(),
  license: z.string(),
  tags: z.array(z.string()),
  authors: z.array(z.string()),
  /** As in the manifest: `@scope/name` -> semver range (at most 64 characters). */
  dependencies: dependencyMap(),
  /** Tarball path relative to the registry root. */
  tarball: z.string(),
  /** Hex sha256 of the tarball bytes. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  /** SRI string: `sha512-<base64>`. */
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+=*$/),
  /** Tarball size in bytes. */
  size: z.number().int().nonnegative(),
  unpackedSize: z.number().int().nonnegative(),
  fileCount: z.number().int().nonnegative(),
  /** ISO 8601, from the commit that added the version folder (first-seen time for plain folders). */
  publishedAt: z.string(),
  /** Commit that added the version folder; null for a plain folder. */
  commit: z.string().nullable(),
  yanked: z.boolean(),
  yankedReason: z.string().nullable(),
  docs: z.array(docEntrySchema),
});
export type VersionEntry = z.infer<typeof versionEntrySchema>;

export const libraryIndexSchema = z.object({
  name: z.string(),
  scope: z.string(),
  visibility: visibilitySchema,
  description: z.string(),
  license: z.string(),
  tags: z.array(z.string()),
  authors: z.array(z.string()),
  repository: z.string().nullable(),
  homepage: z.string().nullable(),
  deprecated: z.string().nullable(),
  /** `latest`: highest version that is neither yanked nor a prerelease (else highest non-yanked). */
  distTags: z.record(z.string(), semverVersion(shortString(MAX_VERSION_LENGTH))),
  updatedAt: z.string(),
  /** Sorted by semver precedence, ascending. */
  versions: z.array(versionEntrySchema),
});
export type LibraryIndex = z.infer<typeof libraryIndexSchema>;

export const summaryEntrySchema = z.object({
  name: z.string(),
  scope: z.string(),
  description: z.string(),
  latest: z.string().nullable(),
  tags: z.array(z.string()),
  license: z.string(),
  updatedAt: z.string(),
  deprecated: z.boolean(),
  versionCount: z.number().int(),
});
export type SummaryEntry = z.infer<typeof summaryEntrySchema>;

export const summaryIndexSchema = z.object({
  total: z.number().int(),
  pageSize: z.number().int(),
  pages: z.array(z.string()),
  tags: z.record(z.string(), z.number().int()),
  scopes: z.array(z.object({ name: z.string(), displayName: z.string(), description: z.string(), visibility: visibilitySchema, libraries: z.number().int() })),
});
export type SummaryIndex = z.infer<typeof summaryIndexSchema>;

export const summaryPageSchema = z.object({
  page: z.number().int(),
  entries: z.array(summaryEntrySchema),
});
export type SummaryPage = z.infer<typeof summaryPageSchema>;

/** One MiniSearch document per library (its latest version). */
export interface SearchDoc {
  id: string;
  name: string;
  scope: string;
  description: string;
  tags: string;
  titles: string;
  headings: string;
  latest: string;
}

/** Options to create or load the prebuilt MiniSearch index; clients must use the same. */
export const SEARCH_OPTIONS = {
  fields: ['name', 'description', 'tags', 'titles', 'headings'],
  storeFields: ['name', 'scope', 'description', 'tags', 'latest'],
  searchOptions: { boost: { name: 3, tags: 2, description: 1.5 }, prefix: true, fuzzy: 0.2 },
} as const;

/** Time-dependent build facts (not part of determinism). */
export const buildInfoSchema = z.object({
  builtAt: z.string(),
  commit: z.string().nullable(),
  libraries: z.number().int(),
  versions: z.number().int(),
});
export type BuildInfo = z.infer<typeof buildInfoSchema>;

/** Scope and team data for the server (teams API, private access). Emitted at `teams.json` (public scopes) and in the private tree. */
export const teamsJsonSchema = z.object({
  admins: z.array(z.string()),
  scopes: z.array(z.object({
    name: z.string(),
    displayName: z.string(),
    description: z.string(),
    visibility: visibilitySchema,
    members: z.array(z.object({ user: z.string(), role: z.enum(['admin', 'member']) })),
  })),
});
export type TeamsJson = z.infer<typeof teamsJsonSchema>;
