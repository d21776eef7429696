/** Small HTML fragments shared by the pages: library lists, tag chips, dates, sizes, pagination. */
import type { SummaryEntry } from '../format/protocol.js';
import { html, type Html } from './html.js';
import { libraryPage, relLink, scopePage, tagPage } from './site-paths.js';

/** `2026-01-02` inside a <time> element (dates are UTC: the commit time of the version). */
export function dateTag(iso: string): Html {
  if (!iso) return html`<span class="muted">unknown</span>`;
  return html`<time datetime="${iso}">${iso.slice(0, 10)}</time>`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

/** Tag chips; `linked: false` on private pages (tag pages list public libraries only). */
export function tagChips(from: string, tags: readonly string[], linked = true): Html {
  if (!tags.length) return html``;
  return html`<ul class="tags" aria-label="Tags">${tags.map((t) => html`<li>${linked ? html`<a class="tag" href="${relLink(from, tagPage(t))}">${t}</a>` : html`<span class="tag">${t}</span>`}</li>`)}</ul>`;
}

export function libraryList(from: string, entries: readonly SummaryEntry[], opts: { showScope?: boolean; linkTags?: boolean } = {}): Html {
  if (!entries.length) return html`<p class="muted">No libraries yet.</p>`;
  return html`<ul class="lib-list">${entries.map((e) => html`<li class="lib-card${e.deprecated ? ' is-deprecated' : ''}">
  <div class="lib-card-head"><a class="lib-name" href="${relLink(from, libraryPage(e.name))}">${opts.showScope === false ? e.name.slice(e.scope.length + 2) : e.name}</a>${e.latest ? html` <span class="version">${e.latest}</span>` : ''}${e.deprecated ? html` <span class="badge badge-warn">deprecated</span>` : ''}</div>
  <p class="lib-desc">${e.description}</p>
  <div class="lib-meta">${opts.showScope === false ? '' : html`<a class="scope-link" href="${relLink(from, scopePage(e.scope))}">@${e.scope}</a> · `}<span>${e.license}</span> · updated ${dateTag(e.updatedAt)}</div>
  ${tagChips(from, e.tags.slice(0, 6), opts.linkTags ?? true)}
</li>`)}</ul>`;
}

/** Prev/next links between `page-N.html` pages of a listing. */
export function pagination(from: string, page: number, pages: number, pathOf: (page: number) => string): Html {
  if (pages <= 1) return html``;
  return html`<nav class="pagination" aria-label="Pages">
  ${page > 1 ? html`<a rel="prev" href="${relLink(from, pathOf(page - 1))}">← Previous</a>` : html`<span></span>`}
  <span>Page ${page} of ${pages}</span>
  ${page < pages ? html`<a rel="next" href="${relLink(from, pathOf(page + 1))}">Next →</a>` : html`<span></span>`}
</nav>`;
}

export function breadcrumbs(from: string, items: readonly { label: string; to?: string }[]): Html {
  return html`<nav class="breadcrumbs" aria-label="Breadcrumb"><ol>${items.map((it, i) => html`<li>${it.to && i < items.length - 1 ? html`<a href="${relLink(from, it.to)}">${it.label}</a>` : html`<span aria-current="page">${it.label}</span>`}</li>`)}</ol></nav>`;
}
