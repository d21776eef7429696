#!/usr/bin/env node
/**
 * Bundles the `mdlibs` CLI (after `tsc`) so start-up does not pay for resolving and
 * compiling hundreds of small ESM files: one chunk for main + yargs, one per command,
 * shared chunks for what commands share. bin.js uses the bundle when it is at least as
 * new as dist/tools/cli/main.js, else the plain tsc output.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const out = join(ROOT, 'dist/tools/cli/bundle');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(ROOT, 'tools/cli/main.ts')],
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outdir: out,
  minify: true,
  // CommonJS dependencies call require() for node built-ins
  banner: { js: "import { createRequire as __mdlibsRequire } from 'node:module'; const require = __mdlibsRequire(import.meta.url);" },
  external: ['better-sqlite3', 'pg'],
  logLevel: 'warning',
});
