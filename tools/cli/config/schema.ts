/** Schemas of the CLI's own files: global config.toml, credentials.toml, the project part of .mdlibs.toml. */
import { z } from 'zod';
import { dependencyMap } from '../../../index-builder/src/format/protocol.js';

/** Longest per-request timeout (10 minutes); Node's timers overflow past 2^31-1 ms and fire after 1 ms. */
export const MAX_TIMEOUT_MS = 600_000;

/** Why a timeout in milliseconds is refused, or null: the rule of `timeout_ms`, MDLIBS_TIMEOUT_MS and --timeout. */
export function timeoutIssue(ms: number): string | null {
  if (!Number.isInteger(ms) || ms <= 0) return 'is not a positive whole number of milliseconds';
  if (ms > MAX_TIMEOUT_MS) return `is more than ${MAX_TIMEOUT_MS} ms (10 minutes)`;
  return null;
}

/** Names that are properties of every JavaScript object: as keys they are lost or mistaken for an entry. */
export const RESERVED_REGISTRY_NAMES: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Why a registry name is refused, or null: 1-64 letters, digits, dots, dashes, underscores, not a reserved name. */
export function registryNameIssue(name: string): string | null {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(name)) return 'use 1-64 letters, digits, dots, dashes or underscores';
  if (RESERVED_REGISTRY_NAMES.has(name)) return `"${name}" is reserved (__proto__, constructor and prototype cannot be registry names)`;
  return null;
}

const registryName = z.string().refine((n) => registryNameIssue(n) === null, { error: (iss) => registryNameIssue(String(iss.input)) ?? 'not a registry name' });

const registryEntry = z.strictObject({
  url: z.string().min(1).max(2048),
});

export const globalConfigSchema = z.strictObject({
  /** Name of the default registry (a key of [registries]) or a URL. */
  default: z.string().min(1).max(2048).optional(),
  timeout_ms: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  cache_dir: z.string().min(1).max(4096).optional(),
  registries: z.record(registryName, registryEntry).default({}),
});
export type GlobalConfig = z.infer<typeof globalConfigSchema>;

export const credentialsSchema = z.strictObject({
  /** Keyed by the normalised registry URL. */
  registries: z.record(z.string(), z.strictObject({
    token: z.string().min(1).max(4096),
    user: z.string().max(200).optional(),
    created: z.string().max(64).optional(),
  })).default({}),
});
export type Credentials = z.infer<typeof credentialsSchema>;

/**
 * The project file `.mdlibs.toml`. In a project (a folder you install into) it has
 * `[project]`, `[registries]` and `[dependencies]`. In a library folder it is the library
 * manifest (`[library]` + `[dependencies]`); then only `[dependencies]` is read here, and
 * project settings must go to the global config (the builder's manifest schema is strict).
 */
export const projectFileSchema = z.object({
  library: z.record(z.string(), z.unknown()).optional(),
  project: z.strictObject({
    registry: z.string().min(1).max(2048).optional(),
    install_dir: z.string().min(1).max(200).regex(/^[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/, 'a relative folder without ..').refine((s) => !s.split('/').includes('..'), 'must not contain ..').optional(),
    timeout_ms: z.number().int().positive().max(MAX_TIMEOUT_MS).optional(),
  }).optional(),
  registries: z.record(registryName, registryEntry).default({}),
  dependencies: dependencyMap().default({}),
});
export type ProjectFile = z.infer<typeof projectFileSchema>;
