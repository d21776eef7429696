/** `mdlibs publish [path]` (CLI-6): validate with the builder's checks, then open a PR or push a signed commit. */
import { resolve } from 'node:path';
import { defineCommand } from '../command.js';
import { defaultCacheDir } from '../config/paths.js';
import { changeOptions, renderChange, repoOptions, type RepoFlags } from '../../publish/cli-options.js';
import type { ValidatedLibrary } from '../../publish/prepare-version.js';
import type { ChangeResult } from '../../publish/run-change.js';

interface Opts extends RepoFlags {
  path?: string;
}

export interface PublishResult extends ChangeResult {
  library: string;
  version: string;
  tarball: { sha256: string; integrity: string; size: number; fileCount: number; unpackedSize: number };
}

const tarballInfo = (l: ValidatedLibrary): PublishResult['tarball'] => ({
  sha256: l.tarball.sha256, integrity: l.tarball.integrity, size: l.tarball.bytes.length, fileCount: l.tarball.fileCount, unpackedSize: l.tarball.unpackedSize,
});

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
        via: o.via ?? 'git', dryRun: true, title: `Publish ${l.name}@${l.version}`, files: l.files.map((f) => `${l.folder}/${f.path}`), repo: '(none)', target: 'none',
        branch: '', url: null, commit: null, signed: null, follow: 'dry run: validated with the default limits; give --repo to check against the registry (its limits, existing versions)',
        library: l.name, version: l.version, tarball: tarballInfo(l),
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
      ...result, library: l.name, version: l.version,
      tarball: tarballInfo(l),
    };
  },
  render: (r) => [
    renderChange(r),
    `  tarball: ${r.tarball.fileCount} files, ${r.tarball.size} bytes, sha256 ${r.tarball.sha256}`,
  ].join('\n'),
});
