/**
 * The static site generator (WEB-1), called by the builder once per output tree. Pages of a tree
 * show only that tree's libraries: private libraries get pages in the private tree alone.
 * Pages of libraries whose index did not change are hard-linked from the previous tree when the
 * templates are the same (site stamp); home, scope and tag pages are re-rendered (cheap, paginated).
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DerivedFile, SiteEmitter, SiteInput } from '../build/site-hook.js';
import { PATHS } from '../format/paths.js';
import type { LibraryIndex, SummaryEntry, SummaryIndex, SummaryPage, TeamsJson, VersionEntry } from '../format/protocol.js';
import { loadAssets, rendererFingerprint } from './assets.js';
import { renderPage, type SiteContext } from './layout.js';
import { renderMarkdown } from './markdown.js';
import { docPageBody } from './pages/doc.js';
import { homeBody } from './pages/home.js';
import { libraryPageBody } from './pages/library.js';
import { notFoundBody, scopeBody, tagBody, tagIndexBody } from './pages/listing.js';
import { browserSearchFiles } from './search-shards.js';
import { docPage, libraryPage, relLink, scopePage, SITE_PATHS, splitName, tagPage } from './site-paths.js';

export const LIST_PAGE_SIZE = 100;
/** Bump when pages render differently for the same input (2: heading ids and fragment links): pages of the previous tree are then rendered anew, not linked. */
const SITE_RENDERING = 2;
const RECENT_COUNT = 10;
const HOME_TAGS = 40;

function headVersion(lib: LibraryIndex): VersionEntry | undefined {
  const latest = lib.distTags.latest;
  return lib.versions.find((v) => v.version === latest) ?? lib.versions[lib.versions.length - 1];
}

function readOrNull(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function readSource(input: SiteInput, lib: LibraryIndex, version: string, path: string): string | null {
  return readOrNull(join(input.registryDir, 'libraries', `@${lib.scope}`, lib.name.slice(lib.scope.length + 2), version, path));
}

function renderLibrary(input: SiteInput, site: SiteContext, lib: LibraryIndex, head: VersionEntry): void {
  const docs = head.docs.filter((d) => d.path !== 'README.md' && /\.md$/i.test(d.path));
  const sources = new Map<string, string>();
  for (const d of docs) {
    const text = readSource(input, lib, head.version, d.path);
    if (text !== null) sources.set(d.path, text);
  }
  const pages = new Set(sources.keys());
  const linker = (from: string) => (p: string): string | null => {
    if (p.toLowerCase() === 'readme.md') return relLink(from, libraryPage(lib.name));
    return pages.has(p) ? relLink(from, docPage(lib.name, p)) : null;
  };
  const rel = libraryPage(lib.name);
  const readme = readSource(input, lib, head.version, 'README.md') ?? '';
  const readmeHtml = renderMarkdown(readme, { file: 'README.md', resolveLink: linker(rel) });
  const body = libraryPageBody({ lib, head, readmeHtml, docPages: pages });
  input.writer.write(rel, renderPage(site, { rel, title: `${lib.name} · ${site.registryName}`, description: lib.description, page: 'library', body }));
  for (const d of docs) {
    const text = sources.get(d.path);
    if (text === undefined) continue;
    const drel = docPage(lib.name, d.path);
    const html = renderMarkdown(text, { file: d.path, resolveLink: linker(drel) });
    input.writer.write(drel, renderPage(site, { rel: drel, title: `${d.title} · ${lib.name}`, description: d.description ?? lib.description, page: 'doc', body: docPageBody(lib, head, d, html) }));
  }
}

/** Reuses a library's pages from the previous tree; false when one is missing (then render anew). */
function reuseLibrary(input: SiteInput, lib: LibraryIndex, head: VersionEntry): boolean {
  const prev = input.previousDir;
  if (!prev) return false;
  if (!existsSync(join(prev, libraryPage(lib.name)))) return false;
  input.writer.reuse(prev, libraryPage(lib.name));
  // doc pages exist exactly for the docs whose source was readable; a missing one stays missing
  for (const d of head.docs) {
    if (d.path === 'README.md' || !/\.md$/i.test(d.path)) continue;
    try {
      input.writer.reuse(prev, docPage(lib.name, d.path));
    } catch {
      // not rendered in the previous build either
    }
  }
  return true;
}

function paginate<T>(items: readonly T[], size = LIST_PAGE_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out.length ? out : [[]];
}

/** The listing pages of one scope (`libraries/@scope/index.html`, `page-2.html`, …) as [path, html]. */
function scopePages(input: SiteInput, site: SiteContext, scope: SummaryIndex['scopes'][number], entries: readonly SummaryEntry[]): [string, string][] {
  const list = entries.filter((e) => e.scope === scope.name);
  const pages = paginate(list);
  const pathOf = (p: number) => (p === 1 ? scopePage(scope.name) : `libraries/@${scope.name}/page-${p}.html`);
  const team = input.teams.scopes.find((s) => s.name === scope.name);
  return pages.map((chunk, i) => [pathOf(i + 1), renderPage(site, { rel: pathOf(i + 1), title: `${scope.displayName} (@${scope.name}) · ${site.registryName}`, description: scope.description || `Libraries of @${scope.name}`, page: 'scope', body: scopeBody(pathOf(i + 1), scope, team, chunk, i + 1, pages.length, pathOf) })]);
}

/**
 * Scopes whose whole `libraries/@scope` shard is taken over from the previous tree (one symlink):
 * the builder found their index files unchanged, the site itself is unchanged (`canReuse`), and
 * their listing pages render exactly as before (a scope's team or description may have changed).
 * "Exactly as before" is known from digests of what the pages are made of (the scope, its team,
 * its entries) when the previous tree's summary and teams could be read; else the pages are
 * rendered and compared with the previous ones (~6 ms a scope).
 */
function reuseScopeShards(input: SiteInput, site: SiteContext, entries: readonly SummaryEntry[], canReuse: boolean, before: ListingDigests | null, current: ListingDigests | null): Set<string> {
  const reused = new Set<string>();
  const prev = input.previousDir;
  if (!canReuse || !prev) return reused;
  for (const scope of input.summary.scopes) {
    if (!input.unchangedScopes.has(scope.name)) continue;
    const digest = current?.scopes.get(scope.name);
    if (digest === undefined || before?.scopes.get(scope.name) !== digest) {
      const pages = scopePages(input, site, scope, entries);
      const next = `libraries/@${scope.name}/page-${pages.length + 1}.html`;
      if (!pages.every(([rel, html]) => readOrNull(join(prev, rel)) === html) || existsSync(join(prev, next))) continue;
    }
    if (input.writer.reuseShard('libraries', scope.name, prev)) reused.add(scope.name);
  }
  return reused;
}

/**
 * What listing pages are made of: a digest per tag (its entries) and per scope (the scope, its
 * team, its entries), both made of `partials`, the digests of each scope's entries, all of them
 * and those of each tag (hex).
 */
interface ListingDigests {
  tags: Map<string, string>;
  scopes: Map<string, string>;
  partials: Map<string, ScopePartial>;
}

interface ScopePartial {
  entries: string;
  tags: Record<string, string>;
}

/**
 * The digests of one tree's listings, from its summary's scopes, its teams and its entries in
 * order, given a page of entries at a time (the previous tree's summary pages are read one by one
 * and not kept). Both sides of each comparison are made here, each entry serialized once; but the
 * entries of a scope `known` gives the partial digests of are not serialized at all (a scope
 * whose index files are all the previous tree's: its entries are too). A tag's digest is made of
 * its partial digests in the scopes' order: the same partials, the same entries in each scope,
 * so the same list of entries (ordered by name) on its pages.
 */
function listingDigests(scopes: SummaryIndex['scopes'], teams: TeamsJson, pages: Iterable<readonly SummaryEntry[]>, known: (scope: string) => ScopePartial | undefined = () => undefined): ListingDigests {
  const partials = new Map<string, ScopePartial>();
  const hashes = new Map<string, { entries: Hash; tags: Map<string, Hash> }>();
  for (const scope of scopes) {
    const k = known(scope.name);
    if (k) partials.set(scope.name, k);
    else hashes.set(scope.name, { entries: createHash('sha256'), tags: new Map() });
  }
  for (const entries of pages) {
    for (const e of entries) {
      const h = hashes.get(e.scope);
      if (!h) continue;
      const line = `${JSON.stringify(e)}\n`;
      h.entries.update(line);
      for (const t of e.tags) (h.tags.get(t) ?? h.tags.set(t, createHash('sha256')).get(t))?.update(line);
    }
  }
  for (const [scope, h] of hashes) partials.set(scope, { entries: h.entries.digest('hex'), tags: Object.fromEntries([...h.tags].map(([t, th]) => [t, th.digest('hex')])) });
  const scopeDigests = new Map<string, string>();
  const tagHashes = new Map<string, Hash>();
  for (const scope of scopes) {
    const p = partials.get(scope.name) as ScopePartial;
    scopeDigests.set(scope.name, createHash('sha256').update(`${JSON.stringify([scope, teams.scopes.find((t) => t.name === scope.name) ?? null])}\n${p.entries}`).digest('hex'));
    for (const [t, d] of Object.entries(p.tags)) (tagHashes.get(t) ?? tagHashes.set(t, createHash('sha256')).get(t))?.update(`${scope.name}:${d}\n`);
  }
  return { tags: new Map([...tagHashes].map(([t, h]) => [t, h.digest('hex')])), scopes: scopeDigests, partials };
}

/**
 * The previous tree's listing digests, or null when its summary or teams cannot be read. A tag
 * page shows only its entries (and the site, which `canReuse` vouches for), so a tag whose entries
 * are the same keeps its pages: rendering every tag page was ~8 % of a one-library rebuild.
 */
function previousDigests(input: SiteInput): ListingDigests | null {
  const prev = input.previousDir;
  if (!prev) return null;
  try {
    // no schema parse: it would put the keys in the schema's order, and the JSON is compared as written
    const index = JSON.parse(readFileSync(join(prev, PATHS.summary), 'utf8')) as SummaryIndex;
    const teams = JSON.parse(readFileSync(join(prev, PATHS.teams), 'utf8')) as TeamsJson;
    if (!index.pages.every((rel) => typeof rel === 'string' && /^summary\/[a-z0-9-]+\.json$/.test(rel))) return null;
    const pages = function* () {
      for (const rel of index.pages) yield (JSON.parse(readFileSync(join(prev, rel), 'utf8')) as SummaryPage).entries;
    };
    return listingDigests(index.scopes, teams, pages());
  } catch {
    return null;
  }
}

/**
 * The previous tree's listing digests as it stored them (SITE_PATHS.listingDigests), or null when
 * it has none or they do not parse as maps of strings. Reading them instead of the previous
 * summary's 100 pages saved ~0.1 s of a one-library rebuild at 10,000 libraries.
 */
function storedDigests(input: SiteInput): ListingDigests | null {
  const text = input.previousDir ? readOrNull(join(input.previousDir, SITE_PATHS.listingDigests)) : null;
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as { tags?: unknown; scopes?: unknown; partials?: unknown };
    const isObject = (o: unknown): o is Record<string, unknown> => o !== null && typeof o === 'object' && !Array.isArray(o);
    const asMap = (o: unknown): Map<string, string> | null => (isObject(o) && Object.values(o).every((v) => typeof v === 'string') ? new Map(Object.entries(o as Record<string, string>)) : null);
    const tags = asMap(raw.tags);
    const scopes = asMap(raw.scopes);
    const partials = isObject(raw.partials) ? new Map(Object.entries(raw.partials)) : null;
    if (!tags || !scopes || !partials || ![...partials.values()].every((p) => isObject(p) && typeof p.entries === 'string' && asMap(p.tags) !== null)) return null;
    return { tags, scopes, partials: partials as Map<string, ScopePartial> };
  } catch {
    return null;
  }
}

/** Links a tag's pages from the previous tree; false (nothing linked) when one is missing. */
function reuseTagPages(input: SiteInput, tag: string, pages: number): boolean {
  const prev = input.previousDir as string;
  const rels = Array.from({ length: pages }, (_, i) => tagPage(tag, i + 1));
  if (!rels.every((rel) => existsSync(join(prev, rel))) || existsSync(join(prev, tagPage(tag, pages + 1)))) return false;
  for (const rel of rels) input.writer.reuse(prev, rel);
  return true;
}

function emitListings(input: SiteInput, site: SiteContext, entries: readonly SummaryEntry[], reusedScopes: ReadonlySet<string>, before: ListingDigests | null, current: ListingDigests | null): void {
  const { writer, summary } = input;
  const write = (rel: string, title: string, description: string, page: string, body: ReturnType<typeof homeBody>) =>
    writer.write(rel, renderPage(site, { rel, title, description, page, body }));
  const byTag = new Map<string, SummaryEntry[]>();
  for (const e of entries) for (const t of e.tags) (byTag.get(t) ?? byTag.set(t, []).get(t))?.push(e);
  const tagCounts = [...byTag.entries()].map(([t, es]): [string, number] => [t, es.length]);
  const topTags = [...tagCounts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, HOME_TAGS);
  const recent = [...entries].sort((a, b) => (a.updatedAt === b.updatedAt ? (a.name < b.name ? -1 : 1) : a.updatedAt < b.updatedAt ? 1 : -1)).slice(0, RECENT_COUNT);
  for (const scope of summary.scopes) {
    if (reusedScopes.has(scope.name)) continue; // its pages came with the reused shard
    for (const [rel, html] of scopePages(input, site, scope, entries)) writer.write(rel, html);
  }
  // The mdlibs server routes only scoped paths (libraries/@scope/…) to the private tree: the home,
  // tag pages, 404 and browser search of a private tree would never be served, so none is written.
  if (input.visibility === 'private') return;
  const description = input.config.registry.description;
  write(SITE_PATHS.home, site.registryName, description || `Markdown libraries of ${site.registryName}`, 'home', homeBody({ registryName: site.registryName, description, summary, recent, topTags }));

  for (const [tag, list] of byTag) {
    const pages = paginate(list);
    if (before && before.tags.get(tag) === current?.tags.get(tag) && reuseTagPages(input, tag, pages.length)) continue;
    pages.forEach((chunk, i) => write(tagPage(tag, i + 1), `#${tag} · ${site.registryName}`, `Libraries tagged ${tag}`, 'tag', tagBody(tagPage(tag, i + 1), tag, list.length, chunk, i + 1, pages.length)));
  }
  write('tags/index.html', `Tags · ${site.registryName}`, `All tags of ${site.registryName}`, 'tags', tagIndexBody('tags/index.html', [...tagCounts].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
  writer.write(SITE_PATHS.notFound, renderPage(site, { rel: SITE_PATHS.notFound, title: `Not found · ${site.registryName}`, description: 'Page not found', page: 'not-found', body: notFoundBody(), basePath: basePathOf(input.config.registry.url) }));
}

/** Path part of the registry's public URL: the 404 page is served at any depth, so it needs a <base>. */
export function basePathOf(url: string): string {
  try {
    const p = new URL(url).pathname;
    return p.endsWith('/') ? p : `${p}/`;
  } catch {
    return '/';
  }
}

/**
 * The browser's search files (base and shards), each hard-linked with its .gz/.br copies from the
 * previous tree when it is the same text, else written (and compressed). "The same" is decided by
 * the digests the previous tree stored (SITE_PATHS.searchDigests) when it has them, else by
 * reading its file: reading and comparing the 11 MB of shards took 25-120 ms of a one-library
 * rebuild at 10,000 libraries, the digests ~6 ms.
 */
function emitSearch(input: SiteInput, canReuse: boolean, made: readonly DerivedFile[] | null = null): void {
  const files = made ?? browserSearchFiles(readFileSync(join(input.writer.root, PATHS.searchIndex), 'utf8'));
  const prev = canReuse ? input.previousDir : null;
  const before = prev ? storedSearchDigests(prev) : null;
  const digests: Record<string, string> = {};
  for (const { rel, text, sha256: digest } of files) {
    digests[rel] = digest;
    const same = prev !== null && (before ? before.get(rel) === digest : readOrNull(join(prev, rel)) === text);
    if (same && existsSync(join(prev, rel)) && existsSync(join(prev, `${rel}.br`)) && existsSync(join(prev, `${rel}.gz`))) {
      for (const suffix of ['', '.gz', '.br']) input.writer.reuse(prev, rel + suffix);
    } else {
      input.writer.writeCompressed(rel, text);
    }
  }
  input.writer.write(SITE_PATHS.searchDigests, JSON.stringify(digests));
}

/** The previous tree's search file digests, or null when it has none or they are not a map of strings. */
function storedSearchDigests(prev: string): Map<string, string> | null {
  const text = readOrNull(join(prev, SITE_PATHS.searchDigests));
  if (text === null) return null;
  try {
    const raw = JSON.parse(text) as unknown;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !Object.values(raw).every((v) => typeof v === 'string')) return null;
    return new Map(Object.entries(raw as Record<string, string>));
  } catch {
    return null;
  }
}

export const emitSite: SiteEmitter = (input) => {
  const assets = loadAssets();
  const site: SiteContext = { registryName: input.config.registry.name, api: input.config.api, assetVersion: assets.version, layout: assets.layout, noindex: input.visibility === 'private' };
  const stamp = JSON.stringify({ site: SITE_RENDERING, assets: assets.version, renderer: rendererFingerprint(), registry: site.registryName, api: site.api, visibility: input.visibility });
  const canReuse = input.previousDir !== null && readOrNull(join(input.previousDir, SITE_PATHS.stamp)) === stamp;
  input.writer.writeCompressed(SITE_PATHS.style, assets.style);
  input.writer.writeCompressed(SITE_PATHS.script, assets.script);
  input.writer.write(SITE_PATHS.favicon, assets.favicon);
  input.writer.write(SITE_PATHS.stamp, stamp);
  // the browser's search shards: at once when the index is there (their memory comes and goes
  // before the pages'), else after the pages, while the index is updated on a worker
  const searchFirst = input.visibility === 'public' && input.searchIndexReady;
  if (searchFirst) emitSearch(input, canReuse);

  const entries = input.libraries.map((l) => l.entry).sort((a, b) => (a.name < b.name ? -1 : 1));
  const stores = input.visibility === 'public'; // a private tree's digests would name its scopes outside them
  const before = canReuse ? ((stores ? storedDigests(input) : null) ?? previousDigests(input)) : null;
  // a scope whose index files are all the previous tree's has the same entries: their partial digests are taken over
  const known = (scope: string) => (input.unchangedScopes.has(scope) ? before?.partials.get(scope) : undefined);
  const current = before || stores ? listingDigests(input.summary.scopes, input.teams, [entries], known) : null;
  if (stores && current) {
    input.writer.write(SITE_PATHS.listingDigests, JSON.stringify({ tags: Object.fromEntries(current.tags), scopes: Object.fromEntries(current.scopes), partials: Object.fromEntries(current.partials) }));
  }
  const reusedScopes = reuseScopeShards(input, site, entries, canReuse, before, current);
  for (const l of input.libraries) {
    if (reusedScopes.has(splitName(l.name).scope)) continue;
    const lib = l.index(); // assembled now: the library's pages are reused or rendered one by one
    const head = headVersion(lib);
    if (!head) continue;
    if (canReuse && !input.changed.has(lib.name) && reuseLibrary(input, lib, head)) continue;
    renderLibrary(input, site, lib, head);
  }
  emitListings(input, site, entries, reusedScopes, before, current);
  // made on the search index's worker when it was updated there (~0.18 s of this thread at 10,000 libraries otherwise)
  if (input.visibility === 'public' && !searchFirst) {
    return input.searchIndex().then(async () => emitSearch(input, canReuse, await input.searchFiles()?.catch(() => null) ?? null));
  }
};
emitSite.searchFiles = { module: new URL('./search-shards.js', import.meta.url).href, name: 'browserSearchFiles' };
