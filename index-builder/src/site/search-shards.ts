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

type IndexHead = Omit<MiniSearchJson, 'index'>;

const INDEX_OPEN = ',"index":[';
/** Characters a postings object may hold besides braces: quotes of its digit keys, colons, commas, numbers. */
const POSTINGS_CHAR: boolean[] = Array.from({ length: 128 }, (_, c) => '":,0123456789.eE+-'.includes(String.fromCharCode(c)));
const INDEX_CLOSE = '],"serializationVersion":2}';

/**
 * The builder's canonical index (search/merge-index.ts, serialized by JSON.stringify) cut into its
 * head (parsed) and the JSON text of each `index` entry (not parsed): the entries are the last
 * property but one, each `["term",{"field":{"id":n,…},…}]`, and nothing but the term is a string
 * there. Parsing the whole 11 MB file and serializing the shards again took ~0.25 s of a
 * one-library rebuild at 10,000 libraries; this reads the terms and slices the text. Null when
 * the text is not laid out like that (then the caller parses it all).
 */
export function sliceCanonicalIndex(json: string): { head: IndexHead; entries: { term: string; text: string }[] } | null {
  const open = json.indexOf(INDEX_OPEN); // no string holds an unescaped quote, so this is the property
  if (open < 0 || !json.endsWith(INDEX_CLOSE)) return null;
  let head: IndexHead;
  try {
    head = { ...(JSON.parse(`${json.slice(0, open)}}`) as Omit<IndexHead, 'serializationVersion'>), serializationVersion: 2 };
  } catch {
    return null;
  }
  const end = json.length - INDEX_CLOSE.length; // the index array's closing bracket
  const entries: { term: string; text: string }[] = [];
  let i = open + INDEX_OPEN.length;
  while (i < end) {
    if (json[i] !== '[' || json[i + 1] !== '"') return null;
    let j = i + 2;
    while (j < end && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
    if (j >= end) return null;
    const term = JSON.parse(json.slice(i + 1, j + 1)) as string;
    if (json[j + 1] !== ',' || json[j + 2] !== '{') return null;
    // the postings: objects of digit-string keys and numbers, nothing else
    let depth = 0;
    let k = j + 2;
    for (; k < end; k++) {
      const c = json.charCodeAt(k);
      if (c === 123) depth++; // {
      else if (c === 125) { // }
        if (--depth === 0) break;
      } else if (!POSTINGS_CHAR[c]) return null;
    }
    if (depth !== 0 || json[k + 1] !== ']') return null;
    entries.push({ term, text: json.slice(i, k + 2) });
    i = k + 2;
    if (i < end) {
      if (json[i] !== ',') return null;
      i++;
    }
  }
  return { head, entries };
}

export function shardSearchIndex(json: string): { base: SearchBase; shards: Map<string, string> } {
  let sliced = sliceCanonicalIndex(json);
  if (!sliced) {
    const ms = JSON.parse(json) as MiniSearchJson;
    if (ms.serializationVersion !== 2) throw new Error(`unsupported MiniSearch serialization version ${ms.serializationVersion}`);
    const { index, ...head } = ms;
    sliced = { head, entries: index.map((e) => ({ term: e[0], text: JSON.stringify(e) })) };
  }
  const { head: ms, entries: all } = sliced;
  const groups = new Map<string, string[]>();
  for (const entry of all) {
    const key = shardKey(entry.term);
    const g = groups.get(key);
    if (g) g.push(entry.text);
    else groups.set(key, [entry.text]);
  }
  const storedFields: MiniSearchJson['storedFields'] = {};
  for (const [id, f] of Object.entries(ms.storedFields)) {
    const d = typeof f.description === 'string' ? f.description : '';
    storedFields[id] = { name: f.name, description: d.length > DESCRIPTION_MAX ? `${d.slice(0, DESCRIPTION_MAX - 1)}…` : d, tags: f.tags, latest: f.latest };
  }
  const shards = new Map<string, string>();
  const files: SearchBase['shards'] = {};
  for (const key of [...groups.keys()].sort()) {
    const texts = groups.get(key) ?? [];
    const file = searchShard(key);
    shards.set(file, `[${texts.join(',')}]`);
    files[key] = { file, terms: texts.length };
  }
  const { documentIds: _ids, ...rest } = ms;
  const base: SearchBase = {
    format: 'mdlibs-web-search/1',
    options: { fields: [...SEARCH_OPTIONS.fields], storeFields: ['name', 'description', 'tags', 'latest'], searchOptions: { ...SEARCH_OPTIONS.searchOptions, boost: { ...SEARCH_OPTIONS.searchOptions.boost } } },
    index: { ...rest, storedFields },
    shards: files,
  };
  return { base, shards };
}

export const SEARCH_BASE_PATH = SITE_PATHS.searchBase;
