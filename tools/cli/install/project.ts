/** The project's `[dependencies]` in .mdlibs.toml (read via settings; written here, atomically). */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import { PROJECT_FILE } from '../config/paths.js';
import { writeFileAtomicSync } from '../file-writes.js';

/** Rewrites only the [dependencies] table (other tables are kept; comments are not). */
export function saveDependencies(projectDir: string, deps: Readonly<Record<string, string>>): void {
  const file = join(projectDir, PROJECT_FILE);
  const doc = existsSync(file) ? (parse(readFileSync(file, 'utf8')) as Record<string, unknown>) : {};
  const sorted = Object.fromEntries(Object.entries(deps).sort(([a], [b]) => (a < b ? -1 : 1)));
  const { dependencies: _old, ...rest } = doc;
  const next = { ...rest, dependencies: sorted };
  writeFileAtomicSync(file, `${stringify(next)}\n`);
}
