/**
 * The command reference, read from the yargs definitions themselves: every command,
 * subcommand, positional and option with its type, default and description. docs/cli.md
 * embeds it (test/cli/docs.test.ts checks it is current, so the docs cannot drift).
 */
import type { Argv } from 'yargs';
import type { CliCommand } from './command.js';
import { COMMANDS } from './commands/index.js';

export interface OptionRef {
  name: string;
  positional: boolean;
  type: string;
  default: unknown;
  describe: string;
}

export interface CommandRef {
  /** e.g. `registry add <name> <url>` */
  usage: string;
  describe: string;
  options: OptionRef[];
}

type OptDef = { type?: string; array?: boolean; default?: unknown; describe?: string; choices?: readonly unknown[] };

/** Runs a builder against a recorder that notes positional/option calls and ignores the rest. */
function record(builder: ((y: Argv) => Argv) | undefined): OptionRef[] {
  const out: OptionRef[] = [];
  const add = (name: string, d: OptDef, positional: boolean) => {
    const type = d.choices ? d.choices.map(String).join(' | ') : `${d.type ?? 'string'}${d.array ? '[]' : ''}`;
    out.push({ name, positional, type, default: d.default, describe: d.describe ?? '' });
  };
  const proxy: Argv = new Proxy({} as Argv, {
    get: (_t, prop) => {
      if (prop === 'positional') return (n: string, d: OptDef) => (add(n, d, true), proxy);
      if (prop === 'option' || prop === 'options') {
        return (n: string | Record<string, OptDef>, d?: OptDef) => {
          if (typeof n === 'string') add(n, d ?? {}, false);
          else for (const [k, v] of Object.entries(n)) add(k, v, false);
          return proxy;
        };
      }
      return () => proxy;
    },
  });
  builder?.(proxy);
  return out;
}

function walk(mod: CliCommand, prefix: string, describe: string, out: CommandRef[]): void {
  const usage = `${prefix}${mod.command}`;
  if (mod.subcommands) {
    out.push({ usage, describe, options: [] });
    for (const sub of mod.subcommands) walk(sub, `${usage.split(' ')[0]} `, sub.describe, out);
    return;
  }
  out.push({ usage, describe, options: record(mod.builder) });
}

export async function commandReference(): Promise<CommandRef[]> {
  const out: CommandRef[] = [];
  for (const c of COMMANDS) walk(await c.load(), '', c.describe, out);
  return out;
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderReference(refs: readonly CommandRef[]): string {
  const parts: string[] = [];
  for (const r of refs) {
    parts.push(`### \`mdlibs ${r.usage}\``, '', r.describe, '');
    if (r.options.length) {
      parts.push('| Argument | Type | Default | Description |', '|---|---|---|---|');
      for (const o of r.options) {
        const name = o.positional ? `\`<${o.name}>\`` : `\`--${o.name}\``;
        parts.push(`| ${name} | ${cell(o.type)} | ${o.default === undefined ? '' : `\`${cell(JSON.stringify(o.default))}\``} | ${cell(o.describe)} |`);
      }
      parts.push('');
    }
  }
  return parts.join('\n');
}
