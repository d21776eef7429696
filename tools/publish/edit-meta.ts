/**
 * Pure edits of `libraries/@scope/name/meta.toml` (CLI-7): yank a version with a reason,
 * deprecate a library. Validated against the builder's schema before anything is written.
 */
import { parse, stringify } from 'smol-toml';
import { libraryMetaSchema, splitLibraryName, isValidVersion, stripControlChars, type LibraryMeta } from '../../index-builder/src/index.js';
import { publishError } from './errors.js';

export function parseSpec(spec: string, needVersion: boolean): { name: string; scope: string; short: string; version: string | null } {
  const at = spec.lastIndexOf('@');
  const hasVersion = at > 0;
  const name = hasVersion ? spec.slice(0, at) : spec;
  const version = hasVersion ? spec.slice(at + 1) : null;
  const parsed = splitLibraryName(name);
  if (!parsed || (needVersion && (!version || !isValidVersion(version))) || (version !== null && !isValidVersion(version))) {
    throw publishError('PUB_BAD_ARGUMENT', `"${stripControlChars(spec).slice(0, 80)}" is not ${needVersion ? '@scope/name@version' : '@scope/name'}`, needVersion ? 'give the exact version, e.g. @acme/guide@1.2.0' : 'give the library name, e.g. @acme/guide');
  }
  return { name, scope: parsed.scope, short: parsed.name, version };
}

function readMeta(text: string | null): LibraryMeta {
  if (!text) return { yanked: {} };
  return libraryMetaSchema.parse(parse(text));
}

function writeMeta(meta: LibraryMeta): string {
  const out: Record<string, unknown> = {};
  if (meta.deprecated) out.deprecated = meta.deprecated;
  if (Object.keys(meta.yanked).length) out.yanked = Object.fromEntries(Object.entries(meta.yanked).sort(([a], [b]) => (a < b ? -1 : 1)));
  const text = `# Managed by mdlibs yank / deprecate; reviewed like any change.\n${stringify(out)}\n`;
  libraryMetaSchema.parse(parse(text));
  return text;
}

const reasonOk = (reason: string, what: string) => {
  const r = reason.trim();
  if (!r || r.length > 500 || /[\r\n]/.test(r) || stripControlChars(r) !== r) throw publishError('PUB_BAD_ARGUMENT', `the ${what} must be one line of 1-500 characters of plain text`, `give --${what === 'reason' ? 'reason' : 'message'} "why"`);
  return r;
};

/** meta.toml with `version` yanked (or un-yanked with reason null). */
export function yankIn(text: string | null, version: string, reason: string | null): string {
  const meta = readMeta(text);
  if (reason === null) {
    if (!(version in meta.yanked)) throw publishError('PUB_NO_CHANGE', `${version} is not yanked`, 'nothing to undo');
    delete meta.yanked[version];
  } else {
    const r = reasonOk(reason, 'reason');
    if (meta.yanked[version] === r) throw publishError('PUB_NO_CHANGE', `${version} is already yanked with that reason`, 'nothing to change');
    meta.yanked[version] = r;
  }
  return writeMeta(meta);
}

/** meta.toml with the deprecation notice set (or cleared with null). */
export function deprecateIn(text: string | null, message: string | null): string {
  const meta = readMeta(text);
  if (message === null) {
    if (!meta.deprecated) throw publishError('PUB_NO_CHANGE', 'the library is not deprecated', 'nothing to undo');
    delete meta.deprecated;
  } else {
    const m = reasonOk(message, 'message');
    if (meta.deprecated === m) throw publishError('PUB_NO_CHANGE', 'the library is already deprecated with that message', 'nothing to change');
    meta.deprecated = m;
  }
  return writeMeta(meta);
}
