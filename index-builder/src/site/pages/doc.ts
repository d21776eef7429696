/** The page of one markdown document of a library's shown version. */
import type { DocEntry, LibraryIndex, VersionEntry } from '../../format/protocol.js';
import { breadcrumbs } from '../components.js';
import { html, raw, type Html } from '../html.js';
import { docPage, libraryPage, relLink, scopePage, SITE_PATHS } from '../site-paths.js';

export function docPageBody(lib: LibraryIndex, head: VersionEntry, doc: DocEntry, bodyHtml: string): Html {
  const rel = docPage(lib.name, doc.path);
  const short = lib.name.slice(lib.scope.length + 2);
  return html`${breadcrumbs(rel, [{ label: 'Home', to: SITE_PATHS.home }, { label: `@${lib.scope}`, to: scopePage(lib.scope) }, { label: short, to: libraryPage(lib.name) }, { label: doc.path }])}
<p class="doc-context"><a href="${relLink(rel, libraryPage(lib.name))}">${lib.name}</a> <span class="version">${head.version}</span> · <code>${doc.path}</code></p>
<article class="markdown doc" aria-label="${doc.title}">${raw(bodyHtml)}</article>`;
}
