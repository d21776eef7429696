/** Where each thing lives in the emitted tree (PROTO-1..4). Relative POSIX paths. */
export const PATHS = {
  config: 'config.json',
  summary: 'summary/index.json',
  searchIndex: 'search/index.json',
  buildInfo: 'build-info.json',
  buildRecord: 'build-record.json',
  teams: 'teams.json',
  templates: {
    index: 'index/@{scope}/{name}.json',
    tarball: 'tarballs/@{scope}/{name}/{name}-{version}.tgz',
    summaryPage: 'summary/page-{page}.json',
  },
} as const;

export function indexPath(scope: string, name: string): string {
  return `index/@${scope}/${name}.json`;
}

export function tarballPath(scope: string, name: string, version: string): string {
  return `tarballs/@${scope}/${name}/${name}-${version}.tgz`;
}

export function summaryPagePath(page: number): string {
  return `summary/page-${page}.json`;
}

/** Fills a config.json template. */
export function fillTemplate(template: string, vars: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}
