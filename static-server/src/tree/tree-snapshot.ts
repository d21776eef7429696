/**
 * One loaded build of a tree: the listing (summary pages), teams.json, build info, and lazily
 * the search index and library index files. Keyed by the build folder (realpath), which never
 * changes after the builder swapped it in, so everything here can be cached for its lifetime.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  buildInfoSchema, indexPath, libraryIndexSchema, PATHS, SEARCH_OPTIONS, summaryIndexSchema, summaryPageSchema, teamsJsonSchema,
  type BuildInfo, type LibraryIndex, type SummaryEntry, type SummaryIndex, type TeamsJson,
} from '../../../index-builder/src/index.js';
import { CompactSearchIndex, type CompactResult, type CompactSearchOptions } from '../../../index-builder/src/search/compact-index.js';

const LIBRARY_CACHE = 2000;

/** Server-side search options: the builder's fields and boosts, fuzzy only for longer terms (cost). */
export const QUERY_OPTIONS: CompactSearchOptions = {
  fields: SEARCH_OPTIONS.fields,
  boost: SEARCH_OPTIONS.searchOptions.boost,
  prefix: (term: string) => term.length >= 2,
  fuzzy: (term: string) => (term.length >= 5 ? 0.2 : false),
  maxFuzzy: 2,
};

export interface SearchQueryOptions {
  /** Only the best `limit` hits (all when absent); `total` still counts every match. */
  limit?: number;
  /** Drops hits before they are counted (by library name and scope). */
  filter?: (id: string, scope: string) => boolean;
}

export interface VisibleEntry extends SummaryEntry { visibility: 'public' | 'private' }

export interface TreeSnapshot {
  root: string;
  buildId: string;
  visibility: 'public' | 'private';
  buildInfo: BuildInfo;
  summary: SummaryIndex;
  /** Summary entries sorted by name, each tagged with the tree's visibility (shared, never copied per request). */
  entries: readonly VisibleEntry[];
  byName: ReadonlyMap<string, VisibleEntry>;
  teams: TeamsJson;
  /** The search index (loaded on first use). */
  search(): CompactSearchIndex;
  /** Hits for a query (id, scope, score), best first, and how many matched. */
  searchHits(q: string, o?: SearchQueryOptions): CompactResult;
  library(fullName: string): LibraryIndex | null;
}

const readJson = (root: string, rel: string): unknown => JSON.parse(readFileSync(join(root, rel), 'utf8'));

export function loadTreeSnapshot(root: string, visibility: 'public' | 'private'): TreeSnapshot {
  const buildInfo = buildInfoSchema.parse(readJson(root, PATHS.buildInfo));
  const summary = summaryIndexSchema.parse(readJson(root, PATHS.summary));
  const entries: VisibleEntry[] = [];
  for (const p of summary.pages) for (const e of summaryPageSchema.parse(readJson(root, p)).entries) entries.push({ ...e, visibility });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const teams = teamsJsonSchema.parse(readJson(root, PATHS.teams));
  const privateScopes = teams.scopes.filter((t) => t.visibility === 'private').map((t) => `@${t.name}`);
  if (visibility === 'public' && privateScopes.length) {
    // the builder's private output given as the public folder: every name and file in it would be served to anyone
    throw new Error(`${root} holds private scopes (${privateScopes.slice(0, 5).join(', ')}): it is a private output, not served as the public tree; pass it as the private folder`);
  }
  let search: CompactSearchIndex | null = null;
  const libs = new Map<string, LibraryIndex | null>();
  const byName = new Map(entries.map((e) => [e.name, e]));
  return {
    root, buildId: root.split('/').pop() ?? root, visibility, buildInfo, summary, entries, byName, teams,
    search() {
      search ??= CompactSearchIndex.fromJson(readFileSync(join(root, PATHS.searchIndex), 'utf8'));
      return search;
    },
    searchHits(q, o = {}) {
      return this.search().search(q, QUERY_OPTIONS, o);
    },
    library(fullName) {
      if (libs.has(fullName)) return libs.get(fullName) ?? null;
      const m = /^@([^/]+)\/([^/]+)$/.exec(fullName);
      let ix: LibraryIndex | null = null;
      if (m && byName.has(fullName)) {
        ix = libraryIndexSchema.parse(readJson(root, indexPath(m[1] as string, m[2] as string)));
      }
      if (libs.size >= LIBRARY_CACHE) libs.delete(libs.keys().next().value as string);
      libs.set(fullName, ix);
      return ix;
    },
  };
}
