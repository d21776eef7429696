/** Pure manifest parsing and rules (LIB-1, LIB-2). No file system access. */
import fg from 'fast-glob';
import semver from 'semver';
import parseSpdx from 'spdx-expression-parse';
import type { Problem } from '../errors.js';
import { checkLibraryName, isValidVersion, sanitizeForMessage, versionProblem } from '../format/names.js';
import { manifestSchema, type Manifest } from '../format/source-schema.js';
import { findControlChars, lineOfKey, parseTomlWith } from './toml-file.js';

export const MANIFEST_FILE = '.mdlibs.toml';

const escapes = (p: string) => p.startsWith('/') || /^[a-zA-Z]:/.test(p) || p.includes('\\') || p.split('/').includes('..');

/** A glob escapes the folder when it or any of its brace expansions (`..{,}/x`, `{a,..}/x`) is absolute or climbs with `..`. */
export function globEscapes(glob: string): boolean {
  try {
    return [glob, ...fg.generateTasks([glob], { dot: true }).flatMap((t) => [t.base, ...t.patterns])].some(escapes);
  } catch {
    return true; // a glob fast-glob cannot expand is refused too
  }
}

export interface ManifestResult {
  manifest: Manifest | undefined;
  problems: Problem[];
}

export function isValidLicense(license: string): boolean {
  if (/^LicenseRef-[A-Za-z0-9.-]+$/.test(license)) return true;
  try {
    parseSpdx(license);
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses `.mdlibs.toml` text and checks every rule that needs no other file.
 * `expected` (from the folder path) adds the name/version match checks.
 */
export function parseManifest(text: string, file: string, expected?: { name: string; version: string }): ManifestResult {
  const { value, problems } = parseTomlWith(manifestSchema, text, file, { parse: 'MDL_MANIFEST_PARSE', invalid: 'MDL_MANIFEST_INVALID' }, 'manifest');
  if (!value) return { manifest: undefined, problems };
  const at = (field: string) => {
    const line = lineOfKey(text, field.split('.'));
    return { file, field, ...(line ? { line } : {}) };
  };
  const out: Problem[] = [];
  for (const field of findControlChars(value)) {
    out.push({ code: 'MDL_CONTROL_CHARS', ...at(field), message: `manifest field ${field} contains terminal control characters`, hint: 'remove escape sequences and other control characters from the text' });
  }
  const lib = value.library;
  const nameIssue = checkLibraryName(lib.name);
  if (nameIssue) {
    out.push({ code: nameIssue.rule === 'reserved' ? 'MDL_NAME_RESERVED' : 'MDL_NAME_INVALID', ...at('library.name'), message: `library.name: ${nameIssue.message}`, hint: nameIssue.rule === 'reserved' ? 'pick another name' : 'use @scope/name with 3-64 lowercase letters, digits and single hyphens in each part' });
  } else if (expected && lib.name !== expected.name) {
    out.push({ code: 'MDL_NAME_MISMATCH', ...at('library.name'), message: `library.name is "${sanitizeForMessage(lib.name)}" but the folder is ${expected.name}`, hint: `set name = "${expected.name}" or move the folder to libraries/${lib.name}/` });
  }
  if (!isValidVersion(lib.version)) {
    out.push({ code: 'MDL_VERSION_INVALID', ...at('library.version'), message: `library.version "${sanitizeForMessage(lib.version)}" ${versionProblem(lib.version)}`, hint: 'use MAJOR.MINOR.PATCH, e.g. 1.0.0 (no leading v, no build metadata)' });
  } else if (expected && lib.version !== expected.version) {
    out.push({ code: 'MDL_VERSION_MISMATCH', ...at('library.version'), message: `library.version is ${lib.version} but the folder is ${expected.version}`, hint: `set version = "${expected.version}" or rename the folder to ${lib.version}` });
  }
  if (!isValidLicense(lib.license)) {
    out.push({ code: 'MDL_LICENSE_INVALID', ...at('library.license'), message: `library.license "${sanitizeForMessage(lib.license)}" is not an SPDX identifier or expression`, hint: 'use an id from https://spdx.org/licenses/ such as CC-BY-4.0, MIT or Apache-2.0, or LicenseRef-<name>' });
  }
  for (const g of [...(lib.include ?? []), ...(lib.exclude ?? [])]) {
    if (globEscapes(g)) {
      out.push({ code: 'MDL_PATH_ESCAPES', ...at(lib.include?.includes(g) ? 'library.include' : 'library.exclude'), message: `glob "${sanitizeForMessage(g)}" points outside the library folder`, hint: 'use globs relative to the version folder without .. (also not through braces such as ..{,}) or a leading /' });
    }
  }
  for (const [dep, range] of Object.entries(value.dependencies)) {
    const issue = checkLibraryName(dep);
    if (issue) {
      out.push({ code: 'MDL_DEPENDENCY_INVALID', ...at(`dependencies.${dep}`), field: `dependencies.${dep}`, message: `dependency "${sanitizeForMessage(dep)}": ${issue.message}`, hint: 'name dependencies as @scope/name' });
    } else if (semver.validRange(range) === null) {
      out.push({ code: 'MDL_DEPENDENCY_INVALID', ...at(`dependencies.${dep}`), field: `dependencies.${dep}`, message: `dependency ${dep} has an invalid range "${sanitizeForMessage(range)}"`, hint: 'use a semver range such as ^1.2.0 or ~2.0' });
    } else if (expected && dep === expected.name) {
      out.push({ code: 'MDL_DEPENDENCY_INVALID', ...at(`dependencies.${dep}`), field: `dependencies.${dep}`, message: `library depends on itself`, hint: 'remove the self-dependency' });
    }
  }
  return { manifest: out.length ? undefined : value, problems: [...problems, ...out] };
}
