/** Pure naming rules for scopes, library names and versions (LIB-2). */
import semver from 'semver';

export const NAME_MIN = 3;
export const NAME_MAX = 64;
const NAME_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** Names that would clash with the protocol's own paths or mislead users. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'mdlibs', 'admin', 'administrator', 'api', 'app', 'assets', 'auth', 'config', 'docs', 'download',
  'downloads', 'help', 'index', 'login', 'logout', 'metrics', 'health', 'node-modules', 'official',
  'private', 'public', 'registry', 'root', 'search', 'security', 'settings', 'static', 'stats',
  'summary', 'support', 'system', 'tarballs', 'teams', 'users', 'www', 'null', 'undefined',
]);

export interface NameIssue {
  rule: 'length' | 'charset' | 'non-ascii' | 'uppercase' | 'hyphen' | 'reserved';
  message: string;
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0) ?? 0;
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  return CONTROL_CHARS_RE.test(ch) ? code : `'${ch}' (${code})`;
}

/** Checks one scope or name part (without the `@`). Returns null when valid. */
export function checkNamePart(part: string, what: 'scope' | 'name'): NameIssue | null {
  const nonAscii = [...part].find((c) => (c.codePointAt(0) ?? 0) > 0x7e || (c.codePointAt(0) ?? 0) < 0x20);
  if (nonAscii !== undefined) {
    return { rule: 'non-ascii', message: `${what} "${sanitizeForMessage(part)}" contains the non-ASCII or control character ${describeChar(nonAscii)}; only a-z, 0-9 and single hyphens are allowed` };
  }
  if (/[A-Z]/.test(part)) {
    return { rule: 'uppercase', message: `${what} "${part}" contains uppercase letters; names are lowercase only (try "${part.toLowerCase()}")` };
  }
  if (part.length < NAME_MIN || part.length > NAME_MAX) {
    return { rule: 'length', message: `${what} "${part}" is ${part.length} characters long; it must be ${NAME_MIN} to ${NAME_MAX}` };
  }
  if (!NAME_RE.test(part)) {
    if (/^-|-$|--/.test(part)) {
      return { rule: 'hyphen', message: `${what} "${part}" has a leading, trailing or double hyphen; use single hyphens between letters or digits` };
    }
    const bad = [...part].find((c) => !/[a-z0-9-]/.test(c)) ?? '?';
    return { rule: 'charset', message: `${what} "${part}" contains ${describeChar(bad)}; only a-z, 0-9 and single hyphens are allowed` };
  }
  if (RESERVED_NAMES.has(part)) {
    return { rule: 'reserved', message: `${what} "${part}" is reserved` };
  }
  return null;
}

export interface ParsedName {
  scope: string;
  name: string;
  /** `@scope/name` */
  full: string;
}

/** Splits `@scope/name`; returns null if the shape is wrong (parts are not checked). */
export function splitLibraryName(full: string): ParsedName | null {
  const m = /^@([^/]+)\/([^/]+)$/.exec(full);
  if (!m || m[1] === undefined || m[2] === undefined) return null;
  return { scope: m[1], name: m[2], full };
}

/** Full check of `@scope/name`; returns the first issue or null. */
export function checkLibraryName(full: string): NameIssue | null {
  const parsed = splitLibraryName(full);
  if (!parsed) return { rule: 'charset', message: `"${sanitizeForMessage(full)}" is not of the form @scope/name` };
  return checkNamePart(parsed.scope, 'scope') ?? checkNamePart(parsed.name, 'name');
}

/**
 * Skeleton for confusable detection: two distinct names with the same skeleton in one
 * registry are refused (like PyPI's and Cargo's look-alike checks, narrowed to ASCII).
 */
export function confusableSkeleton(part: string): string {
  return part
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/0/g, 'o')
    .replace(/[1il|]/g, 'l')
    .replace(/5/g, 's')
    .replace(/-/g, '');
}

/** Longest version string: lockfiles and project files (and the clients reading them) hold no longer one. */
export const MAX_VERSION_LENGTH = 64;

/** Valid, clean semver (no leading `v`, no build metadata ambiguity), at most MAX_VERSION_LENGTH characters. */
export function isValidVersion(v: string): boolean {
  return v.length <= MAX_VERSION_LENGTH && semver.valid(v) === v && !v.includes('+');
}

/** Why `v` is not a valid version, for a message: its length when too long, else that it is not clean semver. */
export function versionProblem(v: string): string {
  return v.length > MAX_VERSION_LENGTH ? `is ${v.length} characters long; the limit is ${MAX_VERSION_LENGTH}` : 'is not valid semver';
}

/** Makes a string safe to quote inside an error message (no control chars, bounded). */
export function sanitizeForMessage(s: string, max = 80): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** `s` in double quotes for a message: control characters shown as \uXXXX once (JSON.stringify on top escaped them twice). */
export function quoteForMessage(s: string, max = 80): string {
  return `"${sanitizeForMessage(s, max).replace(/"/g, '\\"')}"`;
}

/** Terminal control characters (C0 except tab/newline, DEL, C1, and bidi overrides). */
export const CONTROL_CHARS_RE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Removes terminal control characters: for printing untrusted metadata. */
export function stripControlChars(s: string): string {
  return s.replace(new RegExp(CONTROL_CHARS_RE.source, 'g'), '');
}
