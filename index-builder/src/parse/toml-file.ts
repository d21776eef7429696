/** Parse a TOML file against a zod schema, collecting problems instead of throwing. */
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import type { ErrorCode, Problem } from '../errors.js';
import { CONTROL_CHARS_RE, sanitizeForMessage } from '../format/names.js';

export interface TomlResult<T> {
  value: T | undefined;
  problems: Problem[];
}

/** Best-effort line of a dotted key (`library.name` -> line of `name =` after `[library]`). */
export function lineOfKey(text: string, fullPath: readonly (string | number)[]): number | undefined {
  const lines = text.split('\n');
  // `library.authors.0` -> the line of `authors =` (array items are on the key's line or after it)
  let n = fullPath.length;
  while (n > 1 && /^\d+$/.test(String(fullPath[n - 1]))) n--;
  const path = fullPath.slice(0, n);
  const key = path.length ? String(path[path.length - 1]) : undefined;
  if (key === undefined) return undefined;
  const table = path.length > 1 ? String(path[0]) : undefined;
  let inTable = table === undefined;
  for (let i = 0; i < lines.length; i++) {
    const l = (lines[i] ?? '').trim();
    const header = /^\[{1,2}\s*([^\]]+?)\s*\]{1,2}$/.exec(l);
    if (header) {
      if (table === undefined && header[1] === key) return i + 1; // a top-level table: its header line
      inTable = table === undefined ? false : header[1] === table;
      continue;
    }
    if (inTable && (l.startsWith(`${key} `) || l.startsWith(`${key}=`) || l.startsWith(`"${key}"`))) return i + 1;
  }
  return undefined;
}

export function parseTomlWith<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  codes: { parse: ErrorCode; invalid: ErrorCode },
  what: string,
): TomlResult<z.infer<S>> {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (e) {
    const line = e instanceof TomlError ? e.line : undefined;
    const msg = e instanceof Error ? e.message.split('\n')[0] ?? e.message : String(e);
    return {
      value: undefined,
      problems: [{ code: codes.parse, file, ...(line ? { line } : {}), message: `${what} is not valid TOML: ${msg}`, hint: 'fix the TOML syntax at that line (quotes, brackets, one key per line)' }],
    };
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    return {
      value: undefined,
      problems: res.error.issues.flatMap((iss): { path: PropertyKey[]; message: string; code: string }[] => (iss.code === 'unrecognized_keys' ? iss.keys.map((k) => ({ ...iss, path: [...iss.path, k], message: `Unrecognized key: "${k}"` })) : [iss])).map((iss) => {
        const line = lineOfKey(text, iss.path as (string | number)[]);
        const field = sanitizeForMessage(iss.path.join('.'), 120);
        return {
          code: codes.invalid,
          file,
          ...(line ? { line } : {}),
          ...(field ? { field } : {}),
          message: `${what} field ${field || '(root)'}: ${sanitizeForMessage(iss.message, 200)}`,
          hint: iss.code === 'unrecognized_keys' ? 'remove the unknown key or fix its spelling (see docs/library-format.md)' : 'set the field as docs/library-format.md describes',
        };
      }),
    };
  }
  return { value: res.data, problems: [] };
}

/** Every string in a parsed value, with its field path, for control-character checks. */
export function findControlChars(value: unknown, path: string[] = []): string[] {
  if (typeof value === 'string') return CONTROL_CHARS_RE.test(value) ? [path.join('.')] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => findControlChars(v, [...path, String(i)]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => [
      ...(CONTROL_CHARS_RE.test(k) ? [[...path, k].join('.')] : []),
      ...findControlChars(v, [...path, k]),
    ]);
  }
  return [];
}
