/**
 * Schemas of the files authors and registry admins write (LIB-1, REPO-1).
 * Defined once here; types, JSON Schema (docs) and validation derive from them.
 */
import { z } from 'zod';

const url = z.string().max(512).regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');
const tag = z.string().regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'tags are lowercase letters, digits and single hyphens').min(2).max(32);
const glob = z.string().min(1).max(200);

export const manifestSchema = z.strictObject({
  library: z.strictObject({
    name: z.string().max(140),
    version: z.string().max(64),
    description: z.string().min(1).max(280),
    license: z.string().min(1).max(120),
    tags: z.array(tag).max(20).default([]),
    authors: z.array(z.string().min(1).max(200)).max(50).default([]),
    repository: url.optional(),
    homepage: url.optional(),
    include: z.array(glob).max(50).optional(),
    exclude: z.array(glob).max(50).optional(),
  }),
  dependencies: z.record(z.string().max(140), z.string().min(1).max(64)).default({}),
});
export type Manifest = z.infer<typeof manifestSchema>;

export const DEFAULT_LIMITS = {
  /** Largest single file, bytes. */
  maxFileBytes: 1024 * 1024,
  /** Largest version folder (sum of packed files), bytes. */
  maxLibraryBytes: 10 * 1024 * 1024,
  /** Most files in one version. */
  maxFiles: 1000,
  /** Largest YAML frontmatter block, bytes. */
  maxFrontmatterBytes: 16 * 1024,
  /** Most YAML nodes a frontmatter block may expand to (alias bombs). */
  maxFrontmatterNodes: 2000,
} as const;

/**
 * Highest values the builder accepts. It reads each file whole and packs a version in memory
 * (Node reads at most 2 GiB at once: a larger limit let a 3 GB file crash the build), and counts
 * frontmatter nodes one by one (a limit in the billions let an alias bomb hang it).
 */
export const MAX_LIMITS = {
  maxFileBytes: 1024 * 1024 * 1024,
  maxLibraryBytes: 1024 * 1024 * 1024,
  maxFrontmatterNodes: 100_000,
} as const;

const limit = (fallback: number, max?: { value: number; why: string }) => {
  const n = z.number().int().positive();
  return (max ? n.max(max.value, `must be at most ${max.value} (${max.why})`) : n).default(fallback);
};

export const limitsSchema = z.strictObject({
  max_file_bytes: limit(DEFAULT_LIMITS.maxFileBytes, { value: MAX_LIMITS.maxFileBytes, why: '1 GiB: the builder holds each file in memory' }),
  max_library_bytes: limit(DEFAULT_LIMITS.maxLibraryBytes, { value: MAX_LIMITS.maxLibraryBytes, why: '1 GiB: the builder packs a version in memory' }),
  max_files: limit(DEFAULT_LIMITS.maxFiles),
  max_frontmatter_bytes: limit(DEFAULT_LIMITS.maxFrontmatterBytes),
  max_frontmatter_nodes: limit(DEFAULT_LIMITS.maxFrontmatterNodes, { value: MAX_LIMITS.maxFrontmatterNodes, why: 'the count that stops YAML alias bombs' }),
});

export const visibilitySchema = z.enum(['public', 'private']);
export type Visibility = z.infer<typeof visibilitySchema>;

export const signingKeySchema = z.strictObject({
  user: z.string().min(1).max(64),
  type: z.enum(['ssh', 'gpg']),
  /** ssh: the public key line; gpg: the ASCII-armored public key block. */
  key: z.string().min(1).max(20_000),
  /** gpg: the primary key fingerprint (40 hex). */
  fingerprint: z.string().regex(/^[0-9A-F]{40}$/).optional(),
});

export const registryConfigSchema = z.strictObject({
  registry: z.strictObject({
    name: z.string().min(1).max(120),
    description: z.string().max(500).default(''),
    /** Public base URL of the static tree, e.g. https://docs.example.com/registry/ */
    url: url,
    /** API base when an mdlibs server runs in front of the tree, e.g. /api/v1 */
    api: z.string().max(512).optional(),
    visibility: visibilitySchema.default('public'),
    /** Registry admins (Git-host usernames): may delete versions and change scope files. */
    admins: z.array(z.string().min(1).max(64)).default([]),
    /** Git repository of the registry, for publishing (CLI-6). */
    repository: z.string().max(512).optional(),
    /** Branch that publishing targets. */
    branch: z.string().max(120).default('main'),
    /** How `mdlibs publish` reaches the registry repo by default. */
    publish_via: z.enum(['pr', 'git']).default('pr'),
  }),
  limits: limitsSchema.default(limitsSchema.parse({})),
  /** Signing keys of registry admins (PUB-3): the only keys trusted for admin-only changes in direct pushes. */
  keys: z.array(signingKeySchema).default([]),
});
export type RegistryConfig = z.infer<typeof registryConfigSchema>;

export const memberSchema = z.strictObject({
  user: z.string().min(1).max(64),
  role: z.enum(['admin', 'member']),
});

export const scopeFileSchema = z.strictObject({
  scope: z.strictObject({
    name: z.string(),
    display_name: z.string().min(1).max(120),
    description: z.string().max(500).default(''),
    visibility: visibilitySchema.optional(),
    homepage: url.optional(),
  }),
  members: z.array(memberSchema).default([]),
  keys: z.array(signingKeySchema).default([]),
});
export type ScopeFile = z.infer<typeof scopeFileSchema>;

export const libraryMetaSchema = z.strictObject({
  /** Deprecation notice shown on install and on the library page. */
  deprecated: z.string().min(1).max(500).optional(),
  /** version -> reason */
  yanked: z.record(z.string(), z.string().min(1).max(500)).default({}),
});
export type LibraryMeta = z.infer<typeof libraryMetaSchema>;

export const frontmatterSchema = z.looseObject({
  title: z.string().max(200).optional(),
  description: z.string().max(500).optional(),
  tags: z.array(z.string().max(32)).max(20).optional(),
});
