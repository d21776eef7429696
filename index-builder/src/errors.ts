/**
 * One error class for everything a user can hit, with stable codes.
 * Plain `Error` is for bugs. Every code is documented in docs/errors.md (a test checks it).
 */
export const ERROR_CODES = {
  // registry layout and config
  MDL_REGISTRY_NOT_FOUND: 'The registry folder or its registry.toml is missing',
  MDL_REGISTRY_CONFIG_INVALID: 'registry.toml does not match its schema',
  MDL_SCOPE_CONFIG_INVALID: 'A scopes/<scope>.toml file does not match its schema',
  MDL_SCOPE_UNKNOWN: 'A library lives under a scope that has no scopes/<scope>.toml',
  MDL_META_INVALID: 'A libraries/@scope/name/meta.toml file does not match its schema',
  MDL_LAYOUT_INVALID: 'A file or folder sits where the registry layout has no place for it',
  // names and versions
  MDL_NAME_INVALID: 'A scope or library name breaks the naming rules',
  MDL_NAME_RESERVED: 'A scope or library name is reserved',
  MDL_NAME_CONFUSABLE: 'A name differs from an existing one only by confusable characters',
  MDL_NAME_MISMATCH: 'The manifest name does not match the folder it is in',
  MDL_VERSION_INVALID: 'A version is not valid semver',
  MDL_VERSION_MISMATCH: 'The manifest version does not match the version folder',
  // manifest
  MDL_MANIFEST_MISSING: 'A version folder has no .mdlibs.toml',
  MDL_MANIFEST_PARSE: 'The manifest is not valid TOML',
  MDL_MANIFEST_INVALID: 'The manifest does not match its schema',
  MDL_LICENSE_INVALID: 'The license is not a known SPDX identifier or expression',
  MDL_CONTROL_CHARS: 'Metadata holds terminal control characters',
  MDL_DEPENDENCY_INVALID: 'A dependency name or range is invalid',
  MDL_DEPENDENCY_MISSING: 'A dependency names a library or range the registry does not have',
  // content
  MDL_README_MISSING: 'A version folder has no README.md',
  MDL_SYMLINK: 'A library contains a symbolic link',
  MDL_PATH_ESCAPES: 'A path or glob points outside the library folder',
  MDL_FILE_TYPE_NOT_ALLOWED: 'A file type is not allowed in a library',
  MDL_FILE_TOO_LARGE: 'A file is over the size limit',
  MDL_LIBRARY_TOO_LARGE: 'A library version is over the total size limit',
  MDL_TOO_MANY_FILES: 'A library version has more files than the limit',
  MDL_CASE_COLLISION: 'Two file names differ only by letter case',
  MDL_ENCODING_INVALID: 'A text file is not valid UTF-8',
  MDL_BINARY_CONTENT: 'A markdown or text file holds binary data',
  MDL_FRONTMATTER_INVALID: 'YAML frontmatter does not parse or has the wrong shape',
  MDL_FRONTMATTER_TOO_LARGE: 'YAML frontmatter is over the size limit',
  MDL_FRONTMATTER_TOO_COMPLEX: 'YAML frontmatter expands to too many nodes (alias bomb)',
  MDL_MARKDOWN_INVALID: 'A markdown file could not be parsed',
  MDL_LINK_BROKEN: 'A relative link points to a file that is not in the library',
  // immutability and output
  MDL_VERSION_CHANGED: 'A published version changed content',
  MDL_VERSION_REUSED: 'A deleted version number came back with different content',
  MDL_OUTPUT_NOT_MANAGED: 'The output path exists and was not written by mdlibs-build',
  MDL_OUTPUT_OVERLAP: 'An output is the other output, inside it, or inside the registry\'s libraries/ or scopes/',
  MDL_RECORD_INVALID: 'The previous build record is unreadable',
  MDL_VALIDATION_FAILED: 'The registry has validation problems (see the list)',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ProblemLocation {
  /** Path relative to the registry root (or library root for a dry run), POSIX separators. */
  file?: string;
  line?: number;
  /** Manifest field path, e.g. `library.name`. */
  field?: string;
}

/** A single validation finding: where, which rule, what is wrong, how to fix it. */
export interface Problem extends ProblemLocation {
  code: ErrorCode;
  message: string;
  hint: string;
}

/**
 * The user-facing error. Builder codes are `ErrorCode`; other components (server, CLI)
 * keep their own code tables and pass their own code type as `C`.
 */
export class MdlibsError<C extends string = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;
  readonly problems: readonly Problem[];
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: C,
    message: string,
    opts: { hint?: string; problems?: readonly Problem[]; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'MdlibsError';
    this.code = code;
    this.hint = opts.hint;
    this.problems = opts.problems ?? [];
    this.details = opts.details;
  }

  toJSON(): { code: C; message: string; hint?: string; problems?: readonly Problem[] } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.problems.length ? { problems: this.problems } : {}),
    };
  }
}

export function isMdlibsError(e: unknown): e is MdlibsError<string> {
  return e instanceof MdlibsError;
}

/** Terminal control characters (C0, DEL, C1, bidi overrides) escaped as `\uXXXX`: paths and names come from untrusted repos. */
function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `file:line: CODE message\n  fix: hint` — the one human format for problems. */
export function formatProblem(p: Problem): string {
  const where = p.file ? `${printable(p.file)}${p.line ? `:${p.line}` : ''}${p.field ? ` (${printable(p.field)})` : ''}: ` : '';
  return `${where}${p.code} ${printable(p.message)}\n  fix: ${printable(p.hint)}`;
}
