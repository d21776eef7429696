#!/usr/bin/env node
/* global performance, requestAnimationFrame, window, document, Event */
// npm run bench:web -- [--libraries 10000] [--runs 5] [--work bench/.work/web] [--queries "a,b"] [--out <built tree>] [--rebuild]
// On the builder bench's synthetic registry: size of the search index (whole protocol index vs.
// what the browser fetches for a first query: base + shards), and in Chromium the time from the
// last keystroke to rendered results, cold (fresh browser profile, empty cache) and warm (page
// reloaded with a warm HTTP cache; and a second query in the same page). Medians of --runs.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { serveTree } from './serve.mjs';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const LIBS = Number(opt('libraries', 10000));
const RUNS = Number(opt('runs', 5));
const WORK = resolve(opt('work', 'bench/.work/web'));
const QUERIES = opt('queries', 'incident postmortem,secur,deploi pipline').split(',');
const ROOT = resolve(import.meta.dirname, '../..');
const CHROMIUM = process.env.MDLIBS_CHROMIUM ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const log = (m) => process.stderr.write(`[bench:web] ${m}\n`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const kb = (n) => `${(n / 1024).toFixed(0)} kB`;
const mb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;

mkdirSync(WORK, { recursive: true });
const reg = join(WORK, `registry-${LIBS}`);
const out = resolve(opt('out', join(WORK, 'out')));
if (!existsSync(join(out, 'search/web/base.json')) || args.includes('--rebuild')) {
  if (!existsSync(join(reg, '.git'))) {
    log(`generating ${LIBS} libraries x 2 versions x 5 docs (seed 1)`);
    execFileSync(process.execPath, [join(ROOT, 'bench/build/gen-registry.mjs'), reg, '--libraries', String(LIBS), '--versions', '2', '--docs', '5', '--seed', '1'], { stdio: 'inherit' });
  }
  rmSync(out, { force: true, recursive: true });
  rmSync(join(WORK, '.out.builds'), { force: true, recursive: true });
  log('building the registry with the site (dist/)');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(ROOT, 'dist/index-builder/src/bin.js'), reg, '--out', out, '--json', '--no-progress'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stdout.slice(-2000)} ${r.stderr.slice(-2000)}`);
  log(`built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

// --- sizes -----------------------------------------------------------------------------------
const size = (rel) => {
  const p = join(out, rel);
  const raw = statSync(p).size;
  const gz = existsSync(`${p}.gz`) ? statSync(`${p}.gz`).size : gzipSync(readFileSync(p), { level: 9 }).length;
  const br = existsSync(`${p}.br`) ? statSync(`${p}.br`).size : brotliCompressSync(readFileSync(p), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  return { raw, gz, br };
};
const add = (a, b) => ({ raw: a.raw + b.raw, gz: a.gz + b.gz, br: a.br + b.br });
const base = JSON.parse(readFileSync(join(out, 'search/web/base.json'), 'utf8'));
const whole = size('search/index.json');
const baseSize = size('search/web/base.json');
const shardSizes = Object.entries(base.shards).map(([k, s]) => ({ key: k, ...size(s.file) }));
const allShards = shardSizes.reduce(add, { raw: 0, gz: 0, br: 0 });
const largest = shardSizes.reduce((m, s) => (s.br > m.br ? s : m));
const keyOf = (term) => { const t = term.toLowerCase(); const c = t.charAt(0); return /^[a-z0-9]$/.test(c) ? c : '_'; };
const firstQuery = (q) => [...new Set(q.split(/[\s\p{P}]+/u).filter(Boolean).map(keyOf))].reduce((acc, k) => add(acc, shardSizes.find((s) => s.key === k) ?? { raw: 0, gz: 0, br: 0 }), baseSize);
const home = ['index.html', 'assets/style.css', 'assets/app.js'].map(size).reduce(add);

// --- browser timings --------------------------------------------------------------------------
async function measure(page, query) {
  await page.locator('#q').fill('');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => r())));
  await page.evaluate((q) => {
    window.__bench = new Promise((resolveDone) => {
      let last = 0;
      document.getElementById('q').addEventListener('keydown', () => { last = performance.now(); });
      document.addEventListener('mdlibs:results', (e) => {
        if (e.detail.query === q) requestAnimationFrame(() => resolveDone({ ms: performance.now() - last, count: e.detail.count }));
      });
    });
  }, query);
  await page.locator('#q').pressSequentially(query, { delay: 20 });
  return page.evaluate(() => window.__bench);
}

/** Worst case: the whole query arrives in one input event (paste) on a page that fetched no index yet. */
async function measurePaste(page, query) {
  await page.evaluate((q) => {
    window.__bench = new Promise((resolveDone) => {
      let at = 0;
      document.getElementById('q').addEventListener('input', () => { at = performance.now(); }, { capture: true });
      document.addEventListener('mdlibs:results', (e) => {
        if (e.detail.query === q) requestAnimationFrame(() => resolveDone({ ms: performance.now() - at, sinceNavigation: performance.now(), count: e.detail.count }));
      });
    });
  }, query);
  await page.evaluate((q) => {
    const input = document.getElementById('q');
    input.value = q;
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, query);
  return page.evaluate(() => window.__bench);
}

const server = await serveTree(out);
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const rows = Object.fromEntries(QUERIES.map((q) => [q, { cold: [], paste: [], nav: [], reload: [], same: [], count: 0 }]));
const coldBytes = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    for (const q of QUERIES) {
      log(`run ${run}/${RUNS}: "${q}"`);
      const ctx = await browser.newContext(); // fresh profile: empty HTTP cache
      const page = await ctx.newPage();
      page.setDefaultTimeout(60_000);
      await page.goto(`${server.url}index.html`, { waitUntil: 'load' });
      const mark = server.log.length;
      const cold = await measure(page, q);
      coldBytes.push(server.log.slice(mark).filter((e) => e.path.includes('/search/')).reduce((n, e) => n + e.bytes, 0));
      const same = await measure(page, q === QUERIES[0] ? QUERIES[1] ?? q : QUERIES[0]);
      await page.reload({ waitUntil: 'load' });
      const reload = await measure(page, q);
      await ctx.close();
      const ctx2 = await browser.newContext(); // fresh profile again: the paste case
      const page2 = await ctx2.newPage();
      page2.setDefaultTimeout(60_000);
      await page2.goto(`${server.url}index.html`, { waitUntil: 'load' });
      const paste = await measurePaste(page2, q);
      rows[q].paste.push(paste.ms);
      rows[q].nav.push(paste.sinceNavigation);
      await ctx2.close();
      rows[q].cold.push(cold.ms);
      rows[q].same.push(same.ms);
      rows[q].reload.push(reload.ms);
      rows[q].count = cold.count;
    }
  }
} finally {
  await browser.close();
  await server.close();
}

const lines = [];
lines.push(`### Web UI search (${LIBS} libraries, ${base.index.documentCount} documents in the index; ${RUNS} runs, medians)`, '');
lines.push('| What is transferred | raw | gzip | brotli |', '|---|---:|---:|---:|');
lines.push(`| whole protocol index \`search/index.json\` | ${mb(whole.raw)} | ${mb(whole.gz)} | ${mb(whole.br)} |`);
lines.push(`| browser base \`search/web/base.json\` | ${mb(baseSize.raw)} | ${mb(baseSize.gz)} | ${mb(baseSize.br)} |`);
lines.push(`| all ${shardSizes.length} shards together | ${mb(allShards.raw)} | ${mb(allShards.gz)} | ${mb(allShards.br)} |`);
lines.push(`| largest shard (\`${largest.key}\`) | ${mb(largest.raw)} | ${mb(largest.gz)} | ${mb(largest.br)} |`);
lines.push(`| **worst first query** (base + largest shard; target ≤ 2 MB brotli) | ${mb(baseSize.raw + largest.raw)} | ${mb(baseSize.gz + largest.gz)} | **${mb(baseSize.br + largest.br)}** |`);
for (const q of QUERIES) { const s = firstQuery(q); lines.push(`| first query "${q}" (base + its shards) | ${mb(s.raw)} | ${mb(s.gz)} | ${mb(s.br)} |`); }
lines.push(`| home page HTML + CSS + JS | ${kb(home.raw)} | ${kb(home.gz)} | ${kb(home.br)} |`);
lines.push(`| measured: search bytes fetched by a cold first query (brotli, median) | | | ${mb(median(coldBytes))} |`);
lines.push('', '| Query (results) | cold, typed: last keystroke → results | cold, pasted (nothing fetched yet): input → results | cold, pasted: navigation start → results | warm reload, typed: last keystroke → results | warm, same page (shards loaded) |', '|---|---:|---:|---:|---:|---:|');
const cell = (xs) => `${median(xs).toFixed(0)} ms (max ${Math.max(...xs).toFixed(0)})`;
for (const q of QUERIES) {
  const r = rows[q];
  lines.push(`| "${q}" (${r.count}) | ${cell(r.cold)} | ${cell(r.paste)} | ${cell(r.nav)} | ${cell(r.reload)} | ${median(r.same).toFixed(0)} ms |`);
}
lines.push('', 'Targets: first query ≤ 2 MB brotli; results ≤ 300 ms after the last keystroke warm, ≤ 1 s cold on loopback.', `Machine: ${execFileSync('nproc').toString().trim()} cores, load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} at the end of the run.`);
const table = lines.join('\n');
writeFileSync(join(WORK, 'RESULTS.md'), `${table}\n`);
process.stdout.write(`${table}\n`);
