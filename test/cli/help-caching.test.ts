/** yargs' eager help formatting is skipped when a command runs; help itself still works. */
import yargs, { type Argv } from 'yargs';
import { describe, expect, it } from 'vitest';
import { buildParser, makeContext, skipHelpCaching } from '../../tools/cli/main.js';
import { cliEnv } from './helpers/cli.js';

interface Usage { help: () => string }

/** Counts how often yargs formats help text on this parser. */
function countHelp(y: Argv): { calls: number } {
  const usage = (y as unknown as { getInternalMethods: () => { getUsageInstance: () => Usage } }).getInternalMethods().getUsageInstance();
  const counter = { calls: 0 };
  const help = usage.help.bind(usage);
  usage.help = () => {
    counter.calls++;
    return help();
  };
  return counter;
}

const parser = () => yargs([]).exitProcess(false).command('run', 'runs', (yy) => yy.option('level', { type: 'number', describe: 'a level' }), () => undefined);

describe('help caching', () => {
  it('plain yargs formats the whole help of every command it runs (what skipHelpCaching removes)', async () => {
    const y = parser();
    const n = countHelp(y);
    await y.parseAsync(['run', '--level', '2']);
    expect(n.calls).toBeGreaterThan(0);
  });

  it('after skipHelpCaching a command runs without formatting help, and --help still prints it', async () => {
    const y = parser();
    expect(skipHelpCaching(y)).toBe(true);
    const n = countHelp(y);
    await y.parseAsync(['run', '--level', '2']);
    expect(n.calls).toBe(0);
    const h = parser();
    skipHelpCaching(h);
    let out = '';
    await h.parseAsync(['run', '--help'], {}, (_e, _a, o) => {
      out = o;
    });
    expect(out).toContain('--level');
  });

  it('the mdlibs parser runs `registry list` without formatting help; `registry list --help` prints it', async () => {
    const cli = cliEnv();
    const ctx = makeContext({ stdout: { write: () => true }, stderr: { write: () => true }, env: cli.env, cwd: cli.cwd });
    const captured = { cmd: null, result: undefined as unknown };
    const y = await buildParser(['registry', 'list'], ctx, captured, (name) => name === 'registry');
    const n = countHelp(y);
    await y.parseAsync(['registry', 'list']);
    expect(n.calls).toBe(0);
    expect(captured.result).toEqual({ registries: [], default: null });
    const help = await cli.run(['registry', 'list', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mdlibs registry list');
    expect(help.stdout).toContain('--json');
  });
});
