/** Scope pages, tag pages and the tag index: paginated lists of libraries. */
import type { SummaryEntry, TeamsJson } from '../../format/protocol.js';
import { breadcrumbs, libraryList, pagination } from '../components.js';
import { html, type Html } from '../html.js';
import { relLink, SITE_PATHS, tagPage } from '../site-paths.js';

export interface ScopeInfo {
  name: string;
  displayName: string;
  description: string;
  visibility: 'public' | 'private';
}

export function scopeBody(rel: string, scope: ScopeInfo, team: TeamsJson['scopes'][number] | undefined, entries: readonly SummaryEntry[], page: number, pages: number, pathOf: (p: number) => string): Html {
  return html`${breadcrumbs(rel, [{ label: 'Home', to: SITE_PATHS.home }, { label: `@${scope.name}` }])}
<header class="listing-header">
  <h1>${scope.displayName} <span class="muted">@${scope.name}</span></h1>
  ${scope.description ? html`<p class="lead">${scope.description}</p>` : ''}
  ${scope.visibility === 'private' ? html`<p><span class="badge badge-private">private</span> Readable only with a token for this scope.</p>` : ''}
</header>
<div class="listing-layout">
  <section aria-labelledby="libs-h"><h2 id="libs-h">Libraries</h2>${libraryList(rel, entries, { showScope: false, linkTags: scope.visibility === 'public' })}${pagination(rel, page, pages, pathOf)}</section>
  ${team && team.members.length ? html`<aside class="panel" aria-labelledby="members-h"><h2 id="members-h" class="panel-title">Members</h2><ul class="members">${team.members.map((m) => html`<li>${m.user} <span class="badge${m.role === 'admin' ? ' badge-ok' : ''}">${m.role}</span></li>`)}</ul></aside>` : ''}
</div>`;
}

export function tagBody(rel: string, tag: string, total: number, entries: readonly SummaryEntry[], page: number, pages: number): Html {
  return html`${breadcrumbs(rel, [{ label: 'Home', to: SITE_PATHS.home }, { label: 'Tags', to: 'tags/index.html' }, { label: tag }])}
<header class="listing-header"><h1><span class="muted">#</span>${tag}</h1><p class="muted">${total} ${total === 1 ? 'library' : 'libraries'}</p></header>
${libraryList(rel, entries)}${pagination(rel, page, pages, (p) => tagPage(tag, p))}`;
}

export function tagIndexBody(rel: string, tags: readonly [string, number][]): Html {
  return html`${breadcrumbs(rel, [{ label: 'Home', to: SITE_PATHS.home }, { label: 'Tags' }])}
<header class="listing-header"><h1>Tags</h1><p class="muted">${tags.length} tags</p></header>
<ul class="tags tag-cloud">${tags.map(([t, n]) => html`<li><a class="tag" href="${relLink(rel, tagPage(t))}">${t} <span class="count">${n}</span></a></li>`)}</ul>`;
}

export function notFoundBody(): Html {
  return html`<section class="not-found">
  <h1>Page not found</h1>
  <p class="lead">There is no page at this address. The library may have been renamed, or the link may be mistyped.</p>
  <form class="search-form" role="search" action="index.html" method="get">
    <label for="nf-q">Search libraries</label>
    <input id="nf-q" name="q" type="search" autocomplete="off">
    <button type="submit">Search</button>
  </form>
  <p><a href="index.html">Go to the home page</a></p>
</section>`;
}
