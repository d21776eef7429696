/** Runs the CLI in-process with an isolated HOME/XDG environment and captured output. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { runCli } from '../../../tools/cli/main.js';
import { tempDir } from '../../helpers/tmp.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  json: <T = unknown>() => T;
}

export interface CliEnv {
  home: string;
  env: Record<string, string | undefined>;
  cwd: string;
  run: (args: string[], opts?: { cwd?: string; env?: Record<string, string | undefined>; tty?: boolean; stdin?: string }) => Promise<CliRun>;
}

export function cliEnv(extra: Record<string, string | undefined> = {}): CliEnv {
  const home = tempDir('mdlibs-cli-home-');
  const cwd = join(home, 'project');
  mkdirSync(cwd, { recursive: true });
  const env: Record<string, string | undefined> = {
    HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), PATH: process.env.PATH, NO_COLOR: '1', ...extra,
  };
  return {
    home, env, cwd,
    run: async (args, o = {}) => {
      let stdout = '';
      let stderr = '';
      const code = await runCli(args, {
        stdout: { write: (s: string) => (stdout += s), isTTY: o.tty ?? false },
        stderr: { write: (s: string) => (stderr += s), isTTY: o.tty ?? false },
        env: { ...env, ...(o.env ?? {}) },
        cwd: o.cwd ?? cwd,
        ...(o.stdin !== undefined ? { stdin: Readable.from([o.stdin]) } : {}),
      });
      return { code, stdout, stderr, json: <T>() => JSON.parse(stdout) as T };
    },
  };
}
