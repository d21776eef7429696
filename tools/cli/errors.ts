/**
 * The CLI's error codes (user-facing; plain Error is for bugs). Each code has an exit
 * code and is documented in docs/cli.md (test/cli/docs.test.ts checks it).
 */
import { MdlibsError } from '../../index-builder/src/errors.js';

/** Exit codes; docs/cli.md lists them. */
export const EXIT = {
  ok: 0,
  failure: 1,
  usage: 2,
  network: 3,
  auth: 4,
  integrity: 5,
  notFound: 6,
  lockfile: 7,
  busy: 8,
  localChanges: 9,
  internal: 70,
} as const;

export const CLI_ERRORS = {
  CLI_USAGE: { exit: EXIT.usage, summary: 'The command line is wrong (unknown option, missing argument, bad value)' },
  CLI_CONFIG_INVALID: { exit: EXIT.failure, summary: 'config.toml, credentials.toml or the project .mdlibs.toml does not parse or match its schema' },
  CLI_NO_REGISTRY: { exit: EXIT.usage, summary: 'No registry is configured for the command' },
  CLI_REGISTRY_UNKNOWN: { exit: EXIT.usage, summary: 'A named registry is not in the configuration' },
  CLI_REGISTRY_EXISTS: { exit: EXIT.failure, summary: 'A registry with that name already exists' },
  CLI_URL_INVALID: { exit: EXIT.usage, summary: 'A registry URL is not a valid http(s) URL' },
  CLI_NETWORK: { exit: EXIT.network, summary: 'The registry could not be reached (connection refused, DNS, reset)' },
  CLI_TIMEOUT: { exit: EXIT.network, summary: 'The registry did not answer in time' },
  CLI_HTTP: { exit: EXIT.network, summary: 'The registry answered with an unexpected HTTP status (5xx and others)' },
  CLI_REDIRECT_REFUSED: { exit: EXIT.network, summary: 'The registry redirected to another origin or looped; the request was not followed' },
  CLI_RESPONSE_TOO_LARGE: { exit: EXIT.integrity, summary: 'A response was larger than the CLI accepts' },
  CLI_BAD_RESPONSE: { exit: EXIT.integrity, summary: 'A registry file is not valid JSON or does not match the protocol schema' },
  CLI_PROTOCOL_UNSUPPORTED: { exit: EXIT.failure, summary: 'The registry speaks a protocol version this CLI does not know' },
  CLI_AUTH_REQUIRED: { exit: EXIT.auth, summary: 'The registry needs a token for this (private scope or server API)' },
  CLI_AUTH_INVALID: { exit: EXIT.auth, summary: 'The registry refused the token (unknown or revoked)' },
  CLI_AUTH_EXPIRED: { exit: EXIT.auth, summary: 'The token has expired' },
  CLI_FORBIDDEN: { exit: EXIT.auth, summary: 'The token is valid but may not read or do this' },
  CLI_RATE_LIMITED: { exit: EXIT.network, summary: 'The registry rate limit was hit' },
  CLI_NO_SERVER: { exit: EXIT.failure, summary: 'The command needs an mdlibs server, and the registry is a plain static host' },
  CLI_TOKEN_NOT_FOUND: { exit: EXIT.notFound, summary: 'No token has that id or name' },
  CLI_NAME_INVALID: { exit: EXIT.usage, summary: 'A library spec is not @scope/name[@range]' },
  CLI_LIBRARY_NOT_FOUND: { exit: EXIT.notFound, summary: 'The registry has no library with that name' },
  CLI_NO_MATCHING_VERSION: { exit: EXIT.notFound, summary: 'No non-yanked version satisfies the range' },
  CLI_DEPENDENCY_CONFLICT: { exit: EXIT.failure, summary: 'Two libraries need versions of one dependency that no single version satisfies' },
  CLI_INTEGRITY_MISMATCH: { exit: EXIT.integrity, summary: 'A tarball does not match the integrity in its index or lockfile' },
  CLI_UNSAFE_ARCHIVE: { exit: EXIT.integrity, summary: 'A tarball holds an entry that is not a plain file under package/ (path escape, link, device)' },
  CLI_ARCHIVE_TOO_LARGE: { exit: EXIT.integrity, summary: 'A tarball unpacks to more bytes or entries than allowed (gzip bomb)' },
  CLI_ARCHIVE_CORRUPT: { exit: EXIT.integrity, summary: 'A tarball is not a valid gzip tar' },
  CLI_LOCKFILE_INVALID: { exit: EXIT.lockfile, summary: 'mdlibs.lock does not parse or match its schema, or an entry\'s tarball URL is not on its registry\'s origin' },
  CLI_LOCKFILE_MISSING: { exit: EXIT.lockfile, summary: '`install` without arguments needs mdlibs.lock' },
  CLI_LOCKFILE_OUTDATED: { exit: EXIT.lockfile, summary: 'mdlibs.lock does not match the dependencies in .mdlibs.toml' },
  CLI_OFFLINE_MISS: { exit: EXIT.network, summary: 'With --offline, a needed file is not in the cache' },
  CLI_NOT_INSTALLED: { exit: EXIT.notFound, summary: 'The library is not installed here' },
  CLI_TEMPLATE_UNKNOWN: { exit: EXIT.usage, summary: 'No library template has that name' },
  CLI_UNSAFE_PATH: { exit: EXIT.failure, summary: 'The install folder or a @scope folder in it is a symbolic link or not a folder' },
  CLI_TARGET_EXISTS: { exit: EXIT.failure, summary: 'The target folder is not empty, or is a file or a link to nothing' },
  CLI_DOC_INVALID: { exit: EXIT.failure, summary: 'The markdown document\'s frontmatter is not plain YAML within the limits' },
  CLI_DOC_NOT_FOUND: { exit: EXIT.notFound, summary: 'The markdown document does not exist' },
  CLI_PROJECT_LOCKED: { exit: EXIT.busy, summary: 'Another mdlibs command (install, update, uninstall) is changing the project; its pid is named' },
  CLI_LOCAL_CHANGES: { exit: EXIT.localChanges, summary: 'install, update or uninstall would replace or delete files in an installed library that were edited after install (rerun with --force to discard them)' },
  CLI_PROJECT_FILE_CONFLICT: { exit: EXIT.failure, summary: 'The .mdlibs.toml here is a library manifest and cannot take project settings' },
} as const satisfies Record<string, { exit: number; summary: string }>;

export type CliCode = keyof typeof CLI_ERRORS;

export type CliError = MdlibsError<CliCode>;

export function cliError(code: CliCode, message: string, hint: string, details?: Record<string, unknown>, cause?: unknown): CliError {
  return new MdlibsError<CliCode>(code, message, { hint, ...(details ? { details } : {}), ...(cause === undefined ? {} : { cause }) });
}

/** A key that may name a secret: its value is never printed. */
const SECRET_KEY = /token|secret|passw|credential|authori[sz]ation|cookie|api[-_]?key|private[-_]?key/i;
/** Depth, members and string length kept in printed details (a bug cannot print without end). */
const DETAILS_MAX_DEPTH = 6;
const DETAILS_MAX_ITEMS = 1000;
const DETAILS_MAX_STRING = 4096;

/** A string with the secrets it may hold masked: URL user info and mdlibs token secrets. */
function maskSecrets(s: string): string {
  return s.slice(0, DETAILS_MAX_STRING)
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^/\s@]*@/gi, '$1')
    .replace(/\bmdl_[A-Za-z0-9]{40}\b/g, 'mdl_…');
}

function plainJson(v: unknown, depth: number): unknown {
  if (v === null || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string') return maskSecrets(v);
  if (depth >= DETAILS_MAX_DEPTH || typeof v !== 'object') return undefined; // functions, bigint, symbols, undefined
  if (Array.isArray(v)) return v.slice(0, DETAILS_MAX_ITEMS).map((x) => plainJson(x, depth + 1) ?? null);
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined; // Error, Buffer, URL, Date, class instances
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v).slice(0, DETAILS_MAX_ITEMS)) {
    if (SECRET_KEY.test(k)) continue;
    const j = plainJson(x, depth + 1);
    if (j !== undefined) out[k] = j;
  }
  return out;
}

/**
 * An error's structured details as printed with `--json` (`error.details`): plain JSON data
 * only (objects, arrays, strings, finite numbers, booleans, null), never a secret (members
 * whose key names a token, password, credential and the like are left out; URL user info and
 * token secrets in strings are masked). Undefined when there is nothing to print.
 */
export function printableDetails(details: unknown): Record<string, unknown> | undefined {
  const j = plainJson(details, 0);
  return j && typeof j === 'object' && !Array.isArray(j) && Object.keys(j).length ? j as Record<string, unknown> : undefined;
}

/** Exit code for any error: CLI codes by table, builder codes 1, bugs 70. */
export function exitCodeFor(e: unknown): number {
  if (e instanceof MdlibsError) {
    const known = (CLI_ERRORS as Record<string, { exit: number }>)[e.code];
    return known ? known.exit : EXIT.failure;
  }
  return EXIT.internal;
}
