/** Parses `@scope/name[@range]` (pure). */
import semver from 'semver';
import { checkLibraryName, sanitizeForMessage, splitLibraryName } from '../../../index-builder/src/format/names.js';
import { dependencyMap } from '../../../index-builder/src/format/protocol.js';
import { cliError } from '../errors.js';
import { firstIssue } from '../schema-issue.js';

export interface LibrarySpec {
  full: string;
  scope: string;
  name: string;
  /** Range as typed, or null (install picks the latest and saves ^latest; `@latest` is the same). */
  range: string | null;
}

/** The one dist-tag an index has (PROTO-2 `distTags.latest`): `@scope/name@latest` is the name alone. */
const LATEST_TAG = 'latest';

export function parseSpec(input: string): LibrarySpec {
  const at = input.indexOf('@', 1);
  const fullName = at === -1 ? input : input.slice(0, at);
  // `@latest` as npm takes it: the latest version, saved as ^<it>; the way off an exact pin
  const range = at === -1 || input.slice(at + 1) === LATEST_TAG ? null : input.slice(at + 1);
  const issue = checkLibraryName(fullName);
  const parts = splitLibraryName(fullName);
  if (issue || !parts) {
    throw cliError('CLI_NAME_INVALID', `"${sanitizeForMessage(input)}" is not a library spec: ${issue?.message ?? 'expected @scope/name'}`, 'write @scope/name, @scope/name@1.2.3, @scope/name@^1.2 or @scope/name@latest');
  }
  if (range !== null && (range === '' || semver.validRange(range) === null)) {
    throw cliError('CLI_NAME_INVALID', `"${sanitizeForMessage(input)}" has an invalid version range "${sanitizeForMessage(range)}"`, 'use a semver range such as 1.2.3, ^1.2 or ~2.0, or latest');
  }
  // the limits .mdlibs.toml and mdlibs.lock are read with (a longer range was saved, and then
  // every command refused the project with CLI_CONFIG_INVALID)
  const saved = range === null ? null : dependencyMap().safeParse({ [fullName]: range });
  if (saved && !saved.success) {
    throw cliError('CLI_NAME_INVALID', `"${sanitizeForMessage(input, 100)}" cannot be saved in .mdlibs.toml (${firstIssue(saved.error)}); the range has ${range?.length ?? 0} characters`, 'write a shorter range (at most 64 characters, e.g. >=1.1.0 <3.0.0 instead of listing each span)');
  }
  return { full: fullName, scope: parts.scope, name: parts.name, range };
}

/** Checks a library name from untrusted input (index, lockfile) before it becomes a path. */
export function checkedName(full: string, where: string): { scope: string; name: string } {
  const parts = splitLibraryName(full);
  if (checkLibraryName(full) || !parts) {
    throw cliError('CLI_BAD_RESPONSE', `${where} names "${sanitizeForMessage(full)}", which is not a valid library name`, 'the registry metadata or lockfile is broken or hostile; nothing was written');
  }
  return parts;
}
