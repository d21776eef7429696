/** `mdlibs search [q]`: a registry (CLI-4; no words with --scope or --tag lists them), or local docs with --local / --title-only (CLI-1). */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { cliError } from '../errors.js';
import { safe, table } from '../output.js';
import type { LocalHit } from '../local/search.js';
import type { SearchResult } from '../registry/search.js';
import { Session } from '../registry/session.js';
import { registryOption, type RegistryFlags } from './shared.js';

interface Opts extends RegistryFlags {
  query?: string;
  local: boolean;
  titleOnly: boolean;
  tag?: string;
  scope?: string;
  sort?: 'relevance' | 'name' | 'downloads' | 'updated';
  limit: number;
  path?: string;
}

type Result = ({ kind: 'registry'; registry: string } & SearchResult) | { kind: 'local'; hits: LocalHit[] };

export default defineCommand<Opts, Result>({
  command: 'search [query]',
  describe: 'Search a registry, or local docs with --local',
  builder: (y) => registryOption(y)
    .positional('query', { type: 'string', describe: 'words to look for (prefix and fuzzy matching); none with --scope or --tag lists those libraries by name' })
    .option('local', { type: 'boolean', default: false, describe: 'search the markdown documents in this folder instead of a registry' })
    .option('title-only', { type: 'boolean', default: false, describe: 'local search: match document titles only (implies --local)' })
    .option('tag', { type: 'string', describe: 'registry search: only libraries with this tag' })
    .option('scope', { type: 'string', describe: 'registry search: only libraries in this scope (@acme or acme)' })
    .option('sort', { choices: ['relevance', 'name', 'downloads', 'updated'] as const, describe: 'registry search order (downloads and updated need a server)' })
    .option('limit', { type: 'number', default: 20, describe: 'most results to show (1-100)' })
    .option('path', { type: 'string', describe: 'local search: folder to search (default: current folder)' }),
  handler: async (o) => {
    const limit = Math.max(1, Math.min(100, Math.floor(o.limit)));
    const query = o.query?.trim() ?? '';
    if (o.local || o.titleOnly) {
      if (!query) throw cliError('CLI_USAGE', 'the search query is empty', 'give one or more words to search for');
      const { readDocs } = await import('../local/docs.js');
      const { searchDocs } = await import('../local/search.js');
      return { kind: 'local', hits: searchDocs(await readDocs(resolve(o.ctx.cwd, o.path ?? '.')), query, o.titleOnly, limit) };
    }
    // like `npm search` with a filter only: every library of a scope or with a tag, by name
    if (!query && !o.scope && !o.tag) throw cliError('CLI_USAGE', 'the search query is empty', 'give one or more words to search for, or --scope @acme / --tag <tag> to list libraries');
    const settings = loadSettings(o.ctx, { registry: o.registry, timeout: o.timeout });
    const target = targetRegistry(settings);
    const { searchRegistry } = await import('../registry/search.js');
    const r = await searchRegistry(new Session(settings, o.ctx).client(target.url), { q: query || null, tag: o.tag, scope: o.scope, sort: o.sort, limit });
    return { kind: 'registry', registry: target.url, ...r };
  },
  render: (r) => {
    if (r.kind === 'local') {
      if (!r.hits.length) return 'no matching documents';
      return table(r.hits.map((h) => [safe(h.path), safe(h.title)]), ['DOCUMENT', 'TITLE']);
    }
    if (!r.hits.length) return `no libraries match (searched ${r.registry})`;
    const rows = r.hits.map((h) => [safe(h.name, 80), safe(h.latest ?? '-', 40), safe(h.description, 70), h.downloads === null ? '' : String(h.downloads)]);
    const head = r.hits.some((h) => h.downloads !== null) ? ['LIBRARY', 'LATEST', 'DESCRIPTION', 'DOWNLOADS'] : ['LIBRARY', 'LATEST', 'DESCRIPTION'];
    return `${table(rows.map((x) => x.slice(0, head.length)), head)}\n${r.hits.length} of ${r.total} shown`;
  },
});
