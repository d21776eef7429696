/**
 * Wires yargs to the command registry: registers every command's name and description,
 * loads only the module of the command being run, calls its handler with one options
 * object, prints the returned data (human or --json), and maps errors to exit codes.
 */
import yargs, { type Argv } from 'yargs';
import { formatProblem, isMdlibsError } from '../../index-builder/src/errors.js';
import { stripControlChars } from '../../index-builder/src/format/names.js';
import type { CliCommand, CommandContext } from './command.js';
import { COMMANDS } from './commands/index.js';
import { settleBackgroundWrites } from './net/background-writes.js';
import { cliError, EXIT, exitCodeFor, printableDetails } from './errors.js';
import { colorsEnabled } from './output.js';
import { promptSecret } from './prompt.js';
import { VERSION } from './version.js';

export interface OutStream {
  write(s: string): unknown;
  isTTY?: boolean;
}

export interface CliIO {
  stdout: OutStream;
  stderr: OutStream;
  env: Record<string, string | undefined>;
  cwd: string;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (b: boolean) => unknown };
}

interface Captured {
  cmd: CliCommand | null;
  result: unknown;
}

export function makeContext(io: CliIO): CommandContext {
  const isTTY = Boolean(io.stdout.isTTY);
  const errTTY = Boolean(io.stderr.isTTY);
  let progressShown = false;
  return {
    cwd: io.cwd,
    env: io.env,
    isTTY,
    color: colorsEnabled(io.env, isTTY),
    warn: (line) => {
      if (progressShown) io.stderr.write('\r\x1b[K');
      progressShown = false;
      io.stderr.write(`${stripControlChars(line)}\n`); // warnings quote registry text
    },
    progress: (line) => {
      if (!errTTY) return;
      progressShown = true;
      io.stderr.write(`\r\x1b[K${line}`);
    },
    endProgress: () => {
      if (progressShown) io.stderr.write('\r\x1b[K');
      progressShown = false;
    },
    ...(io.stdin ? { promptSecret: (q: string) => promptSecret(q, io.stdin as NonNullable<CliIO['stdin']>, io.stderr) } : {}),
  };
}

function register(y: Argv, mod: CliCommand, ctx: CommandContext, captured: Captured, describe?: string): Argv {
  return y.command({
    command: mod.command,
    describe: mod.hidden ? false : (describe ?? mod.describe),
    builder: (yy: Argv) => {
      if (mod.subcommands) {
        for (const sub of mod.subcommands) register(yy, sub, ctx, captured);
        return yy.demandCommand(1, `give a subcommand: ${mod.subcommands.map((s) => s.command.split(' ')[0]).join(', ')}`);
      }
      return mod.builder ? mod.builder(yy) : yy;
    },
    handler: async (argv: Record<string, unknown>) => {
      if (!mod.handler) return;
      captured.cmd = mod;
      captured.result = await mod.handler({ ...argv, json: Boolean(argv.json), ctx } as never);
    },
  });
}

interface YargsInternals {
  getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } };
}

/**
 * Stops yargs from formatting a command's whole help text each time it runs the command
 * (usage.cacheHelpMessage, 30-40 ms of a 560 ms warm install in a CPU profile). yargs keeps it
 * for its own failure output, which mdlibs replaces with `.fail()` and typed errors, so it is
 * never read; `--help` is answered before any handler runs and formats its text anew. The
 * Angular CLI does the same (angular/angular-cli#34087). Returns false, changing nothing, if a
 * yargs release no longer has that internal.
 */
export function skipHelpCaching(y: Argv): boolean {
  const usage = (y as unknown as YargsInternals).getInternalMethods?.().getUsageInstance?.();
  if (typeof usage?.cacheHelpMessage !== 'function') return false;
  usage.cacheHelpMessage = () => undefined;
  return true;
}

/** The yargs parser with every command; `load` picks which command modules are loaded fully. */
export async function buildParser(args: readonly string[], ctx: CommandContext, captured: Captured, load: (name: string) => boolean): Promise<Argv> {
  let y: Argv = yargs([...args])
    .scriptName('mdlibs')
    .usage('$0 <command> [options]\n\nInstall, search and author markdown libraries from any mdlibs registry.')
    .option('json', { type: 'boolean', default: false, describe: 'print the result as JSON (stdout)', global: true })
    .version(VERSION)
    .alias('V', 'version')
    .help()
    .alias('h', 'help')
    .strict()
    .recommendCommands()
    .demandCommand(1, 'give a command (mdlibs --help lists them)')
    .exitProcess(false)
    .wrap(Math.min(100, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? cliError('CLI_USAGE', msg, 'see `mdlibs --help` or `mdlibs <command> --help`');
    });
  skipHelpCaching(y);
  for (const entry of COMMANDS) {
    if (load(entry.name)) y = register(y, await entry.load(), ctx, captured, entry.describe);
    else y = y.command(entry.name, entry.describe);
  }
  return y;
}

/** JSON for stdout: JSON escapes C0 itself; C1, DEL and bidi overrides are escaped here too. */
export function toJsonText(v: unknown): string {
  return JSON.stringify(v ?? null, null, 2).replace(/[\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function printError(e: unknown, io: CliIO, json: boolean): number {
  const code = exitCodeFor(e);
  if (json) {
    // structured details (CLI_LOCAL_CHANGES: each edited folder and its paths) as plain data, never a secret
    const details = isMdlibsError(e) ? printableDetails(e.details) : undefined;
    const body = isMdlibsError(e) ? { ...e.toJSON(), ...(details ? { details } : {}) } : { code: 'CLI_INTERNAL', message: e instanceof Error ? e.message : String(e) };
    io.stdout.write(`${toJsonText({ error: body })}\n`);
    return code;
  }
  if (isMdlibsError(e)) {
    for (const p of e.problems) io.stderr.write(`${stripControlChars(formatProblem(p))}\n`);
    io.stderr.write(`error ${e.code}: ${stripControlChars(e.message)}\n`);
    if (e.hint) io.stderr.write(`  fix: ${stripControlChars(e.hint)}\n`);
    return code;
  }
  io.stderr.write(`internal error (a bug in mdlibs): ${e instanceof Error ? (io.env.MDLIBS_DEBUG ? (e.stack ?? e.message) : e.message) : String(e)}\n  please report it with the command you ran (MDLIBS_DEBUG=1 shows the stack)\n`);
  return EXIT.internal;
}

export async function runCli(args: readonly string[], io: CliIO): Promise<number> {
  const ctx = makeContext(io);
  const json = args.includes('--json');
  const name = args.find((a) => !a.startsWith('-'));
  const captured: Captured = { cmd: null, result: undefined };
  let helpText = '';
  try {
    const y = await buildParser(args, ctx, captured, (n) => n === name);
    await new Promise<void>((resolve, reject) => {
      void y.parseAsync([...args], {}, (err: Error | undefined, _argv: unknown, output: string) => {
        if (err) reject(err);
        helpText = output;
      }).then(() => resolve(), reject);
    });
  } catch (e) {
    await settleBackgroundWrites();
    ctx.endProgress?.();
    if (helpText && !isMdlibsError(e)) io.stderr.write(`${helpText}\n`);
    return printError(e, io, json);
  }
  // cache writes the command left running (background-writes.ts) finish before it reports
  await settleBackgroundWrites();
  // the bar's last line ("[####] 2/2 libraries") stayed, and the result was printed after it on the same line
  ctx.endProgress?.();
  if (helpText) io.stdout.write(`${helpText}\n`);
  const { cmd, result } = captured;
  if (!cmd) return EXIT.ok;
  if (json) io.stdout.write(`${toJsonText(result)}\n`);
  else if (cmd.render) {
    const text = cmd.render(result as never, ctx);
    if (text) io.stdout.write(`${text}\n`);
  }
  return EXIT.ok;
}
