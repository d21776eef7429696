/** Reading and atomically writing small TOML files, with clear errors. */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'smol-toml';
import type { z } from 'zod';
import { cliError } from '../errors.js';
import { readRegularFile } from '../file-reads.js';
import { writeFileAtomicSync } from '../file-writes.js';
import { firstIssue } from '../schema-issue.js';

/** Largest config, credentials or project file read (they hold a few registries and dependencies). */
export const MAX_TOML_BYTES = 4 * 1024 * 1024;

export function readToml<S extends z.ZodType>(file: string, schema: S, what: string): z.infer<S> | null {
  // not readFileSync: a cloned project's `.mdlibs.toml -> /dev/zero` was read until memory ran out, a pipe blocked forever
  const read = readRegularFile(file, MAX_TOML_BYTES);
  if (!read.ok) {
    if (read.why === 'missing') return null;
    if (read.why === 'too-large') throw cliError('CLI_CONFIG_INVALID', `${file} is ${read.size ?? 'over'} bytes; the limit is ${MAX_TOML_BYTES}`, `fix the ${what} by hand or delete it`);
    if (read.why === 'changed') throw cliError('CLI_CONFIG_INVALID', `${file} changed while it was read`, 'run the command again when nothing else writes to it');
    if (read.why === 'unreadable') throw cliError('CLI_CONFIG_INVALID', `${file} cannot be read (${read.code ?? 'error'})`, `check its permissions (ls -l ${file})`);
    throw cliError('CLI_CONFIG_INVALID', `${file} is not a regular file (found a folder, device, socket or pipe, or a link to one)`, `replace it with the ${what} (a TOML file) or delete it`);
  }
  let raw: unknown;
  try {
    raw = parse(read.bytes.toString('utf8'));
  } catch (e) {
    throw cliError('CLI_CONFIG_INVALID', `${file} is not valid TOML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, `fix the ${what} by hand or delete it`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw cliError('CLI_CONFIG_INVALID', `${file} does not match the ${what} schema at ${firstIssue(r.error)}`, `fix that field in ${file} (docs/cli.md describes the file)`);
  }
  return r.data as z.infer<S>;
}

/** Writes via a new temp file and rename (writeFileAtomicSync); `mode` is set before a byte is written (0600 for secrets). */
export function writeToml(file: string, value: Record<string, unknown>, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileAtomicSync(file, stringify(value) + '\n', mode);
}
