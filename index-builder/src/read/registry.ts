/** Reads the registry repo's layout and config files (REPO-1). Collects problems; never throws for bad input. */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MdlibsError, type Problem } from '../errors.js';
import { checkNamePart, isValidVersion, sanitizeForMessage, versionProblem } from '../format/names.js';
import { libraryMetaSchema, registryConfigSchema, scopeFileSchema, type LibraryMeta, type RegistryConfig, type ScopeFile } from '../format/source-schema.js';
import { findControlChars, lineOfKey, parseTomlWith } from '../parse/toml-file.js';
import { guardedRead } from './guarded-read.js';

export interface VersionFolder {
  scope: string;
  name: string;
  version: string;
  /** `libraries/@scope/name/version`, relative to the registry root. */
  rel: string;
}

export interface LibraryFolder {
  scope: string;
  name: string;
  full: string;
  rel: string;
  meta: LibraryMeta;
  versions: VersionFolder[];
}

export interface RegistryLayout {
  root: string;
  config: RegistryConfig;
  scopes: Map<string, ScopeFile>;
  libraries: LibraryFolder[];
  problems: Problem[];
}

const dirs = (p: string) => readdirSync(p, { withFileTypes: true });

/**
 * Whether `scopes/` or `libraries/` is there to read: false when it is absent, and when it is a
 * file or a link (a problem: a link would make the build read folders outside the repo).
 */
function topFolder(root: string, name: 'scopes' | 'libraries', problems: Problem[]): boolean {
  let st;
  try {
    st = lstatSync(join(root, name));
  } catch {
    return false;
  }
  if (st.isDirectory()) return true;
  problems.push({ code: 'MDL_LAYOUT_INVALID', file: name, message: `${name} must be a folder (it is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a folder'})`, hint: `make ${name}/ a real folder of the registry repo` });
  return false;
}

/** Largest registry.toml, scopes/<scope>.toml or meta.toml the builder reads (a few KiB each, signing keys included). */
export const CONFIG_MAX_BYTES = 1024 * 1024;

/**
 * The text of a config file of the registry, or the problem that keeps it from being read. The
 * file is opened without following a link and without blocking on a FIFO, and checked on the
 * open descriptor before a byte is read (guarded-read.ts): registry.toml was read with readFileSync, so a named
 * pipe there blocked the build forever, a folder or a file over 512 MiB crashed it with a stack
 * trace, and a link to any file of the build machine (/etc/passwd) was read and parsed.
 */
export function readConfigText(root: string, rel: string): { text: string } | { problem: Problem } {
  const refuse = (p: Omit<Problem, 'file'>) => ({ problem: { file: rel, ...p } });
  // sized by the file (a 1 MiB zeroed buffer for each of 10,000 meta.toml files was 10 GB of memset)
  const r = guardedRead(join(root, rel), { maxBytes: CONFIG_MAX_BYTES, noFollow: true });
  if (r.ok) return { text: r.bytes.toString('utf8') };
  switch (r.why) {
    case 'link':
      return refuse({ code: 'MDL_SYMLINK', message: `${rel} is a symbolic link; links are never read (they could point anywhere on the build machine)`, hint: `replace the link with a real ${rel}` });
    case 'not-a-file':
      return refuse({ code: 'MDL_FILE_TYPE_NOT_ALLOWED', message: `${rel} is not a regular file (found a folder, device, socket or pipe)`, hint: `make ${rel} a regular file` });
    case 'too-large':
      return refuse({ code: 'MDL_FILE_TOO_LARGE', message: `${rel} is ${r.size ?? 'over'} bytes; the limit for a config file is ${CONFIG_MAX_BYTES}`, hint: `keep ${rel} to the fields docs/library-format.md lists` });
    case 'changed':
      return refuse({ code: 'MDL_LAYOUT_INVALID', message: `${rel} changed while it was read`, hint: 'run the build again when nothing writes to the registry' });
    default: // missing, unreadable
      return refuse({ code: 'MDL_LAYOUT_INVALID', message: `${rel} cannot be read (${r.code ?? 'error'})`, hint: `make ${rel} a readable regular file` });
  }
}

function readToml<T>(root: string, rel: string, parse: (text: string, file: string) => { value: T | undefined; problems: Problem[] }): { value: T | undefined; problems: Problem[]; text: string } {
  const read = readConfigText(root, rel);
  if ('problem' in read) return { value: undefined, problems: [read.problem], text: '' };
  return { ...parse(read.text, rel), text: read.text };
}

/** registry.toml and scopes/: what a build reads before the library folders (readLibraries). */
export type RegistryConfigFiles = Omit<RegistryLayout, 'libraries'>;

/**
 * A library as a previous build read it from a scope folder that is still the same (the same Git
 * tree, nothing changed in the work tree): taken over instead of read again.
 */
export interface CarriedLibrary {
  name: string;
  meta: LibraryMeta;
  versions: readonly string[];
}

export function readRegistryLayout(root: string): RegistryLayout {
  return readLibraries(readRegistryConfig(root));
}

export function readRegistryConfig(root: string): RegistryConfigFiles {
  // lstat: a dangling link is reported as a link below, not as a missing file
  if (!lstatSync(join(root, 'registry.toml'), { throwIfNoEntry: false })) {
    throw new MdlibsError('MDL_REGISTRY_NOT_FOUND', `no registry.toml in ${root}`, { hint: 'point mdlibs-build at the registry repo root (the folder holding registry.toml, scopes/ and libraries/)' });
  }
  const problems: Problem[] = [];
  const cfg = readToml(root, 'registry.toml', (t, f) => parseTomlWith(registryConfigSchema, t, f, { parse: 'MDL_REGISTRY_CONFIG_INVALID', invalid: 'MDL_REGISTRY_CONFIG_INVALID' }, 'registry.toml'));
  problems.push(...cfg.problems);
  const config = cfg.value ?? registryConfigSchema.parse({ registry: { name: 'invalid', url: 'http://invalid/' } });

  const scopes = new Map<string, ScopeFile>();
  const scopesDir = join(root, 'scopes');
  if (topFolder(root, 'scopes', problems)) {
    for (const e of dirs(scopesDir)) {
      const rel = `scopes/${e.name}`;
      if (!e.isFile() || !e.name.endsWith('.toml')) {
        problems.push({ code: 'MDL_LAYOUT_INVALID', file: rel, message: 'scopes/ holds only <scope>.toml files', hint: 'remove or rename it' });
        continue;
      }
      const scopeName = e.name.slice(0, -5);
      const r = readToml(root, rel, (t, f) => parseTomlWith(scopeFileSchema, t, f, { parse: 'MDL_SCOPE_CONFIG_INVALID', invalid: 'MDL_SCOPE_CONFIG_INVALID' }, rel));
      problems.push(...r.problems);
      if (!r.value) continue;
      const issue = checkNamePart(scopeName, 'scope');
      if (issue) problems.push({ code: issue.rule === 'reserved' ? 'MDL_NAME_RESERVED' : 'MDL_NAME_INVALID', file: rel, message: issue.message, hint: 'rename the scope file to a valid scope name' });
      else if (r.value.scope.name !== scopeName) problems.push({ code: 'MDL_NAME_MISMATCH', file: rel, line: fieldLine(root, rel, 'scope.name'), field: 'scope.name', message: `scope.name is "${sanitizeForMessage(r.value.scope.name)}" but the file is ${rel}`, hint: `set name = "${scopeName}"` });
      else if (findControlChars(r.value).length) {
        const field = findControlChars(r.value)[0] ?? '';
        const line = lineOfKey(r.text, field.split('.'));
        problems.push({ code: 'MDL_CONTROL_CHARS', file: rel, ...(line ? { line } : {}), field, message: `${rel} contains terminal control characters`, hint: 'remove escape sequences and other control characters from the text' });
      }
      else scopes.set(scopeName, r.value);
    }
  }

  return { root, config, scopes, problems };
}

/**
 * The library folders under libraries/, after `readRegistryConfig` (its problems are the
 * layout's first). `carried` gives, for a scope whose folder a previous build read as it is now,
 * that build's libraries: that scope folder is then not read again (at 10,000 libraries in 50
 * scopes, reading every library folder took ~0.3 s of a one-library rebuild). It is asked only
 * for a valid scope name, and the scope checks (a scope file for it) are made either way.
 */
export function readLibraries(files: RegistryConfigFiles, carried?: (scope: string) => readonly CarriedLibrary[] | undefined): RegistryLayout {
  const { root, config, scopes } = files;
  const problems = [...files.problems];
  const scopesDir = join(root, 'scopes');
  const libraries: LibraryFolder[] = [];
  const libsDir = join(root, 'libraries');
  if (!topFolder(root, 'libraries', problems)) return { root, config, scopes, libraries, problems };
  for (const s of dirs(libsDir)) {
    const srel = `libraries/${s.name}`;
    if (!s.isDirectory() || !s.name.startsWith('@')) {
      problems.push({ code: 'MDL_LAYOUT_INVALID', file: srel, message: 'libraries/ holds only @scope folders', hint: 'move the library to libraries/@scope/name/<version>/' });
      continue;
    }
    const scope = s.name.slice(1);
    const sIssue = checkNamePart(scope, 'scope');
    if (sIssue) {
      problems.push({ code: sIssue.rule === 'reserved' ? 'MDL_NAME_RESERVED' : 'MDL_NAME_INVALID', file: srel, message: sIssue.message, hint: 'use 3-64 lowercase letters, digits and single hyphens' });
      continue;
    }
    if (!scopes.has(scope) && !existsSync(join(scopesDir, `${scope}.toml`))) { // an invalid scope file is reported above
      problems.push({ code: 'MDL_SCOPE_UNKNOWN', file: srel, message: `scope @${scope} has no scopes/${scope}.toml`, hint: `add scopes/${scope}.toml with its members (see docs/library-format.md)` });
    }
    const taken = carried?.(scope);
    if (taken) {
      for (const c of taken) {
        const lrel = `${srel}/${c.name}`;
        libraries.push({ scope, name: c.name, full: `@${scope}/${c.name}`, rel: lrel, meta: c.meta, versions: c.versions.map((version) => ({ scope, name: c.name, version, rel: `${lrel}/${version}` })) });
      }
      continue;
    }
    for (const l of dirs(join(libsDir, s.name))) {
      const lrel = `${srel}/${l.name}`;
      if (!l.isDirectory()) {
        problems.push({ code: 'MDL_LAYOUT_INVALID', file: lrel, message: 'a scope folder holds only library folders', hint: 'move the file into a library version folder' });
        continue;
      }
      const nIssue = checkNamePart(l.name, 'name');
      if (nIssue) {
        problems.push({ code: nIssue.rule === 'reserved' ? 'MDL_NAME_RESERVED' : 'MDL_NAME_INVALID', file: lrel, message: nIssue.message, hint: nIssue.rule === 'reserved' ? 'pick another name' : 'use 3-64 lowercase letters, digits and single hyphens' });
        continue;
      }
      const lib: LibraryFolder = { scope, name: l.name, full: `@${scope}/${l.name}`, rel: lrel, meta: { yanked: {} }, versions: [] };
      let metaText = '';
      for (const v of dirs(join(libsDir, s.name, l.name))) {
        const vrel = `${lrel}/${v.name}`;
        if (v.name === 'meta.toml' && v.isFile()) {
          const m = readToml(root, vrel, (t, f) => parseTomlWith(libraryMetaSchema, t, f, { parse: 'MDL_META_INVALID', invalid: 'MDL_META_INVALID' }, 'meta.toml'));
          problems.push(...m.problems);
          const bad = m.value ? (findControlChars(m.value)[0] ?? null) : null;
          if (bad !== null) problems.push({ code: 'MDL_CONTROL_CHARS', file: vrel, line: fieldLine(root, vrel, bad), field: sanitizeForMessage(bad), message: 'meta.toml contains terminal control characters', hint: 'remove escape sequences and other control characters from the text' });
          else if (m.value) {
            lib.meta = m.value;
            metaText = m.text;
          }
          continue;
        }
        if (v.isSymbolicLink()) {
          problems.push({ code: 'MDL_SYMLINK', file: vrel, message: 'symbolic links are not allowed in the libraries tree', hint: 'replace the link with a real folder' });
          continue;
        }
        if (!v.isDirectory()) {
          problems.push({ code: 'MDL_LAYOUT_INVALID', file: vrel, message: 'a library folder holds only version folders and meta.toml', hint: 'move the file into a version folder' });
          continue;
        }
        if (!isValidVersion(v.name)) {
          problems.push({ code: 'MDL_VERSION_INVALID', file: vrel, message: `version folder "${sanitizeForMessage(v.name)}" ${versionProblem(v.name)}`, hint: 'name version folders MAJOR.MINOR.PATCH, e.g. 1.0.0 (a prerelease part such as -rc.1 keeps it short)' });
          continue;
        }
        lib.versions.push({ scope, name: l.name, version: v.name, rel: vrel });
      }
      for (const y of Object.keys(lib.meta.yanked)) {
        if (lib.versions.some((v) => v.version === y)) continue;
        const line = lineOfKey(metaText, ['yanked', y]);
        problems.push({ code: 'MDL_META_INVALID', file: `${lrel}/meta.toml`, ...(line ? { line } : {}), field: `yanked.${y}`, message: `meta.toml yanks ${sanitizeForMessage(y)}, which does not exist`, hint: 'yank only published versions' });
      }
      if (lib.versions.length) libraries.push(lib);
    }
  }
  libraries.sort((a, b) => (a.full < b.full ? -1 : 1));
  return { root, config, scopes, libraries, problems };
}

/** Visibility of a scope: its own setting, else the registry default. */
export function scopeVisibility(layout: Pick<RegistryLayout, 'config' | 'scopes'>, scope: string): 'public' | 'private' {
  return layout.scopes.get(scope)?.scope.visibility ?? layout.config.registry.visibility;
}

export function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Line of a `table.key` field in a TOML file of the registry (e.g. `dependencies.@acme/guide`), if readable. */
export function fieldLine(root: string, file: string, field: string): number | undefined {
  const dot = field.indexOf('.');
  try {
    return lineOfKey(readFileSync(join(root, file), 'utf8'), dot === -1 ? [field] : [field.slice(0, dot), field.slice(dot + 1)]);
  } catch {
    return undefined;
  }
}
