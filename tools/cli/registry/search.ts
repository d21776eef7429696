/** Registry search (CLI-4): the server API when config.json names one, else the prebuilt static index. */
import MiniSearch from 'minisearch';
import { z } from 'zod';
import { loadSearchIndex, summaryEntrySchema } from '../../../index-builder/src/format.js';
import { cliError } from '../errors.js';
import type { RegistryClient } from './client.js';

export interface SearchQuery {
  /** null: no words, a listing of what `tag` and `scope` select (by name). */
  q: string | null;
  tag?: string | undefined;
  scope?: string | undefined;
  sort?: 'relevance' | 'name' | 'downloads' | 'updated' | undefined;
  limit: number;
}

export interface SearchHit {
  name: string;
  description: string;
  latest: string | null;
  tags: string[];
  downloads: number | null;
  visibility: 'public' | 'private' | null;
}

export interface SearchResult {
  via: 'api' | 'static-index';
  total: number;
  hits: SearchHit[];
}

const apiAnswer = z.object({
  libraries: z.array(summaryEntrySchema.extend({ downloads: z.number().optional(), visibility: z.enum(['public', 'private']).optional() })),
  total: z.number().int(),
});

/** A stored field as text: what the builder stores is a string; anything else in a hostile index is nothing. */
const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');

export async function searchRegistry(client: RegistryClient, q: SearchQuery): Promise<SearchResult> {
  const scope = q.scope?.replace(/^@/, '');
  if (await client.apiBase()) {
    const params = new URLSearchParams({ per_page: String(Math.min(100, q.limit)) });
    if (q.q !== null) params.set('q', q.q);
    if (q.tag) params.set('tag', q.tag);
    if (scope) params.set('scope', scope);
    if (q.sort) params.set('sort', q.sort);
    const { json } = await client.api(`libraries?${params.toString()}`, { what: 'search' });
    const r = apiAnswer.safeParse(json);
    if (!r.success) throw cliError('CLI_BAD_RESPONSE', 'the server\'s search answer does not match the API schema', 'the server may be a different version; tell its operator');
    return {
      via: 'api', total: r.data.total,
      hits: r.data.libraries.map((e) => ({ name: e.name, description: e.description, latest: e.latest, tags: e.tags, downloads: e.downloads ?? null, visibility: e.visibility ?? null })),
    };
  }
  if (q.sort === 'downloads') throw cliError('CLI_NO_SERVER', 'sorting by downloads needs an mdlibs server; this registry is a static host', 'sort by relevance, name or updated');
  let index;
  try {
    index = loadSearchIndex(await client.searchIndexJson());
  } catch (e) {
    if (e instanceof Error && e.name === 'MdlibsError') throw e;
    throw cliError('CLI_BAD_RESPONSE', 'the registry\'s search index does not load', 'the registry build is broken; tell its operator', undefined, e);
  }
  let found;
  try {
    // no words: every document (MiniSearch's wildcard), filtered below and listed by name
    found = q.q === null ? index.search(MiniSearch.wildcard) : index.search(q.q);
  } catch (e) {
    throw cliError('CLI_BAD_RESPONSE', 'the registry\'s search index cannot be searched', 'the registry build is broken; tell its operator', undefined, e);
  }
  let hits = found.map((h) => ({
    name: text(h.name) || text(h.id), scope: text(h.scope), description: text(h.description),
    latest: text(h.latest) || null, tags: text(h.tags).split(' ').filter(Boolean), score: h.score,
  }));
  if (q.tag) hits = hits.filter((h) => h.tags.includes(q.tag as string));
  if (scope) hits = hits.filter((h) => h.scope === scope);
  if (q.sort === 'name' || (q.q === null && q.sort === undefined)) hits.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    via: 'static-index', total: hits.length,
    hits: hits.slice(0, q.limit).map((h) => ({ name: h.name, description: h.description, latest: h.latest, tags: h.tags, downloads: null, visibility: null })),
  };
}
