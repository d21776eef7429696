/**
 * The shape every command module follows (see README.md). Handlers take one options
 * object and return data; `render` turns that data into human text. Printing, `--json`
 * and exit codes are handled once, in main.ts.
 */
import type { Argv } from 'yargs';

/** What a handler may know about where it runs. Tests pass their own. */
export interface CommandContext {
  cwd: string;
  env: Record<string, string | undefined>;
  /** True when stdout is a terminal (progress bars, colours). */
  isTTY: boolean;
  /** Colours on (TTY and no NO_COLOR). */
  color: boolean;
  /** Where warnings and progress go (never stdout, so --json stays parseable). */
  warn: (line: string) => void;
  /** Progress output (TTY only); may be a no-op. */
  progress: (line: string) => void;
  /** Clears a progress line still on the terminal (the runner calls it before the result or error is printed). */
  endProgress?: () => void;
  /** Reads a secret from the terminal without echo (login). */
  promptSecret?: (question: string) => Promise<string>;
}

/** Options every command receives besides its own. */
export interface CommonOptions {
  json: boolean;
  ctx: CommandContext;
}

export interface CliCommand<O = Record<string, unknown>, R = unknown> {
  /** yargs command string, e.g. `install [libs..]`. */
  command: string;
  describe: string;
  /** Declares options and positionals (yargs builder). */
  builder?: (y: Argv) => Argv;
  /** Subcommands (`registry add`, `token create`...). A module has either handler or subcommands. */
  subcommands?: readonly CliCommand[];
  handler?: (opts: O & CommonOptions) => Promise<R>;
  /** Human output for the handler's result; omitted: nothing is printed unless --json. */
  render?: (result: R, ctx: CommandContext) => string;
  /** Hidden from help. */
  hidden?: boolean;
}

/** Helper for type inference in command modules. */
export function defineCommand<O, R>(c: CliCommand<O, R>): CliCommand<O, R> {
  return c;
}
