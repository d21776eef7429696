/** Pure builders for config.json, the paged summary and teams.json (PROTO-1, PROTO-3). */
import { PATHS, summaryPagePath } from '../format/paths.js';
import { PROTOCOL_VERSION, type ConfigJson, type LibraryIndex, type SummaryEntry, type SummaryIndex, type SummaryPage, type TeamsJson } from '../format/protocol.js';
import type { RegistryConfig, ScopeFile, Visibility } from '../format/source-schema.js';

export const SUMMARY_PAGE_SIZE = 500;

export function buildConfigJson(config: RegistryConfig, privateScopes: boolean): ConfigJson {
  return {
    protocol: PROTOCOL_VERSION,
    registry: { name: config.registry.name, description: config.registry.description, url: config.registry.url },
    templates: { ...PATHS.templates },
    summary: PATHS.summary,
    search: { index: PATHS.searchIndex, format: 'minisearch-7' },
    api: config.registry.api ?? null,
    auth: { privateScopes },
  };
}

export function summaryEntry(ix: LibraryIndex): SummaryEntry {
  return {
    name: ix.name, scope: ix.scope, description: ix.description, latest: ix.distTags.latest ?? null, tags: ix.tags,
    license: ix.license, updatedAt: ix.updatedAt, deprecated: ix.deprecated !== null, versionCount: ix.versions.length,
  };
}

/** The summary (PROTO-3) of a tree's libraries, given by their summary entries (summaryEntry). */
export function buildSummary(
  libs: readonly SummaryEntry[],
  scopes: ReadonlyMap<string, ScopeFile>,
  visibilityOf: (scope: string) => Visibility,
  pageSize = SUMMARY_PAGE_SIZE,
): { index: SummaryIndex; pages: SummaryPage[] } {
  const sorted = [...libs].sort((a, b) => (a.name < b.name ? -1 : 1));
  const pages: SummaryPage[] = [];
  for (let i = 0; i < sorted.length || i === 0; i += pageSize) {
    pages.push({ page: pages.length + 1, entries: sorted.slice(i, i + pageSize) });
    if (!sorted.length) break;
  }
  const tags: Record<string, number> = {};
  for (const l of sorted) for (const t of l.tags) tags[t] = (tags[t] ?? 0) + 1;
  const counts = new Map<string, number>();
  for (const l of sorted) counts.set(l.scope, (counts.get(l.scope) ?? 0) + 1);
  const scopeList = [...counts.keys()].sort().map((s) => {
    const f = scopes.get(s);
    return { name: s, displayName: f?.scope.display_name ?? s, description: f?.scope.description ?? '', visibility: visibilityOf(s), libraries: counts.get(s) ?? 0 };
  });
  return {
    index: { total: sorted.length, pageSize, pages: pages.map((p) => summaryPagePath(p.page)), tags: Object.fromEntries(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1))), scopes: scopeList },
    pages,
  };
}

export function buildTeamsJson(config: RegistryConfig, scopes: ReadonlyMap<string, ScopeFile>, visibilityOf: (scope: string) => Visibility, which: Visibility): TeamsJson {
  return {
    admins: [...config.registry.admins].sort(),
    scopes: [...scopes.keys()].sort().filter((s) => visibilityOf(s) === which).map((s) => {
      const f = scopes.get(s) as ScopeFile;
      return { name: s, displayName: f.scope.display_name, description: f.scope.description, visibility: which, members: f.members.map((m) => ({ user: m.user, role: m.role })) };
    }),
  };
}
