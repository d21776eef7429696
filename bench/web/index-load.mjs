#!/usr/bin/env node
// Time to build the browser search engine from base.json + two shards (d, p), in Node: CompactSearchIndex.fromObject vs MiniSearch.loadJS.
//   npm run build && node bench/web/index-load.mjs [tree, default bench/.work/outcap]
import { readFileSync, realpathSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
const root = realpathSync(process.argv[2] ?? 'bench/.work/outcap');
const base = JSON.parse(readFileSync(`${root}/search/web/base.json`, 'utf8'));
const parts = ['d', 'p'].map((k) => JSON.parse(readFileSync(`${root}/search/web/shard-${k}.json`, 'utf8')));
const { CompactSearchIndex } = await import(new URL('../../dist/index-builder/src/search/compact-index.js', import.meta.url).href);
const MiniSearch = (await import('minisearch')).default;
const ids = {}; for (const k in base.index.storedFields) ids[k] = base.index.storedFields[k].name;
const js = { ...base.index, documentIds: ids, index: parts.flat() };
let n = 0; for (const [, d] of js.index) for (const f in d) for (const _k in d[f]) n++;
console.log('terms', js.index.length, 'postings', n);
for (let r = 0; r < 4; r++) {
  let t = performance.now(); CompactSearchIndex.fromObject(js); const a = performance.now() - t;
  t = performance.now(); MiniSearch.loadJS(js, { fields: base.options.fields, storeFields: base.options.storeFields }); const b = performance.now() - t;
  console.log('compact', a.toFixed(1), 'minisearch', b.toFixed(1));
}
