/** `mdlibs publish [path]` (CLI-6): validate with the builder's checks, then open a PR or push a signed commit. */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { defaultCacheDir } from '../config/paths.js';
import { changeOptions, NO_REPO, renderChange, repoOptions, type RepoFlags } from '../../publish/cli-options.js';
import { formatBytes, safe } from '../output.js';
import type { ValidatedLibrary } from '../../publish/prepare-version.js';
import type { ChangeResult } from '../../publish/run-change.js';

interface Opts extends RepoFlags {
  path?: string;
}

export interface PublishResult extends ChangeResult {
  library: string;
  version: string;
  /** The version folder in the registry repo. */
  folder: string;
  /** `contents`: every file the tarball holds, by path, with its size (what `npm pack --dry-run` lists). */
  tarball: { sha256: string; integrity: string; size: number; fileCount: number; unpackedSize: number; contents: { path: string; size: number }[] };
}

const tarballInfo = (l: ValidatedLibrary): PublishResult['tarball'] => ({
  sha256: l.tarball.sha256, integrity: l.tarball.integrity, size: l.tarball.bytes.length, fileCount: l.tarball.fileCount, unpackedSize: l.tarball.unpackedSize,
  contents: l.files.map((f) => ({ path: f.path, size: f.bytes.length })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
});

/** The files a publish adds, one a line with its size, then the tarball (paths from a library folder: printed through safe()). */
function renderContents(r: PublishResult): string[] {
  const width = Math.max(...r.tarball.contents.map((c) => formatBytes(c.size).length), 1);
  return [
    `  ${r.dryRun ? 'would add' : 'added'} ${safe(r.folder, 300)}/:`,
    ...r.tarball.contents.map((c) => `    ${formatBytes(c.size).padStart(width)}  ${safe(c.path, 300)}`),
    `  tarball: ${r.tarball.fileCount} files, ${formatBytes(r.tarball.size)} (${formatBytes(r.tarball.unpackedSize)} unpacked)`,
    `  sha256:    ${r.tarball.sha256}`,
    `  integrity: ${r.tarball.integrity}`,
  ];
}

export default defineCommand<Opts, PublishResult>({
  command: 'publish [path]',
  describe: 'Publish a library version to the registry repo (pull request or signed commit)',
  builder: (y) => repoOptions(y.positional('path', { type: 'string', describe: 'library folder (default: the current folder)' })),
  handler: async (o) => {
    const { prepareVersion } = await import('../../publish/prepare-version.js');
    const { runChange } = await import('../../publish/run-change.js');
    const dir = resolve(o.ctx.cwd, o.path ?? '.');
    if (o.dryRun && !(o.repo ?? o.registry ?? o.ctx.env.MDLIBS_REGISTRY_REPO)) {
      // no registry repo: validate with the default limits; existence cannot be checked
      const { limitsSchema } = await import('../../../index-builder/src/index.js');
      const { validateLibrary } = await import('../../publish/prepare-version.js');
      const l = validateLibrary(dir, limitsSchema.parse({}));
      return {
        via: o.via ?? 'git', dryRun: true, title: `Publish ${l.name}@${l.version}`, files: l.files.map((f) => `${l.folder}/${f.path}`), repo: NO_REPO, target: 'none',
        branch: '', url: null, commit: null, signed: null, follow: 'dry run: validated with the default limits; give --repo to check against the registry (its limits, existing versions)',
        library: l.name, version: l.version, folder: l.folder, tarball: tarballInfo(l),
      };
    }
    let lib: ValidatedLibrary | null = null;
    const result = await runChange(changeOptions(o, o.ctx.env, defaultCacheDir(o.ctx.env)), async (src) => {
      const p = await prepareVersion(dir, src);
      lib = p.library;
      return p.change;
    });
    const l = lib as unknown as ValidatedLibrary;
    return {
      ...result, library: l.name, version: l.version, folder: l.folder,
      tarball: tarballInfo(l),
    };
  },
  render: (r) => [renderChange(r), ...renderContents(r)].join('\n'),
});
