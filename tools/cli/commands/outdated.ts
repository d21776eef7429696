/** `mdlibs outdated`: installed libraries with newer versions (CLI-5). */
import semver from 'semver';
import { defineCommand } from '../command.js';
import { checkedName } from '../install/spec.js';
import { isExactVersion } from '../install/lockfile.js';
import { pickVersion } from '../install/resolve.js';
import { safe, table } from '../output.js';
import { openProject, registryOption, type RegistryFlags } from './shared.js';

interface Opts extends RegistryFlags {
  path?: string;
}

interface Row {
  name: string;
  current: string;
  /** Newest version the ranges allow. */
  wanted: string | null;
  latest: string | null;
  direct: boolean;
  yanked: boolean;
}

export default defineCommand<Opts, { libraries: Row[] }>({
  command: 'outdated',
  describe: 'Show installed libraries that have newer versions',
  builder: (y) => registryOption(y).option('path', { type: 'string', describe: 'project folder; default: current folder' }),
  handler: async (o) => {
    const { session, project } = openProject(o.ctx, o);
    const lock = project.lock;
    if (!lock) return { libraries: [] };
    const ranges = new Map<string, string[]>();
    for (const [n, r] of Object.entries(lock.dependencies)) ranges.set(n, [r]);
    for (const e of Object.values(lock.libraries)) for (const [d, r] of Object.entries(e.dependencies)) ranges.set(d, [...(ranges.get(d) ?? []), r]);
    const rows = await Promise.all(Object.entries(lock.libraries).map(async ([name, e]): Promise<Row> => {
      const { scope, name: n } = checkedName(name, 'mdlibs.lock');
      const ix = await session.client(e.registry).libraryIndex(scope, n);
      const wanted = pickVersion(ix, ranges.get(name) ?? ['*'])?.version ?? null;
      const tag = ix.distTags.latest;
      const latest = tag !== undefined && isExactVersion(tag) ? tag : null; // a tag that is not a plain version is not shown
      const yanked = ix.versions.find((v) => v.version === e.version)?.yanked ?? false;
      return { name, current: e.version, wanted, latest, direct: lock.dependencies[name] !== undefined, yanked };
    }));
    const newer = (a: string | null, b: string) => a !== null && isExactVersion(a) && semver.gt(a, b);
    return { libraries: rows.filter((r) => r.yanked || newer(r.wanted, r.current) || newer(r.latest, r.current)).sort((a, b) => (a.name < b.name ? -1 : 1)) };
  },
  render: (r) => {
    if (!r.libraries.length) return 'everything is up to date';
    return table(r.libraries.map((l) => [safe(l.name, 140), safe(l.current, 64) + (l.yanked ? ' (yanked)' : ''), safe(l.wanted ?? '-', 64), safe(l.latest ?? '-', 64), l.direct ? 'direct' : 'dependency']), ['LIBRARY', 'CURRENT', 'WANTED', 'LATEST', 'TYPE']);
  },
});
