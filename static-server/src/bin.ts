#!/usr/bin/env node
/**
 * mdlibs-server: `serve` (default) and the admin commands on the server host:
 * `token create --owner alice --scope @acme --expires 90d [--admin]`, `token list [--include inactive]`, `token revoke <id>`.
 * Options come from defaults < --config file (or MDLIBS_CONFIG) < environment < flags.
 */
import yargs, { type Argv as YArgv, type Options } from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { Store } from './store/store.js';
import { configFromEnv, CONFIG_FILE_ENV, OPTIONS, readConfigFile, resolveConfig, type OptionDoc, type ServerConfig } from './config.js';

type Argv = Record<string, unknown>;

/** An option's flag as docs/server.md writes it, without the dashes: `rate-limit-window`. */
const flagName = (o: OptionDoc): string => o.flag.slice(2);

function configOf(argv: Argv, needTree: boolean): ServerConfig {
  const file = (argv.config as string | undefined) ?? process.env[CONFIG_FILE_ENV];
  const flags: Record<string, unknown> = {};
  for (const o of OPTIONS) {
    const v = argv[flagName(o)] ?? argv[o.key];
    if (v !== undefined) flags[o.key] = v;
  }
  return resolveConfig(needTree ? {} : { publicDir: '-' }, file ? readConfigFile(file) : {}, configFromEnv(process.env), flags);
}

/**
 * Each option under its documented kebab-case flag, the one --help shows. The config key
 * (`--rateLimitWindowSeconds`, what --help showed before) is accepted too, hidden. yargs' own
 * camel-case expansion cannot stand in for either: `--rate-limit-window` and `--file-cache-mb`
 * expand to `rateLimitWindow` and `fileCacheMb`, which are not the keys (both flags were refused
 * as unknown arguments).
 */
function withOptions<T>(y: YArgv<T>): YArgv<T> {
  const options: Record<string, Options> = { config: { type: 'string', describe: 'config file (TOML or JSON)' } };
  for (const o of OPTIONS) {
    options[flagName(o)] = { type: 'string', describe: `${o.doc} [${o.env}]` };
    if (o.key !== flagName(o)) options[o.key] = { type: 'string', hidden: true };
  }
  return y.options(options) as unknown as YArgv<T>;
}

async function serve(argv: Argv): Promise<void> {
  const { startServer } = await import('./start-server.js');
  const s = await startServer(configOf(argv, true));
  process.stdout.write(`mdlibs-server listening on ${s.url}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

async function withStore<T>(argv: Argv, fn: (store: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('./store/open-store.js');
  const store = await openStore(configOf(argv, false));
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

async function tokenCreate(argv: Argv): Promise<void> {
  const { issueToken, tokenView } = await import('./auth/tokens.js');
  const scopes = ([] as unknown[]).concat(argv.scope ?? []).map(String);
  const issued = await withStore(argv, async (store) => {
    const r = await issueToken(store, { owner: String(argv.owner), name: String(argv.name ?? 'cli'), scopes, admin: Boolean(argv.admin), expiresIn: String(argv.expires) });
    await store.audit({ at: new Date().toISOString(), event: 'token.created', actor: 'server-host', target: r.token.id, ip: null, details: { owner: r.token.owner, scopes: r.token.scopes, admin: r.token.admin, via: 'cli' } });
    return r;
  });
  if (argv.json) process.stdout.write(`${JSON.stringify({ token: issued.secret, ...tokenView(issued.token) })}\n`);
  else process.stdout.write(`${issued.secret}\n`);
  if (!argv.json) process.stderr.write(`token ${issued.token.id} for ${issued.token.owner} (shown once; only its hash is stored)\n`);
}

async function tokenList(argv: Argv): Promise<void> {
  const { tokenState, tokenView } = await import('./auth/tokens.js');
  const now = new Date();
  const activeAt = argv.include === 'inactive' ? undefined : now.toISOString();
  const tokens = await withStore(argv, (s) => s.listTokens((argv.owner as string | undefined) ?? null, activeAt));
  if (argv.json) return void process.stdout.write(`${JSON.stringify({ tokens: tokens.map((t) => tokenView(t, now)) })}\n`);
  for (const t of tokens) {
    const state = tokenState(t, now.getTime());
    const when = state === 'revoked' ? 'revoked' : state === 'expired' ? `expired ${t.expiresAt}` : t.expiresAt ? `expires ${t.expiresAt}` : 'never expires';
    process.stdout.write(`${t.id}\t${t.owner}\t${t.name}\t${t.admin ? 'admin' : t.scopes.map((s) => `@${s}`).join(',') || '-'}\t${when}\n`);
  }
}

async function tokenRevoke(argv: Argv): Promise<void> {
  const id = String(argv.id);
  const ok = await withStore(argv, async (store) => {
    const done = await store.revokeToken(id, new Date().toISOString());
    if (done) await store.audit({ at: new Date().toISOString(), event: 'token.revoked', actor: 'server-host', target: id, ip: null, details: { via: 'cli' } });
    return done;
  });
  if (!ok) {
    process.stderr.write(`error MDL_NOT_FOUND: no active token ${id}\n`);
    process.exitCode = 1;
  } else process.stdout.write(`revoked ${id}\n`);
}

const run = (fn: (a: Argv) => Promise<void>) => (a: Argv) =>
  fn(a).catch((e: unknown) => {
    const err = e as { code?: string; message?: string; issues?: unknown };
    process.stderr.write(`error ${err.code ?? 'MDL_INTERNAL'}: ${err.message ?? String(e)}\n`);
    process.exit(1);
  });

await withOptions(yargs(hideBin(process.argv)).scriptName('mdlibs-server'))
  .command(['serve', '$0'], 'serve the built trees', (y) => y, run(serve))
  .command('token', 'manage tokens on the server host', (y) =>
    y
      .command('create', 'mint a token (printed once)', (z) => z
        .option('owner', { type: 'string', demandOption: true, describe: 'Git-host username' })
        .option('scope', { type: 'string', array: true, describe: 'scope it may read, e.g. @acme (repeat)' })
        .option('name', { type: 'string', default: 'cli' })
        .option('expires', { type: 'string', default: '90d', describe: '90d, 12h, 1y or never' })
        .option('admin', { type: 'boolean', default: false })
        .option('json', { type: 'boolean', default: false }), run(tokenCreate))
      .command('list', 'list active tokens (never secrets)', (z) => z
        .option('owner', { type: 'string' })
        .option('include', { type: 'string', choices: ['inactive'], describe: 'inactive: expired and revoked tokens too (kept tokenRetentionDays)' })
        .option('json', { type: 'boolean', default: false }), run(tokenList))
      .command('revoke <id>', 'revoke a token at once', (z) => z.positional('id', { type: 'string', demandOption: true }), run(tokenRevoke))
      .demandCommand(1),
  )
  .strict()
  .help()
  .parseAsync();
