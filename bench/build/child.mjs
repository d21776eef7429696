// One measured build in its own process (run.mjs starts it with the node flags of the mdlibs-build
// bin's first line): prints the report with wall time and peak RSS.
//   node bench/build/child.mjs <registry> <out> [--no-site]
import { performance } from 'node:perf_hooks';
import { buildRegistry, loadSiteEmitter, tuneHeapForBuilds } from '../../dist/index-builder/src/index.js';

tuneHeapForBuilds(); // as the mdlibs-build bin does

const [registryDir, outDir] = process.argv.slice(2);
const site = process.argv.includes('--no-site') ? undefined : await loadSiteEmitter();
const t0 = performance.now();
const r = await buildRegistry({ registryDir, outDir, site });
const wallMs = performance.now() - t0;
process.stdout.write(JSON.stringify({
  wallMs, durationMs: r.durationMs, libraries: r.libraries, versions: r.versions, built: r.builtVersions.length,
  reused: r.reusedVersions, rebuiltLibraries: r.rebuiltLibraries.length, site: Boolean(site), phases: r.phases,
  peakRssMB: process.resourceUsage().maxRSS / 1024,
}));
