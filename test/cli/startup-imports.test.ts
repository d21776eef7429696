/**
 * What every `mdlibs` command loads before it runs: the modules main.ts reaches through static
 * imports. A command's own modules load when it runs (dynamic imports in commands/index.ts), so
 * the schema and search libraries must not be reached statically: once they were, through the
 * builder's format.js barrel, and every command (--help included) initialized zod's schemas
 * and MiniSearch at start-up (~13 ms of a 120 ms `mdlibs --help`).
 */
import { build, type Metafile } from 'esbuild';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
let inputs: Metafile['inputs'];

/** Files reached from `from` through imports of the given kinds. */
function reached(from: string, kinds: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const queue = [from];
  while (queue.length) {
    const f = queue.pop() as string;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const i of inputs[f]?.imports ?? []) if (kinds.includes(i.kind)) queue.push(i.path);
  }
  return seen;
}

const packages = (files: Iterable<string>) => new Set([...files].map((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1]).filter((p): p is string => p !== undefined));

beforeAll(async () => {
  const r = await build({
    entryPoints: [join(ROOT, 'tools/cli/main.ts')], absWorkingDir: ROOT, bundle: true, write: false, metafile: true,
    platform: 'node', format: 'esm', outdir: 'out', external: ['better-sqlite3', 'pg'], logLevel: 'silent',
  });
  inputs = r.metafile.inputs;
}, 60_000);

describe('mdlibs start-up', () => {
  it('reaches neither the schema library, the search library nor the registry format barrel before a command runs', () => {
    const startup = reached('tools/cli/main.ts', ['import-statement', 'require-call']);
    expect(startup.has('tools/cli/commands/index.ts')).toBe(true);
    const pkgs = packages(startup);
    expect(pkgs.has('yargs')).toBe(true);
    for (const heavy of ['zod', 'minisearch', 'tar', 'gray-matter', 'unified', 'smol-toml']) expect(pkgs.has(heavy), heavy).toBe(false);
    expect([...startup].filter((f) => f === 'index-builder/src/format.ts' || f.startsWith('index-builder/src/format/protocol'))).toEqual([]);
  });

  it('reaches them when the commands run (the check above can see them)', () => {
    const all = packages(reached('tools/cli/main.ts', ['import-statement', 'require-call', 'dynamic-import']));
    for (const used of ['zod', 'minisearch', 'tar']) expect(all.has(used), used).toBe(true);
  });
});
