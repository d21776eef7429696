/** Reading and atomically writing small TOML files, with clear errors. */
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parse, stringify } from 'smol-toml';
import type { z } from 'zod';
import { cliError } from '../errors.js';
import { firstIssue } from '../schema-issue.js';

export function readToml<S extends z.ZodType>(file: string, schema: S, what: string): z.infer<S> | null {
  if (!existsSync(file)) return null;
  let raw: unknown;
  try {
    raw = parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw cliError('CLI_CONFIG_INVALID', `${file} is not valid TOML: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`, `fix the ${what} by hand or delete it`);
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw cliError('CLI_CONFIG_INVALID', `${file} does not match the ${what} schema at ${firstIssue(r.error)}`, `fix that field in ${file} (docs/cli.md describes the file)`);
  }
  return r.data as z.infer<S>;
}

/** Writes via a temp file and rename; `mode` is applied before the rename (0600 for secrets). */
export function writeToml(file: string, value: Record<string, unknown>, mode = 0o644): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, stringify(value) + '\n', { mode });
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}
