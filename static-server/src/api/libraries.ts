/** GET /libraries (list and search), /libraries/:scope/:name[/versions|/:version[/download]] (SRV-2). */
import { z } from 'zod';
import { tarballPath } from '../../../index-builder/src/index.js';
import { tokenizeQuery } from '../../../index-builder/src/search/compact-index.js';
import { normalizeScope } from '../auth/tokens.js';
import { notFound } from '../errors.js';
import { parseQuery } from '../http/query.js';
import { ok, type ApiRequest, type ApiResult } from './types.js';
import type { VisibleEntry } from './view.js';

/**
 * Most distinct words a search may have. Each word is looked up as a prefix (and, from 5 letters,
 * fuzzily) in the whole index: at 10,000 libraries a query of 50 common two-letter words took
 * ~34 ms of the server's one thread, ten times a usual query, for any caller.
 */
export const MAX_QUERY_TERMS = 16;

const listQuery = z.object({
  q: z.string().trim().min(1).max(200).refine((q) => new Set(tokenizeQuery(q)).size <= MAX_QUERY_TERMS, {
    error: (iss) => `has ${new Set(tokenizeQuery(String(iss.input))).size} distinct words; search with at most ${MAX_QUERY_TERMS}`,
  }).optional(),
  tag: z.string().min(1).max(64).optional(),
  scope: z.string().min(1).max(65).optional(),
  page: z.coerce.number().int().min(1).max(100000).default(1),
  per_page: z.coerce.number().int().min(1).max(100).default(20),
  sort: z.enum(['name', 'downloads', 'updated', 'relevance']).optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

const listItem = (e: VisibleEntry, downloads: number) => ({ ...e, downloads });

export async function listLibraries(r: ApiRequest): Promise<ApiResult> {
  const q = parseQuery(listQuery, r.query);
  const scope = q.scope !== undefined ? normalizeScope(q.scope) : undefined;
  const narrow = q.tag !== undefined || scope !== undefined
    ? (e: VisibleEntry) => (q.tag === undefined || e.tags.includes(q.tag)) && (scope === undefined || e.scope === scope)
    : undefined;
  const totals = await r.ctx.totals.get();
  const sort = q.sort ?? (q.q !== undefined ? 'relevance' : 'name');
  const order = q.order ?? (sort === 'name' ? 'asc' : 'desc');
  const start = (q.page - 1) * q.per_page;
  const page = (entries: readonly VisibleEntry[], total: number, offset: number) => ok({
    libraries: entries.slice(offset, offset + q.per_page).map((e) => listItem(e, totals.get(e.name) ?? 0)),
    total, page: q.page, per_page: q.per_page, total_pages: Math.ceil(total / q.per_page),
  });
  if (q.q !== undefined && sort === 'relevance') {
    // best first: only as many as this page needs are ranked; `total` counts every match
    const filter = narrow ? { filter: narrow } : {};
    if (order === 'desc') {
      const res = r.view.search(q.q, { limit: start + q.per_page, ...filter });
      return page(res.entries, res.total, start);
    }
    const res = r.view.search(q.q, filter);
    return page([...res.entries].reverse(), res.total, start);
  }
  let entries: readonly VisibleEntry[] = q.q !== undefined ? r.view.search(q.q).entries : r.view.entries();
  if (narrow) entries = entries.filter(narrow);
  if (sort === 'name' && order === 'asc' && q.q === undefined) {
    // entries() is already sorted by name
  } else if (sort !== 'relevance') {
    const key = (e: VisibleEntry): string | number => (sort === 'name' ? e.name : sort === 'downloads' ? (totals.get(e.name) ?? 0) : e.updatedAt);
    entries = [...entries].sort((a, b) => {
      const x = key(a);
      const y = key(b);
      const c = x < y ? -1 : x > y ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
      return order === 'asc' ? c : -c;
    });
  } else if (q.order === 'asc') entries = [...entries].reverse();
  return page(entries, entries.length, start);
}

function findLibrary(r: ApiRequest, scopeSeg: string, name: string) {
  const lib = r.view.library(`@${normalizeScope(scopeSeg)}/${name}`);
  if (!lib) throw notFound();
  return lib;
}

async function withDownloads(r: ApiRequest, full: string) {
  return r.ctx.store.versionTotals(full);
}

export async function getLibrary(r: ApiRequest, scope: string, name: string): Promise<ApiResult> {
  const { ix } = findLibrary(r, scope, name);
  const per = await withDownloads(r, ix.name);
  const total = [...per.values()].reduce((a, b) => a + b, 0);
  return ok({ ...ix, downloads: total, versions: ix.versions.map((v) => ({ ...v, downloads: per.get(v.version) ?? 0 })) });
}

export async function listVersions(r: ApiRequest, scope: string, name: string): Promise<ApiResult> {
  const { ix } = findLibrary(r, scope, name);
  const per = await withDownloads(r, ix.name);
  return ok({ name: ix.name, versions: ix.versions.map((v) => ({ ...v, downloads: per.get(v.version) ?? 0 })) });
}

function findVersion(r: ApiRequest, scope: string, name: string, version: string) {
  const lib = findLibrary(r, scope, name);
  const v = version === 'latest' ? lib.ix.versions.find((x) => x.version === lib.ix.distTags.latest) : lib.ix.versions.find((x) => x.version === version);
  if (!v) throw notFound();
  return { ...lib, v };
}

export async function getVersion(r: ApiRequest, scope: string, name: string, version: string): Promise<ApiResult> {
  const { ix, v } = findVersion(r, scope, name, version);
  const per = await withDownloads(r, ix.name);
  return ok({ name: ix.name, scope: ix.scope, ...v, downloads: per.get(v.version) ?? 0, download_url: `/api/v1/libraries/@${ix.scope}/${ix.name.split('/')[1]}/${v.version}/download` });
}

export function downloadVersion(r: ApiRequest, scope: string, name: string, version: string): ApiResult {
  const { ix, v, tree } = findVersion(r, scope, name, version);
  const short = ix.name.split('/')[1] as string;
  return { download: { library: ix.name, version: v.version, root: tree.root, rel: tarballPath(ix.scope, short, v.version), private: tree.visibility === 'private' } };
}
