/**
 * `mdlibs info <@scope/name>[@version|@range]`: what the registry knows about a library, read
 * from its index file only (so a plain static host answers it; a token reads private scopes).
 * A range picks what install would pick (pickVersion: never a yanked version); an exact version
 * is shown even when yanked, with its reason.
 */
import semver from 'semver';
import type { LibraryIndex, VersionEntry } from '../../../index-builder/src/format/protocol.js';
import { defineCommand, type CommandContext } from '../command.js';
import { loadSettings, targetRegistry } from '../config/settings.js';
import { noMatch, pickVersion } from '../install/resolve.js';
import { parseSpec } from '../install/spec.js';
import { redactUrl } from '../net/http.js';
import { colors, formatBytes, safe, table } from '../output.js';
import { Session } from '../registry/session.js';
import { registryOption, type RegistryFlags } from './shared.js';

interface Opts extends RegistryFlags {
  spec: string;
}

/** One version in the library's list (newest first). */
export interface VersionSummary {
  version: string;
  publishedAt: string;
  yanked: boolean;
  yankedReason: string | null;
}

export interface InfoResult {
  /** The registry URL asked (user info and secrets in the query removed). */
  registry: string;
  /** The version or range as typed after the name; null: the latest version (dist-tag). */
  requested: string | null;
  /** How the version was chosen: the `latest` dist-tag, an exact version, or a range. */
  selectedBy: 'latest' | 'version' | 'range';
  /** Library-level data from the index; `versions` newest first. */
  library: Omit<LibraryIndex, 'versions'> & { versions: VersionSummary[] };
  /** The chosen version's entry; null when the library has no version to show (all yanked, no latest tag). */
  version: VersionEntry | null;
  /** The `--registry` flag as given, for the install hint (not printed with --json). */
  registryFlag?: string;
}

/** The latest dist-tag's entry; else (a tag naming no listed version) what install picks for `*`. */
function latestEntry(ix: LibraryIndex): VersionEntry | null {
  const tag = ix.distTags.latest;
  return ix.versions.find((v) => v.version === tag) ?? pickVersion(ix, ['*']);
}

/** The version `requested` selects: exact versions as listed (yanked too), ranges as install resolves them. */
export function chooseVersion(ix: LibraryIndex, requested: string | null): { entry: VersionEntry | null; selectedBy: InfoResult['selectedBy'] } {
  if (requested === null) return { entry: latestEntry(ix), selectedBy: 'latest' };
  const exact = semver.valid(requested);
  if (exact !== null) {
    const entry = ix.versions.find((v) => v.version === exact);
    if (entry) return { entry, selectedBy: 'version' };
  }
  const entry = pickVersion(ix, [requested]);
  if (!entry) throw noMatch(ix.name, [{ range: requested, by: 'the command line' }], ix);
  return { entry, selectedBy: exact !== null ? 'version' : 'range' };
}

export default defineCommand<Opts, InfoResult>({
  command: 'info <spec>',
  describe: 'Show a library\'s details, versions and docs (from its index file)',
  builder: (y) => registryOption(y)
    .positional('spec', { type: 'string', describe: '@scope/name, @scope/name@version or @scope/name@range' })
    .example('$0 info @acme/handbook', 'the latest version, every version, the docs and the install command')
    .example('$0 info @acme/handbook@^1.2', 'the version install would pick for ^1.2')
    .example('$0 info @acme/handbook@1.0.0 --json', 'one version (yanked ones too) as JSON'),
  handler: async (o) => {
    const spec = parseSpec(o.spec);
    const settings = loadSettings(o.ctx, { registry: o.registry, timeout: o.timeout });
    const target = targetRegistry(settings);
    const ix = await new Session(settings, o.ctx).client(target.url).libraryIndex(spec.scope, spec.name);
    const { entry, selectedBy } = chooseVersion(ix, spec.range);
    const { versions, ...lib } = ix;
    const newestFirst = [...versions].sort((a, b) => semver.rcompare(a.version, b.version))
      .map((v): VersionSummary => ({ version: v.version, publishedAt: v.publishedAt, yanked: v.yanked, yankedReason: v.yankedReason }));
    return {
      registry: redactUrl(target.url), requested: spec.range, selectedBy, library: { ...lib, versions: newestFirst }, version: entry,
      // the install hint repeats --registry; --json prints only the data
      ...(o.registry !== undefined && !o.json ? { registryFlag: o.registry } : {}),
    };
  },
  render: renderInfo,
});

/** Versions and docs listed in text output before "… and N more" (--json lists them all). */
const MAX_LISTED = 40;
const WIDTH = 78;

/** Registry text on lines of at most `width` columns, each indented; cut at `max` characters. */
function wrap(s: string, indent: string, width = WIDTH, max = 1200): string[] {
  const words = safe(s, max).split(' ').filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let w of words) {
    while ([...w].length > width - indent.length) {
      // a word longer than a line (a URL, or hostile text without spaces) is broken up
      if (line) lines.push(line);
      line = '';
      const cut = [...w].slice(0, width - indent.length).join('');
      lines.push(cut);
      w = w.slice(cut.length);
    }
    if (!w) continue;
    if (line && [...line].length + 1 + [...w].length > width - indent.length) {
      lines.push(line);
      line = w;
    } else line = line ? `${line} ${w}` : w;
  }
  if (line) lines.push(line);
  return lines.map((l) => indent + l);
}

/** The date part of an ISO time (the whole text when it is not one). */
const day = (iso: string): string => safe(/^\d{4}-\d{2}-\d{2}T/.test(iso) ? iso.slice(0, 10) : iso, 40);

const list = (xs: readonly string[], max = 400): string => (xs.length ? safe(xs.join(', '), max) : '-');

function more(lines: string[], total: number, shown: number, what: string): void {
  if (total > shown) lines.push(`  … and ${total - shown} more ${what} (--json lists them all)`);
}

/** `s` as one shell word: quoted when it holds anything but plain name and range characters (`<`, `>`, spaces, `|`). */
const shellWord = (s: string): string => (/^[\w@/.:^~*+=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function renderInfo(r: InfoResult, ctx: CommandContext): string {
  const c = colors(ctx.color);
  const lib = r.library;
  const v = r.version;
  const latest = lib.distTags.latest;
  const out: string[] = [];
  const name = safe(lib.name, 140);
  out.push(c.bold(v ? `${name}@${safe(v.version, 64)}` : name) + (v && v.version === latest ? ' (latest)' : '') + (lib.visibility === 'private' ? ' [private]' : ''));
  out.push(...wrap(v?.description || lib.description, '  '));
  if (lib.deprecated !== null) {
    out.push('', c.red(c.bold('DEPRECATED')));
    out.push(...wrap(lib.deprecated, '  ').map((l) => c.red(l)));
  }
  if (v?.yanked) {
    out.push('', c.red(c.bold(`YANKED: ${safe(v.version, 64)} was withdrawn; install will not pick it`)));
    const indent = '  reason: ';
    out.push(...wrap(v.yankedReason ?? 'no reason given', ' '.repeat(indent.length)).map((l, i) => c.red(i ? l : indent + l.trimStart())));
  }
  if (!v) {
    const why = !lib.versions.length ? 'the library has no versions' : lib.versions.every((x) => x.yanked) ? 'every version is yanked' : 'the index names no latest version';
    out.push('', c.yellow(`no version to show: ${why}`));
  }
  out.push('');
  const facts: string[][] = [
    ['latest', latest === undefined ? '-' : safe(latest, 64)],
    ['license', safe(v?.license ?? lib.license, 100)],
    ['authors', list(v?.authors ?? lib.authors)],
    ['repository', safe(lib.repository ?? '-', 300)],
    ['homepage', safe(lib.homepage ?? '-', 300)],
    ['tags', list(v?.tags ?? lib.tags)],
  ];
  if (v) facts.push(['published', safe(v.publishedAt, 40)]);
  out.push(...table(facts.map(([k, x]) => [`  ${k}:`, x ?? ''])).split('\n'));

  if (v) {
    const deps = Object.entries(v.dependencies);
    out.push('', `dependencies (${deps.length}):`);
    if (deps.length) out.push(...table(deps.slice(0, MAX_LISTED).map(([d, range]) => [`  ${safe(d, 140)}`, safe(range, 64)])).split('\n'));
    else out.push('  none');
    more(out, deps.length, Math.min(deps.length, MAX_LISTED), 'dependencies');

    out.push('', `docs (${v.docs.length}):`);
    if (v.docs.length) out.push(...table(v.docs.slice(0, MAX_LISTED).map((d) => [`  ${safe(d.path, 120)}`, safe(d.title, 80)])).split('\n'));
    else out.push('  none');
    more(out, v.docs.length, Math.min(v.docs.length, MAX_LISTED), 'docs');

    out.push('', 'tarball:');
    out.push(...table([
      ['  size:', `${formatBytes(v.size)} (${v.size} bytes)`],
      ['  unpacked size:', `${formatBytes(v.unpackedSize)} (${v.unpackedSize} bytes)`],
      ['  files:', String(v.fileCount)],
      ['  integrity:', safe(v.integrity, 120)],
    ]).split('\n'));
  }

  const shown = lib.versions.slice(0, MAX_LISTED);
  out.push('', `versions (${lib.versions.length}, newest first):`);
  out.push(...table(shown.map((x) => [
    `${x.version === v?.version ? '>' : ' '} ${safe(x.version, 64)}`,
    day(x.publishedAt),
    [x.version === latest ? 'latest' : '', x.yanked ? `yanked: ${safe(x.yankedReason ?? 'no reason given', 100)}` : ''].filter(Boolean).join(', '),
  ])).split('\n').map((l, i) => (shown[i]?.yanked ? c.yellow(l) : l)));
  more(out, lib.versions.length, shown.length, 'versions');

  out.push('');
  const reg = r.registryFlag === undefined ? '' : ` --registry ${shellWord(safe(/^[a-z]+:\/\//i.test(r.registryFlag) ? redactUrl(r.registryFlag) : r.registryFlag, 300))}`;
  if (!v) out.push('install: nothing to install');
  else if (v.yanked) out.push(`install: ${safe(v.version, 64)} is yanked; \`mdlibs install ${name}${reg}\` picks the newest version that is not`);
  else out.push(`install: mdlibs install ${shellWord(r.requested === null ? name : `${name}@${safe(r.requested, 64)}`)}${reg}`);
  return out.join('\n');
}
