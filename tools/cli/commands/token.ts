/** `mdlibs token create|list|revoke` (CLI-3): the server's token API. A new token is shown once. */
import { z } from 'zod';
import { defineCommand, type CliCommand, type CommandContext } from '../command.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { cliError } from '../errors.js';
import { safe, table } from '../output.js';
import type { RegistryClient } from '../registry/client.js';
import { Session } from '../registry/session.js';
import { registryOption, type RegistryFlags } from './shared.js';

const tokenView = z.object({
  id: z.string(),
  name: z.string(),
  owner: z.string().optional(),
  scopes: z.array(z.string()).default([]),
  admin: z.boolean().default(false),
  created_at: z.string().nullable().optional(),
  expires_at: z.string().nullable().optional(),
  last_used_at: z.string().nullable().optional(),
  revoked_at: z.string().nullable().optional(),
  /** `active`, `expired` or `revoked` (servers before it had no such field). */
  state: z.string().optional(),
});
type TokenView = z.infer<typeof tokenView>;

function client(ctx: CommandContext, o: RegistryFlags): RegistryClient {
  const settings = loadSettings(ctx, { registry: o.registry, timeout: o.timeout });
  const target = targetRegistry(settings);
  if (!target.token) throw cliError('CLI_AUTH_REQUIRED', `you are not logged in to ${target.url}`, 'run `mdlibs login` first (managing tokens needs a token)');
  return new Session(settings, ctx).client(target.url);
}

function parse<T>(schema: z.ZodType<T>, json: unknown): T {
  const r = schema.safeParse(json);
  if (!r.success) throw cliError('CLI_BAD_RESPONSE', 'the server\'s token answer does not match the API schema', 'the server may be a different version; tell its operator');
  return r.data;
}

/** The server lists active tokens; `inactive` adds the expired and revoked ones it still keeps. */
async function listAll(c: RegistryClient, inactive = false): Promise<TokenView[]> {
  const { json } = await c.api(inactive ? 'auth/tokens?include=inactive' : 'auth/tokens', { what: 'listing tokens' });
  return parse(z.object({ tokens: z.array(tokenView) }), json).tokens;
}

const create = defineCommand<RegistryFlags & { label?: string; name?: string; scope?: string[]; expires?: string; admin: boolean }, TokenView & { token: string }>({
  command: 'create [label]',
  describe: 'Create a token (printed once; store it safely)',
  builder: (y) => registryOption(y.positional('label', { type: 'string', describe: 'a name to recognise the token by (e.g. ci-docs); or --name' }))
    .option('name', { type: 'string', describe: 'the same as the positional name (mdlibs token create ci-docs)' })
    .option('scope', { type: 'string', array: true, describe: 'private scopes the token may read (repeat: --scope @acme --scope @ops)' })
    // no default sent: the server gives 90 days, or the rest of the creating token's lifetime when
    // shorter (a token may not outlive the one creating it, so a fixed 90d was refused by every
    // token created more than a moment ago with 90 days)
    .option('expires', { type: 'string', describe: 'lifetime: 30m, 12h, 90d, 1y or never (default: 90d, at most what is left of the token you use)' })
    .option('admin', { type: 'boolean', default: false, describe: 'an admin token (needs an admin token)' }),
  handler: async (o) => {
    // `token create ci-docs` (as `token revoke ci-docs` names it) or `--name ci-docs`
    if (o.label !== undefined && o.name !== undefined && o.label !== o.name) {
      throw cliError('CLI_USAGE', `two names given for the token ("${safe(o.label, 64)}" and --name "${safe(o.name, 64)}")`, 'give one: mdlibs token create <name>');
    }
    const name = o.label ?? o.name;
    if (name === undefined) throw cliError('CLI_USAGE', 'the token needs a name', 'mdlibs token create <name> (e.g. ci-docs), to recognise it in `mdlibs token list` and revoke it by name');
    const body = { name, scopes: o.scope ?? [], ...(o.expires === undefined ? {} : { expires_in: o.expires === 'never' ? null : o.expires }), admin: o.admin };
    const { json } = await client(o.ctx, o).api('auth/tokens', { method: 'POST', body, what: 'creating a token' });
    return parse(tokenView.extend({ token: z.string() }), json);
  },
  render: (r) => [
    `created token "${safe(r.name)}" (${safe(r.id)})${r.expires_at ? `, expires ${safe(r.expires_at)}` : ', never expires'}`,
    '',
    `  ${safe(r.token)}`,
    '',
    'This is the only time the token is shown. Store it now (mdlibs login --token … or your CI secret store).',
  ].join('\n'),
});

/** The token's state as the server says it; an older server without `state` lists only revoked_at and expires_at. */
function stateOf(t: TokenView, now = Date.now()): string {
  if (t.state !== undefined) return t.state;
  if (t.revoked_at) return 'revoked';
  return t.expires_at && Date.parse(t.expires_at) <= now ? 'expired' : 'active';
}

const list = defineCommand<RegistryFlags & { all: boolean }, { tokens: TokenView[] }>({
  command: 'list',
  describe: 'List your tokens (never their secrets)',
  builder: (y) => registryOption(y)
    .option('all', { type: 'boolean', default: false, describe: 'include expired and revoked tokens (the server keeps them 30 days by default); without it only active tokens are listed' }),
  handler: async (o) => ({ tokens: await listAll(client(o.ctx, o), o.all) }),
  render: (r) => (r.tokens.length
    ? table(r.tokens.map((t) => [safe(t.id), safe(t.name, 40), t.scopes.map((s) => safe(s)).join(',') || '-', safe(t.expires_at ?? 'never'), safe(t.last_used_at ?? '-'), safe(stateOf(t), 20)]), ['ID', 'NAME', 'SCOPES', 'EXPIRES', 'LAST USED', 'STATE'])
    : 'no tokens'),
});

const revoke = defineCommand<RegistryFlags & { token: string }, { id: string; name: string }>({
  command: 'revoke <token>',
  describe: 'Revoke a token by id or by name',
  builder: (y) => registryOption(y).positional('token', { type: 'string', describe: 'token id (tok_…) or name' }),
  handler: async (o) => {
    const c = client(o.ctx, o);
    const all = (await listAll(c)).filter((t) => !t.revoked_at);
    const byId = all.find((t) => t.id === o.token);
    const byName = all.filter((t) => t.name === o.token);
    if (!byId && byName.length > 1) throw cliError('CLI_TOKEN_NOT_FOUND', `${byName.length} active tokens are named "${safe(o.token, 100)}"`, `revoke by id instead: ${byName.map((t) => t.id).join(', ')}`);
    const t = byId ?? byName[0];
    if (!t) throw cliError('CLI_TOKEN_NOT_FOUND', `no active token has the id or name "${safe(o.token, 100)}"`, '`mdlibs token list` shows your tokens');
    await c.api(`auth/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE', what: 'revoking a token' });
    return { id: t.id, name: t.name };
  },
  render: (r) => `revoked token "${safe(r.name)}" (${safe(r.id)})`,
});

export default defineCommand({
  command: 'token',
  describe: 'Create, list and revoke API tokens',
  subcommands: [create, list, revoke] as unknown as CliCommand[],
});
