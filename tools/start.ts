/** `npm start`: build the bundled registry-data/ and print where the tree is. */
import { join } from 'node:path';
import { buildRegistry, loadSiteEmitter } from '../index-builder/src/index.js';
import { formatProblem, isMdlibsError } from '../index-builder/src/errors.js';

const root = process.cwd();
const out = join(root, '.mdlibs-out', 'public');
const priv = join(root, '.mdlibs-out', 'private');
try {
  const report = await buildRegistry({ registryDir: join(root, 'registry-data'), outDir: out, privateOutDir: priv, progress: true, site: await loadSiteEmitter() });
  process.stdout.write(`built ${report.libraries} libraries, ${report.versions} versions in ${report.durationMs} ms\npublic tree: ${out}\nprivate tree: ${priv}\n`);
} catch (e) {
  if (!isMdlibsError(e)) throw e;
  for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
  process.stderr.write(`error ${e.code}: ${e.message}\n`);
  process.exit(1);
}
