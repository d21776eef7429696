/** Human output of install, update and uninstall. */
import type { CommandContext } from '../command.js';
import type { InstallResult } from '../install/installer.js';
import { colors, safe } from '../output.js';

export function renderInstall(r: InstallResult, ctx: CommandContext): string {
  const c = colors(ctx.color);
  const byName = new Map(r.libraries.map((l) => [l.name, l]));
  const lines: string[] = [];
  for (const n of r.extracted) lines.push(`${c.green('+')} ${safe(n, 140)}@${safe(byName.get(n)?.version ?? '?', 64)}`);
  for (const n of r.removed) lines.push(`${c.red('-')} ${safe(n, 140)}`);
  const parts = [`${r.libraries.length} ${r.libraries.length === 1 ? 'library' : 'libraries'} installed`];
  if (r.extracted.length) parts.push(`${r.extracted.length} extracted (${r.downloaded} downloaded, ${r.fromCache} from cache)`);
  if (r.unchanged.length) parts.push(`${r.unchanged.length} unchanged`);
  if (r.removed.length) parts.push(`${r.removed.length} removed`);
  lines.push(parts.join(', '));
  return lines.join('\n');
}
