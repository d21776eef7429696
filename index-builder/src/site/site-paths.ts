/** Where each page lives in the emitted tree, and relative links between pages (any base path works). */

export const SITE_PATHS = {
  home: 'index.html',
  notFound: '404.html',
  style: 'assets/style.css',
  script: 'assets/app.js',
  favicon: 'assets/favicon.svg',
  /** Fingerprint of templates and registry name: pages of a previous tree are reused only when it matches. */
  stamp: 'assets/site-stamp.json',
  /**
   * Digests of what the listing pages (scope and tag pages) are made of, so that the next build
   * need not read this tree's whole summary to know which of them are unchanged. Public tree only.
   */
  listingDigests: 'assets/listing-digests.json',
  /**
   * sha256 of each browser search file (base and shards) as written in this tree, so that the
   * next build knows which it can link without reading them (11 MB at 10,000 libraries). Public tree only.
   */
  searchDigests: 'assets/search-digests.json',
  searchBase: 'search/web/base.json',
} as const;

/** Library names are `@scope/name` with [a-z0-9-] parts (LIB-2), so they are safe path segments. */
export function splitName(full: string): { scope: string; name: string } {
  const m = /^@([^/]+)\/([^/]+)$/.exec(full);
  if (!m) throw new Error(`not a library name: ${full}`);
  return { scope: m[1] as string, name: m[2] as string };
}

export function libraryPage(full: string): string {
  const { scope, name } = splitName(full);
  return `libraries/@${scope}/${name}/index.html`;
}

/** Page of one markdown file of a library's latest version: `docs/guide.md` -> `.../doc/docs/guide.html`. */
export function docPage(full: string, docPath: string): string {
  const { scope, name } = splitName(full);
  return `libraries/@${scope}/${name}/doc/${docPath.replace(/\.md$/i, '')}.html`;
}

export function scopePage(scope: string): string {
  return `libraries/@${scope}/index.html`;
}

export function tagPage(tag: string, page = 1): string {
  return page === 1 ? `tags/${tag}/index.html` : `tags/${tag}/page-${page}.html`;
}

export function searchShard(key: string): string {
  return `search/web/shard-${key}.json`;
}

/**
 * Relative URL from the page at `from` to the file at `to` (both tree-relative, normalized: no
 * `.`, `..` or empty segments): what `posix.relative(posix.dirname(from), to)` gives, by comparing
 * segments. posix.relative resolves both against process.cwd() first; called for every link of
 * every listing page, it was ~4 % of a one-library rebuild at 10,000 libraries.
 */
export function relLink(from: string, to: string): string {
  const dir = from.split('/');
  dir.pop();
  const target = to.split('/');
  let i = 0;
  while (i < dir.length && i < target.length && dir[i] === target[i]) i++;
  const parts: string[] = [];
  for (let k = i; k < dir.length; k++) parts.push('..');
  for (let k = i; k < target.length; k++) parts.push(target[k] as string);
  const r = parts.join('/');
  return r === '' ? './' : r;
}

/** `../../` style prefix from the page at `from` to the tree root ('' at the root). */
export function rootPrefix(from: string): string {
  const depth = from.split('/').length - 1;
  return '../'.repeat(depth);
}
