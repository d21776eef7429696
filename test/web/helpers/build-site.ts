/** Builds a registry with the site emitter into fresh temp output folders. */
import { join } from 'node:path';
import { buildRegistry, formatProblem, isMdlibsError, type BuildReport } from '../../../index-builder/src/index.js';
import { emitSite } from '../../../index-builder/src/site/emit-site.js';
import { tempDir } from '../../helpers/tmp.js';

export interface BuiltSite {
  report: BuildReport;
  publicDir: string;
  privateDir: string;
}

export async function buildSite(registryDir: string, out?: { publicDir: string; privateDir: string }): Promise<BuiltSite> {
  const base = out ?? { publicDir: join(tempDir('mdlibs-web-'), 'public'), privateDir: join(tempDir('mdlibs-web-'), 'private') };
  try {
    const report = await buildRegistry({ registryDir, outDir: base.publicDir, privateOutDir: base.privateDir, site: emitSite });
    return { report, ...base };
  } catch (e) {
    if (isMdlibsError(e) && e.problems.length) throw new Error(`${e.message}:\n${e.problems.map(formatProblem).join('\n')}`, { cause: e });
    throw e;
  }
}
