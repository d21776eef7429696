/**
 * The browser's search index: the builder's prebuilt MiniSearch index (search/index.json) split
 * like Pagefind does. `search/web/base.json` holds what every query needs (document ids, field
 * lengths, slim stored fields, options); `search/web/shard-<k>.json` holds the terms starting with
 * character k, with their full posting lists, so scores equal those of the whole index. A query
 * loads the base plus one shard per distinct first character of its words.
 */
import { SEARCH_OPTIONS } from '../format/protocol.js';
import type { MiniSearchJson } from '../search/compact-index.js';
import { searchShard, SITE_PATHS } from './site-paths.js';

export interface SearchBase {
  format: 'mdlibs-web-search/1';
  options: { fields: string[]; storeFields: string[]; searchOptions: typeof SEARCH_OPTIONS.searchOptions };
  /** MiniSearch JSON without `index` and `documentIds` (rebuilt in the browser from stored names). */
  index: Omit<MiniSearchJson, 'index' | 'documentIds'>;
  /** Shard key -> file (tree-relative) and its term count. */
  shards: Record<string, { file: string; terms: number }>;
}

/** Shard of a (lower-cased) term: its first ASCII letter or digit, else `_`. Browser code mirrors this. */
export function shardKey(term: string): string {
  const c = term.charAt(0);
  return /^[a-z0-9]$/.test(c) ? c : '_';
}

const DESCRIPTION_MAX = 160;

export function shardSearchIndex(json: string): { base: SearchBase; shards: Map<string, string> } {
  const ms = JSON.parse(json) as MiniSearchJson;
  if (ms.serializationVersion !== 2) throw new Error(`unsupported MiniSearch serialization version ${ms.serializationVersion}`);
  const groups = new Map<string, MiniSearchJson['index']>();
  for (const entry of ms.index) {
    const key = shardKey(entry[0]);
    const g = groups.get(key);
    if (g) g.push(entry);
    else groups.set(key, [entry]);
  }
  const storedFields: MiniSearchJson['storedFields'] = {};
  for (const [id, f] of Object.entries(ms.storedFields)) {
    const d = typeof f.description === 'string' ? f.description : '';
    storedFields[id] = { name: f.name, description: d.length > DESCRIPTION_MAX ? `${d.slice(0, DESCRIPTION_MAX - 1)}…` : d, tags: f.tags, latest: f.latest };
  }
  const shards = new Map<string, string>();
  const files: SearchBase['shards'] = {};
  for (const key of [...groups.keys()].sort()) {
    const entries = groups.get(key) ?? [];
    const file = searchShard(key);
    shards.set(file, JSON.stringify(entries));
    files[key] = { file, terms: entries.length };
  }
  const { index: _index, documentIds: _ids, ...rest } = ms;
  const base: SearchBase = {
    format: 'mdlibs-web-search/1',
    options: { fields: [...SEARCH_OPTIONS.fields], storeFields: ['name', 'description', 'tags', 'latest'], searchOptions: { ...SEARCH_OPTIONS.searchOptions, boost: { ...SEARCH_OPTIONS.searchOptions.boost } } },
    index: { ...rest, storedFields },
    shards: files,
  };
  return { base, shards };
}

export const SEARCH_BASE_PATH = SITE_PATHS.searchBase;
