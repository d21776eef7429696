#!/usr/bin/env node
/**
 * `mdlibs` entry. Imports nothing heavy: `--version` answers here; everything else loads
 * main.js (yargs) and then only the module of the command being run. When `npm run build`
 * has produced the bundle (bundle.mjs: one CommonJS file) and it is not older than main.js,
 * the bundle is used, through a V8 code cache in the user's cache folder (code-cache.ts):
 * same code, one file to read and, from the second run on, almost nothing to compile.
 * MDLIBS_CODE_CACHE=0 turns the code cache off.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadBundle } from './code-cache.js';
import { defaultCacheDir } from './config/paths.js';
import type * as MainModule from './main.js';
import { VERSION } from './version.js';

type Main = typeof MainModule;

function mtime(url: URL): number {
  try {
    return statSync(url).mtimeMs;
  } catch {
    return -1;
  }
}

function codeCacheDir(env: NodeJS.ProcessEnv): string | null {
  if (env.MDLIBS_CODE_CACHE === '0') return null;
  try {
    return join(env.MDLIBS_CACHE_DIR || defaultCacheDir(env), 'v8');
  } catch {
    return null; // no HOME: run without the cache
  }
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const bundled = new URL('./bundle/main.cjs', import.meta.url);
  const plain = new URL('./main.js', import.meta.url);
  const useBundle = import.meta.url.endsWith('.js') && mtime(bundled) >= mtime(plain) && mtime(bundled) > 0;
  const bundle = useBundle ? loadBundle<Main>(fileURLToPath(bundled), codeCacheDir(process.env), args.find((a) => !a.startsWith('-')) ?? '') : null;
  const { runCli } = bundle ? bundle.exports : ((await import('./main.js')) as Main);
  process.exitCode = await runCli(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin });
  bundle?.save();
}
