// node bench/build/memprobe.mjs <registry> <out>: one full build (site on) with process.memoryUsage() sampled every 200 ms: which part of the peak is JS heap, which Buffers
import { buildRegistry, loadSiteEmitter } from '../../dist/index-builder/src/index.js';
const [registryDir, outDir] = process.argv.slice(2);
const site = await loadSiteEmitter();
let peak = { rss: 0 }; const max = {};
const t0 = Date.now();
const timer = setInterval(() => { const m = process.memoryUsage(); for (const k of Object.keys(m)) max[k] = Math.max(max[k] ?? 0, m[k]); if (m.rss > peak.rss) peak = { ...m, at: Date.now() - t0 }; }, 200);
const r = await buildRegistry({ registryDir, outDir, site });
clearInterval(timer);
const mb = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k === 'at' ? v : Math.round(v / 1048576)]));
console.log(JSON.stringify({ wallMs: Date.now() - t0, maxRSS: Math.round(process.resourceUsage().maxRSS / 1024), atPeak: mb(peak), max: mb(max), built: r.builtVersions.length }));
