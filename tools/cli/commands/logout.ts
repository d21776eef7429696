/** `mdlibs logout [--registry]` (CLI-3): forget the stored token. */
import { defineCommand } from '../command.js';
import { removeToken } from '../config/credentials.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { safe } from '../output.js';

export default defineCommand<{ registry?: string }, { registry: string; removed: boolean }>({
  command: 'logout',
  describe: 'Forget the token for a registry',
  builder: (y) => y.option('registry', { type: 'string', describe: 'registry name or URL (default: the default registry)' }),
  handler: async (o) => {
    const target = targetRegistry(loadSettings(o.ctx, { registry: o.registry }));
    return { registry: target.url, removed: removeToken(o.ctx.env, target.url) };
  },
  render: (r) => (r.removed ? `logged out of ${safe(r.registry, 2048)}` : `no token was stored for ${safe(r.registry, 2048)}`),
});
