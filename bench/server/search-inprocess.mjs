#!/usr/bin/env node
// In-process comparison of the server search (index-builder/src/search/compact-index.ts) with MiniSearch
// on a built tree: identical scores for every query, and the time per query of each (top 20 for the compact index).
//   npm run build && node bench/server/search-inprocess.mjs [tree, default bench/.work/outcap]
import { performance } from 'node:perf_hooks';
import { readFileSync, realpathSync } from 'node:fs';
const { CompactSearchIndex } = await import(new URL('../../dist/index-builder/src/search/compact-index.js', import.meta.url).href);
const { loadSearchIndex, SEARCH_OPTIONS } = await import(new URL('../../dist/index-builder/src/index.js', import.meta.url).href);
const root = realpathSync(process.argv[2] ?? 'bench/.work/outcap');
const json = readFileSync(`${root}/search/index.json`, 'utf8');
let t = performance.now();
const ms = loadSearchIndex(json);
console.log('minisearch load', (performance.now() - t).toFixed(0), 'ms');
t = performance.now();
const cs = CompactSearchIndex.fromJson(json);
console.log('compact load', (performance.now() - t).toFixed(0), 'ms');
const MSO = { prefix: (x) => x.length >= 2, fuzzy: (x) => (x.length >= 5 ? 0.2 : false), maxFuzzy: 2 };
const CSO = { fields: SEARCH_OPTIONS.fields, boost: SEARCH_OPTIONS.searchOptions.boost, ...MSO };
const names = ms._storedFields; const words = new Set();
for (const [, f] of names) { for (const w of `${f.name} ${f.description} ${f.tags}`.split(/[^a-z0-9]+/i)) if (w.length > 2) words.add(w); if (words.size > 300) break; }
const W = [...words];
const qs = [...W.slice(0, 150), ...W.slice(0, 100).map((w, i) => `${w} ${W[(i * 7) % W.length].slice(0, 4)}`), 'deploi pipline', 'incident postmortem', 'secur', 'zz', 'a', 'data data', 'x-y.z', ''];
let bad = 0; const tm = [], tc = [];
for (const q of qs) {
  let t0 = performance.now(); const a = ms.search(q, MSO); tm.push(performance.now() - t0);
  const b = cs.search(q, CSO).hits; t0 = performance.now(); const top = cs.search(q, CSO, { limit: 20 }); tc.push(performance.now() - t0);
  if (top.total !== a.length || JSON.stringify(top.hits) !== JSON.stringify(b.slice(0, 20))) { bad++; console.log('top', q); }
  const ma = new Map(a.map((h) => [h.id, h.score]));
  if (a.length !== b.length) { bad++; console.log('len', q, a.length, b.length); continue; }
  for (const h of b) if (ma.get(h.id) !== h.score) { bad++; console.log('score', q, h.id, ma.get(h.id), h.score); break; }
  for (let i = 0; i < a.length; i++) if (a[i].score !== b[i].score) { bad++; console.log('order', q, i); break; }
}
const p = (xs, x) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(x * s.length)].toFixed(2); };
console.log('queries', qs.length, 'mismatches', bad);
console.log('minisearch p50', p(tm, 0.5), 'p95', p(tm, 0.95), '| compact p50', p(tc, 0.5), 'p95', p(tc, 0.95));
