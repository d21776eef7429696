/** The library page: README, docs, versions, install command, dependencies, license and links. */
import semver from 'semver';
import type { LibraryIndex, VersionEntry } from '../../format/protocol.js';
import { breadcrumbs, dateTag, formatBytes, tagChips } from '../components.js';
import { html, raw, safeHttpUrl, type Html } from '../html.js';
import { docPage, libraryPage, relLink, scopePage, SITE_PATHS } from '../site-paths.js';

export interface LibraryPageInput {
  lib: LibraryIndex;
  /** The version the page shows (latest, else the highest). */
  head: VersionEntry;
  /** Sanitized README HTML of `head`. */
  readmeHtml: string;
  /** Docs of `head` that have a page (library-relative paths). */
  docPages: ReadonlySet<string>;
}

function versionRows(lib: LibraryIndex, head: VersionEntry): Html {
  const desc = [...lib.versions].reverse();
  return html`${desc.map((v) => html`<tr${v.yanked ? raw(' class="is-yanked"') : ''}>
  <th scope="row"><span class="version-num">${v.version}</span>${v.version === lib.distTags.latest ? html` <span class="badge badge-ok">latest</span>` : ''}${semver.prerelease(v.version) ? html` <span class="badge">pre-release</span>` : ''}${v.version === head.version && v.version !== lib.distTags.latest ? html` <span class="badge">shown</span>` : ''}</th>
  <td>${dateTag(v.publishedAt)}</td>
  <td>${formatBytes(v.size)}</td>
  <td>${v.yanked ? html`<span class="badge badge-danger">yanked</span>${v.yankedReason ? html` <span class="yank-reason">${v.yankedReason}</span>` : ''}` : html`<span class="muted">—</span>`}</td>
</tr>`)}`;
}

function docsList(rel: string, lib: LibraryIndex, head: VersionEntry, pages: ReadonlySet<string>): Html {
  const docs = head.docs.filter((d) => d.path !== 'README.md');
  if (!docs.length) return html`<p class="muted">This library has no documents besides its README.</p>`;
  return html`<ul class="doc-list">${docs.map((d) => html`<li>
  ${pages.has(d.path) ? html`<a href="${relLink(rel, docPage(lib.name, d.path))}">${d.title}</a>` : html`<span>${d.title}</span>`}
  <code class="doc-path">${d.path}</code>${d.description ? html`<p class="muted">${d.description}</p>` : ''}
</li>`)}</ul>`;
}

function dependencyList(rel: string, deps: Record<string, string>): Html {
  const entries = Object.entries(deps);
  if (!entries.length) return html`<p class="muted">None</p>`;
  return html`<ul class="dep-list">${entries.map(([name, range]) => html`<li><a href="${/^@[a-z0-9-]+\/[a-z0-9-]+$/.test(name) ? relLink(rel, libraryPage(name)) : '#'}">${name}</a> <code>${range}</code></li>`)}</ul>`;
}

export function libraryPageBody({ lib, head, readmeHtml, docPages }: LibraryPageInput): Html {
  const rel = libraryPage(lib.name);
  const repo = safeHttpUrl(lib.repository);
  const homepage = safeHttpUrl(lib.homepage);
  const install = `mdlibs install ${lib.name}`;
  return html`${breadcrumbs(rel, [{ label: 'Home', to: SITE_PATHS.home }, { label: `@${lib.scope}`, to: scopePage(lib.scope) }, { label: lib.name.slice(lib.scope.length + 2) }])}
<header class="lib-header">
  <h1 class="lib-title"><span class="lib-scope">@${lib.scope}/</span>${lib.name.slice(lib.scope.length + 2)}</h1>
  <p class="lib-version"><span class="version">${head.version}</span>${lib.visibility === 'private' ? html` <span class="badge badge-private">private</span>` : ''} · ${lib.license} · published ${dateTag(head.publishedAt)}</p>
  <p class="lead">${lib.description}</p>
  ${tagChips(rel, lib.tags, lib.visibility === 'public')}
</header>
${lib.deprecated ? html`<div class="banner banner-warn" role="note"><strong>Deprecated.</strong> ${lib.deprecated}</div>` : ''}
${head.yanked ? html`<div class="banner banner-danger" role="note"><strong>Every version is yanked.</strong> ${head.yankedReason ?? ''}</div>` : ''}
<div class="lib-layout">
  <aside class="lib-aside" aria-label="Install and details">
    <section class="panel install-panel" aria-labelledby="install-h">
      <h2 id="install-h" class="panel-title">Install</h2>
      <div class="install-box"><code id="install-cmd">${install}</code><button type="button" class="copy-btn" data-copy="#install-cmd" aria-describedby="copy-status">Copy</button></div>
      <p id="copy-status" class="copy-status" role="status" aria-live="polite"></p>
    </section>
    <section class="panel" aria-labelledby="details-h">
      <h2 id="details-h" class="panel-title">Details</h2>
      <dl class="facts">
        <dt>Version</dt><dd>${head.version}</dd>
        <dt>License</dt><dd>${lib.license}</dd>
        <dt>Updated</dt><dd>${dateTag(lib.updatedAt)}</dd>
        <dt>Size</dt><dd>${formatBytes(head.size)} · ${head.fileCount} files</dd>
        <dt class="downloads-fact" hidden>Downloads</dt><dd class="downloads-fact" hidden><span data-downloads="${lib.scope}/${lib.name.slice(lib.scope.length + 2)}"></span></dd>
        ${lib.authors.length ? html`<dt>Authors</dt><dd>${lib.authors.map((a, i) => html`${i ? ', ' : ''}${a.replace(/\s*<[^>]*>\s*$/, '')}`)}</dd>` : ''}
      </dl>
      ${repo || homepage ? html`<ul class="links">${repo ? html`<li><a href="${repo}" rel="nofollow noopener noreferrer">Repository</a></li>` : ''}${homepage ? html`<li><a href="${homepage}" rel="nofollow noopener noreferrer">Homepage</a></li>` : ''}</ul>` : ''}
    </section>
    <section class="panel" aria-labelledby="deps-h">
      <h2 id="deps-h" class="panel-title">Dependencies</h2>
      ${dependencyList(rel, head.dependencies)}
    </section>
  </aside>
  <div class="lib-main">
    <article class="markdown readme" aria-label="README">${raw(readmeHtml)}</article>
    <section aria-labelledby="docs-h">
      <h2 id="docs-h">Documents</h2>
      ${docsList(rel, lib, head, docPages)}
    </section>
    <section aria-labelledby="versions-h">
      <h2 id="versions-h">Versions <span class="count">${lib.versions.length}</span></h2>
      <div class="table-wrap"><table class="versions">
        <thead><tr><th scope="col">Version</th><th scope="col">Published</th><th scope="col">Size</th><th scope="col">Status</th></tr></thead>
        <tbody>${versionRows(lib, head)}</tbody>
      </table></div>
    </section>
  </div>
</div>`;
}
