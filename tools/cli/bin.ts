#!/usr/bin/env node
/**
 * `mdlibs` entry. Imports nothing heavy: `--version` answers here; everything else loads
 * main.js (yargs) and then only the module of the command being run. When `npm run build`
 * has produced the esbuild bundle (bundle.mjs) and it is not older than main.js, the
 * bundle is used: same code, far fewer files to resolve and compile at start-up.
 */
import { statSync } from 'node:fs';
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

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const bundled = new URL('./bundle/main.js', import.meta.url);
  const plain = new URL('./main.js', import.meta.url);
  const useBundle = import.meta.url.endsWith('.js') && mtime(bundled) >= mtime(plain) && mtime(bundled) > 0;
  const { runCli } = (useBundle ? await import(bundled.href) : await import('./main.js')) as Main;
  process.exitCode = await runCli(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin });
}
