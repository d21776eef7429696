/** docs/cli.md cannot drift: its reference is the yargs definitions; every error and exit code is documented. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_ERRORS, EXIT } from '../../tools/cli/errors.js';
import { commandReference, renderReference } from '../../tools/cli/reference.js';
import { VERSION } from '../../tools/cli/version.js';
import { COMMANDS } from '../../tools/cli/commands/index.js';

const DOC = join(import.meta.dirname, '../../docs/cli.md');
const START = '<!-- reference:start (generated from the yargs definitions; MDLIBS_UPDATE_DOCS=1 npx vitest run test/cli/docs.test.ts rewrites it) -->';
const END = '<!-- reference:end -->';

describe('docs/cli.md', () => {
  it('embeds the current command reference', async () => {
    const text = readFileSync(DOC, 'utf8');
    const a = text.indexOf(START);
    const b = text.indexOf(END);
    expect(a).toBeGreaterThan(-1);
    expect(b).toBeGreaterThan(a);
    const want = `${START}\n\n${renderReference(await commandReference())}\n${END}`;
    const have = text.slice(a, b + END.length);
    if (process.env.MDLIBS_UPDATE_DOCS === '1' && have !== want) writeFileSync(DOC, text.slice(0, a) + want + text.slice(b + END.length));
    else expect(have).toBe(want);
  });

  it('the reference covers every command and option (a recorder sanity check)', async () => {
    const refs = await commandReference();
    for (const c of COMMANDS) expect(refs.some((r) => r.usage.split(' ')[0] === c.name)).toBe(true);
    const install = refs.find((r) => r.usage.startsWith('install'));
    expect(install?.options.map((o) => o.name)).toEqual(expect.arrayContaining(['libs', 'registry', 'timeout', 'path', 'offline']));
    expect(refs.some((r) => r.usage === 'token revoke <token>')).toBe(true);
  });

  it('documents every CLI error code with its exit code, and no unknown ones', () => {
    const text = readFileSync(DOC, 'utf8');
    for (const [code, def] of Object.entries(CLI_ERRORS)) {
      expect(text, `${code} missing`).toMatch(new RegExp(`\\| \`${code}\` \\| ${def.exit} \\|`));
    }
    const mentioned = new Set(text.match(/\bCLI_[A-Z_]+\b/g) ?? []);
    for (const m of mentioned) expect(Object.keys(CLI_ERRORS), `docs mention unknown ${m}`).toContain(m);
  });

  it('documents every exit code', () => {
    const text = readFileSync(DOC, 'utf8');
    for (const [name, code] of Object.entries(EXIT)) expect(text, `exit ${name}`).toMatch(new RegExp(`\\| ${code} \\| \`${name}\` \\|`));
  });

  it('the CLI version is the package version', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
