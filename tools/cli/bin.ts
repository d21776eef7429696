#!/usr/bin/env node
/**
 * `mdlibs` entry. Imports nothing heavy: `--version` answers here; everything else loads
 * main.js (yargs) and then only the module of the command being run.
 */
import { VERSION } from './version.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else {
  const { runCli } = await import('./main.js');
  process.exitCode = await runCli(args, { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), stdin: process.stdin });
}
