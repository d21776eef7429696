/** Wraps a page body in `templates/site/layout.html` (one pass: user text cannot inject placeholders). */
import { PAGE_CSP } from './csp.js';
import { escapeHtml, html, type Html } from './html.js';
import { rootPrefix } from './site-paths.js';

export interface PageShell {
  /** Tree-relative path of the page, e.g. `libraries/@acme/guide/index.html`. */
  rel: string;
  title: string;
  description: string;
  /** `home`, `library`, `doc`, `scope`, `tag`, `not-found`: styles and scripts key on it. */
  page: string;
  body: Html;
  /** Absolute base path for pages served at any URL (404.html); else links are relative. */
  basePath?: string;
}

export interface SiteContext {
  registryName: string;
  /** API base for live data, absolute (config.api) or null: then `<root>api/v1` is tried. */
  api: string | null;
  assetVersion: string;
  layout: string;
  /** Pages of the private tree ask search engines not to index them. */
  noindex: boolean;
}

export function renderPage(site: SiteContext, shell: PageShell): string {
  const root = shell.basePath !== undefined ? '' : rootPrefix(shell.rel);
  const footer = html`<p>${site.registryName} · markdown libraries, built by mdlibs · <a href="${root}config.json">config.json</a> · <a href="${root}tags/index.html">all tags</a></p>`;
  const values: Record<string, string> = {
    csp: escapeHtml(PAGE_CSP),
    title: escapeHtml(shell.title),
    description: escapeHtml(shell.description),
    base: shell.basePath !== undefined ? `<base href="${escapeHtml(shell.basePath)}">\n` : '',
    root: escapeHtml(root),
    version: escapeHtml(site.assetVersion),
    page: escapeHtml(shell.page),
    api: escapeHtml(site.api ?? `${root}api/v1`),
    registry: escapeHtml(site.registryName),
    robots: site.noindex ? '<meta name="robots" content="noindex, nofollow">\n' : '',
    body: shell.body.value,
    footer: footer.value,
  };
  return site.layout.replace(/\{\{(\w+)\}\}/g, (m, key: string) => values[key] ?? m);
}
