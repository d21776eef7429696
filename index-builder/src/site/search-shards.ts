/**
 * The browser's search index: the builder's prebuilt MiniSearch index (search/index.json) split
 * like Pagefind does. `search/web/base.json` holds what every query needs (document ids, field
 * lengths, slim stored fields, options); `search/web/shard-<k>.json` holds the terms starting with
 * character k, with their full posting lists, so scores equal those of the whole index. A query
 * loads the base plus one shard per distinct first character of its words.
 */
import { createHash } from 'node:crypto';
import type { DerivedFile } from '../build/site-hook.js';
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
const INDEX_CLOSE = '],"serializationVersion":2}';
/**
 * What follows an entry's term, as canonicalText and JSON.stringify write it: `,{"field":{"id":n,…},…}]`
 * (field and document ids are integer keys, counts are numbers). Sticky: matched where the term ends.
 */
const NUM = String.raw`-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?`;
const FIELD = String.raw`"\d+":\{"\d+":${NUM}(?:,"\d+":${NUM})*\}`;
const POSTINGS = new RegExp(String.raw`,\{${FIELD}(?:,${FIELD})*\}\]`, 'y');

/** Index of the quote that closes the JSON string whose content starts at `from` (-1: none before `end`). */
function closingQuote(json: string, from: number, end: number): number {
  for (let q = json.indexOf('"', from); q >= 0 && q < end; q = json.indexOf('"', q + 1)) {
    let backslashes = 0;
    while (json.charCodeAt(q - 1 - backslashes) === 92) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return -1;
}

/**
 * The builder's canonical index (search/merge-index.ts, serialized by JSON.stringify) cut into its
 * head (parsed) and the JSON text of each `index` entry (not parsed): the entries are the last
 * property but one, each `["term",{"field":{"id":n,…},…}]`, and nothing but the term is a string
 * there. Parsing the whole 11 MB file and serializing the shards again took ~0.25 s of a
 * one-library rebuild at 10,000 libraries; this reads the terms and slices the text, finding each
 * term's end with indexOf and checking its postings with one sticky regular expression (a loop
 * over the postings' characters in JavaScript took ~3x longer). Null when the text is not laid
 * out like that (then the caller parses it all).
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
    if (json.charCodeAt(i) !== 91 /* [ */ || json.charCodeAt(i + 1) !== 34 /* " */) return null;
    const q = closingQuote(json, i + 2, end);
    if (q < 0) return null;
    POSTINGS.lastIndex = q + 1;
    if (!POSTINGS.test(json) || POSTINGS.lastIndex > end) return null;
    let term: unknown;
    try {
      term = JSON.parse(json.slice(i + 1, q + 1));
    } catch {
      return null;
    }
    entries.push({ term: term as string, text: json.slice(i, POSTINGS.lastIndex) });
    i = POSTINGS.lastIndex;
    if (i < end) {
      if (json.charCodeAt(i) !== 44 /* , */) return null;
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

/**
 * The browser's search files of a search index text, each with the sha256 of its text: the base,
 * then each shard. Pure: the builder also runs it on its search index worker (emit-site.ts
 * searchFiles).
 */
export function browserSearchFiles(json: string): DerivedFile[] {
  const { base, shards } = shardSearchIndex(json);
  return [[SITE_PATHS.searchBase, JSON.stringify(base)] as const, ...shards].map(([rel, text]) => ({ rel, text, sha256: createHash('sha256').update(text).digest('hex') }));
}

export const SEARCH_BASE_PATH = SITE_PATHS.searchBase;
