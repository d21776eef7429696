/** The home page: instant search (filled by assets/app.js), recently updated, popular (live), scopes, tags. */
import type { SummaryEntry, SummaryIndex } from '../../format/protocol.js';
import { libraryList } from '../components.js';
import { html, type Html } from '../html.js';
import { relLink, scopePage, SITE_PATHS, tagPage } from '../site-paths.js';

export interface HomeInput {
  registryName: string;
  description: string;
  summary: SummaryIndex;
  recent: readonly SummaryEntry[];
  /** Tags by library count, most used first (the filter and the tag cloud). */
  topTags: readonly [string, number][];
}

export function homeBody({ registryName, description, summary, recent, topTags }: HomeInput): Html {
  const rel = SITE_PATHS.home;
  return html`<section class="hero">
  <h1>${registryName}</h1>
  ${description ? html`<p class="lead">${description}</p>` : ''}
  <p class="muted">${summary.total} ${summary.total === 1 ? 'library' : 'libraries'} in ${summary.scopes.length} ${summary.scopes.length === 1 ? 'scope' : 'scopes'}</p>
</section>
<section class="search" aria-label="Search libraries" data-search-base="${SITE_PATHS.searchBase}">
  <form class="search-form" role="search" action="index.html" method="get">
    <div class="search-field">
      <label for="q">Search libraries</label>
      <input id="q" name="q" type="search" placeholder="name, tag, topic, heading…" autocomplete="off" spellcheck="false" aria-describedby="search-help" aria-controls="results">
    </div>
    <div class="search-filters">
      <label for="filter-scope">Scope</label>
      <select id="filter-scope" name="scope"><option value="">All scopes</option>${summary.scopes.map((s) => html`<option value="${s.name}">@${s.name}</option>`)}</select>
      <label for="filter-tag">Tag</label>
      <select id="filter-tag" name="tag"><option value="">All tags</option>${topTags.map(([t, n]) => html`<option value="${t}">${t} (${n})</option>`)}</select>
    </div>
  </form>
  <p id="search-help" class="visually-hidden">Results appear as you type. Use the arrow keys to move through results and Enter to open one.</p>
  <p id="result-count" class="result-count" role="status" aria-live="polite"></p>
  <ol id="results" class="lib-list results" hidden></ol>
  <noscript><p class="muted">Search needs JavaScript. Browse by scope or tag below.</p></noscript>
</section>
<div class="home-sections">
  <section class="popular" aria-labelledby="popular-h" hidden>
    <h2 id="popular-h">Popular</h2>
    <ol class="lib-list" id="popular-list"></ol>
  </section>
  <section aria-labelledby="recent-h">
    <h2 id="recent-h">Recently updated</h2>
    ${libraryList(rel, recent)}
  </section>
  <section aria-labelledby="scopes-h">
    <h2 id="scopes-h">Scopes</h2>
    <ul class="scope-list">${summary.scopes.map((s) => html`<li><a href="${relLink(rel, scopePage(s.name))}"><strong>${s.displayName}</strong> <span class="muted">@${s.name}</span></a><span class="count">${s.libraries}</span>${s.description ? html`<p class="muted">${s.description}</p>` : ''}</li>`)}</ul>
  </section>
  <section aria-labelledby="tags-h">
    <h2 id="tags-h">Tags</h2>
    <ul class="tags tag-cloud">${topTags.map(([t, n]) => html`<li><a class="tag" href="${relLink(rel, tagPage(t))}">${t} <span class="count">${n}</span></a></li>`)}</ul>
    <p><a href="tags/index.html">All tags →</a></p>
  </section>
</div>`;
}
