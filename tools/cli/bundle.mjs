#!/usr/bin/env node
/**
 * Bundles the `mdlibs` CLI (after `tsc`) into one CommonJS file, dist/tools/cli/bundle/main.cjs,
 * so start-up does not pay for resolving and compiling hundreds of small ESM files, and so bin.js
 * can keep a V8 code cache of it (code-cache.ts: Node 20 has none for ES modules), starting from
 * the seed cache written here (main.cjs.v8). Command modules stay lazy: esbuild turns their
 * dynamic imports into functions that run on first use.
 *   node tools/cli/bundle.mjs [--outdir <dir>]   (default dist/tools/cli/bundle)
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const LAZY_STRING_WIDTH = join(ROOT, 'tools/cli/lazy-string-width.cjs');

/** Every import of string-width but the shim's own goes to the lazy shim (see lazy-string-width.cjs). */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, (a) => (a.importer === LAZY_STRING_WIDTH ? undefined : { path: LAZY_STRING_WIDTH }));
  },
};
const i = process.argv.indexOf('--outdir');
const out = i > 0 ? resolve(process.argv[i + 1]) : join(ROOT, 'dist/tools/cli/bundle');
rmSync(out, { recursive: true, force: true });
await build({
  entryPoints: [join(ROOT, 'tools/cli/main.ts')],
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  outfile: join(out, 'main.cjs'),
  minify: true,
  // import.meta.url (used to find templates/) from the bundle's own path
  define: { 'import.meta.url': '__mdlibsModuleUrl' },
  banner: { js: "var __mdlibsModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  external: ['better-sqlite3', 'pg'],
  plugins: [lazyStringWidth],
  logLevel: 'warning',
});

// the seed code cache (code-cache.ts writeSeedCache), written by a fresh node so it matches what bin.js will run
const writer = join(out, '.seed-writer.cjs');
await build({ entryPoints: [join(ROOT, 'tools/cli/code-cache.ts')], bundle: true, format: 'cjs', platform: 'node', target: 'node20', outfile: writer, logLevel: 'warning' });
try {
  execFileSync(process.execPath, ['-e', 'require(process.argv[1]).writeSeedCache(process.argv[2])', writer, join(out, 'main.cjs')], { stdio: 'inherit' });
} finally {
  rmSync(writer, { force: true });
}
