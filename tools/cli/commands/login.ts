/** `mdlibs login [--registry] [--token]` (CLI-3): verify the token with the server, store it 0600. */
import { defineCommand } from '../command.js';
import { saveToken } from '../config/credentials.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { cliError } from '../errors.js';
import { safe } from '../output.js';
import { RegistryClient } from '../registry/client.js';
import { fetchMe } from '../registry/me.js';
import { Session } from '../registry/session.js';
import { registryOption, type RegistryFlags } from './shared.js';

interface Opts extends RegistryFlags {
  token?: string;
}

export default defineCommand<Opts, { registry: string; user: string; file: string; expiresAt: string | null }>({
  command: 'login',
  describe: 'Store a token for a registry (verified with its server)',
  builder: (y) => registryOption(y)
    .option('token', { type: 'string', describe: 'the token (mdl_…); without it you are prompted (input hidden) or it is read from stdin' })
    .example('$0 login --registry acme', 'prompt for a token and store it')
    .example('echo "$TOKEN" | $0 login --registry https://registry.example.com/', 'non-interactive'),
  handler: async (o) => {
    const settings = loadSettings(o.ctx, { registry: o.registry, timeout: o.timeout });
    const target = targetRegistry(settings);
    let token = o.token?.trim();
    if (!token) {
      if (!o.ctx.promptSecret) throw cliError('CLI_USAGE', 'no token given', 'pass --token <token> or run in a terminal');
      token = await o.ctx.promptSecret(`Token for ${target.url}: `);
    }
    if (!token) throw cliError('CLI_USAGE', 'the token is empty', 'paste the token you created (mdl_…)');
    const session = new Session(settings, o.ctx);
    const client = new RegistryClient({ url: target.url, token, timeoutMs: settings.timeoutMs.value, cache: session.httpCache });
    const me = await fetchMe(client);
    const file = saveToken(o.ctx.env, target.url, token, me.user);
    return { registry: target.url, user: me.user, file, expiresAt: me.token?.expires_at ?? null };
  },
  render: (r) => `logged in to ${safe(r.registry, 2048)} as ${safe(r.user)}${r.expiresAt ? ` (token expires ${safe(r.expiresAt)})` : ''}\n  token stored in ${r.file} (mode 0600)`,
});
