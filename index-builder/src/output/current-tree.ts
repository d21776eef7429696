/** The tree currently served at an output path (following the managed symlink), or null. */
import { existsSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';

export function currentTree(out: string): string | null {
  const p = resolve(out);
  if (!existsSync(p)) return null;
  return realpathSync(p);
}
