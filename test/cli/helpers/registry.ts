/** Small registries built with the real builder into temp dirs, for CLI tests. */
import { join } from 'node:path';
import { buildRegistry, formatProblem, isMdlibsError } from '../../../index-builder/src/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { writeLibrary, writeRegistry, writeFiles, type LibSpec } from '../../helpers/registry.js';

export interface BuiltRegistry {
  src: string;
  out: string;
  priv: string;
  rebuild: () => Promise<void>;
  add: (l: LibSpec) => void;
  yank: (full: string, version: string, reason: string) => void;
}

export async function buildFixture(libs: LibSpec[], opts: { scopes?: Record<string, 'public' | 'private'>; api?: string } = {}): Promise<BuiltRegistry> {
  const src = tempDir('mdlibs-cli-reg-');
  writeRegistry(src, { scopes: opts.scopes ?? { acme: 'public', secret: 'private' } });
  if (opts.api) writeFiles(src, { 'registry.toml': `[registry]\nname = "Test Registry"\nurl = "http://localhost/"\napi = "${opts.api}"\nadmins = ["root-admin"]\n` });
  for (const l of libs) writeLibrary(src, l);
  const base = tempDir('mdlibs-cli-out-');
  const out = join(base, 'public');
  const priv = join(base, 'private');
  const rebuild = async () => {
    try {
      await buildRegistry({ registryDir: src, outDir: out, privateOutDir: priv });
    } catch (e) {
      if (isMdlibsError(e)) throw new Error(`fixture registry does not build:\n${e.problems.map(formatProblem).join("\n")}`, { cause: e });
      throw e;
    }
  };
  await rebuild();
  const yanks = new Map<string, Record<string, string>>();
  return {
    src, out, priv, rebuild,
    add: (l) => writeLibrary(src, l),
    yank: (full, version, reason) => {
      const y = { ...(yanks.get(full) ?? {}), [version]: reason };
      yanks.set(full, y);
      writeFiles(join(src, 'libraries', full), { 'meta.toml': `[yanked]\n${Object.entries(y).map(([v, r]) => `"${v}" = "${r}"`).join('\n')}\n` });
    },
  };
}
