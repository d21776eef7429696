/** `mdlibs whoami [--registry]` (CLI-3). */
import { defineCommand } from '../command.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { cliError } from '../errors.js';
import { safe } from '../output.js';
import { fetchMe, type Me } from '../registry/me.js';
import { Session } from '../registry/session.js';
import { registryOption, type RegistryFlags } from './shared.js';

export default defineCommand<RegistryFlags, { registry: string; tokenFrom: string } & Me>({
  command: 'whoami',
  describe: 'Show who the stored token belongs to',
  builder: registryOption,
  handler: async (o) => {
    const settings = loadSettings(o.ctx, { registry: o.registry, timeout: o.timeout });
    const target = targetRegistry(settings);
    if (!target.token) throw cliError('CLI_AUTH_REQUIRED', `you are not logged in to ${target.url}`, 'run `mdlibs login` (or set MDLIBS_TOKEN)');
    const me = await fetchMe(new Session(settings, o.ctx).client(target.url));
    return { registry: target.url, tokenFrom: target.token.source, ...me };
  },
  render: (r) => {
    const lines = [`${safe(r.user)}${r.admin ? ' (admin token)' : ''} on ${safe(r.registry, 2048)}`];
    if (r.token?.name) lines.push(`  token: ${safe(r.token.name)}${r.token.expires_at ? `, expires ${safe(r.token.expires_at)}` : ', never expires'} (from ${r.tokenFrom})`);
    if (r.private_scopes?.length) lines.push(`  private scopes: ${r.private_scopes.map((s) => safe(s)).join(', ')}`);
    if (r.teams?.length) lines.push(`  teams: ${r.teams.map((t) => `${safe(t.team)} (${safe(t.role)})`).join(', ')}`);
    return lines.join('\n');
  },
});
