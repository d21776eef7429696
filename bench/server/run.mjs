#!/usr/bin/env node
// npm run bench:server -- [--rounds 3] [--duration 10s] [--warmup 2s] [--peers /tmp/mdlibs-peers] [--big-tree bench/.work/server/tree10k]
// Side by side on this machine, same run, same load tool (wrk -t1 -c32, the shared bench.lua):
//   A  nginx (1 worker) serving the same ~20 KB private tarball file statically (the floor)
//   M  mdlibs-server (dist/), authenticated download of that private tarball, counting on
//   B  Verdaccio 6.8 (JWT tokens) serving an authenticated ~20 KB tarball (peers from ../shared/bench/setup.sh)
// Rounds are interleaved (A M B, A M B, ...); medians reported. Then: exact-count check (counted vs
// wrk responses), SIGKILL under full load, and RSS + search p95 on a 10,000-library tree.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request, Agent } from 'node:http';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const ROOT = resolve(import.meta.dirname, '..', '..');
const BIG_ONLY = args.includes('--big-only');
const ROUNDS = BIG_ONLY ? 0 : Number(opt('rounds', 3));
const DURATION = opt('duration', '10s');
const WARMUP = opt('warmup', '2s');
const PEERS = resolve(opt('peers', process.env.PEERS ?? '/tmp/mdlibs-peers'));
const BIG_TREE = resolve(opt('big-tree', join(ROOT, 'bench/.work/server/tree10k')));
const WORK = join(ROOT, BIG_ONLY ? 'bench/.work/server/run-big' : 'bench/.work/server/run');
const BIN = join(ROOT, 'dist/static-server/src/bin.js');
const LUA = join(PEERS, 'bench.lua');
const PORTS = { nginx: 8091, mdlibs: 8094, verdaccio: 8082, anchor: 8093 };
const log = (m) => process.stderr.write(`[bench:server ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK = Number(execFileSync('getconf', ['CLK_TCK']).toString());

if (!existsSync(BIN)) throw new Error('run npm run build first (dist/ is missing)');
if (!existsSync(LUA)) throw new Error(`peers not set up: bash ../shared/bench/setup.sh (expected ${PEERS})`);
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

// ---------- the registry: one private library whose tarball is ~20 KB ----------
const { buildRegistry } = await import(join(ROOT, 'dist/index-builder/src/index.js'));
const reg = join(WORK, 'registry');
const w = (rel, text) => { mkdirSync(join(reg, rel, '..'), { recursive: true }); writeFileSync(join(reg, rel), text); };
w('registry.toml', '[registry]\nname = "Bench"\nurl = "http://127.0.0.1/"\nadmins = ["bench"]\n');
w('scopes/secops.toml', '[scope]\nname = "secops"\ndisplay_name = "SecOps"\nvisibility = "private"\n\n[[members]]\nuser = "bench"\nrole = "admin"\n');
w('scopes/acme.toml', '[scope]\nname = "acme"\ndisplay_name = "Acme"\nvisibility = "public"\n\n[[members]]\nuser = "bench"\nrole = "admin"\n');
const V = 'bench';
w(`libraries/@secops/${V}/1.0.0/.mdlibs.toml`, `[library]\nname = "@secops/${V}"\nversion = "1.0.0"\ndescription = "Bench tarball"\nlicense = "MIT"\ntags = ["bench"]\n`);
w(`libraries/@secops/${V}/1.0.0/README.md`, `# bench\n\n${randomBytes(18400).toString('hex').replace(/(.{80})/g, '$1\n')}\n`);
w(`libraries/@acme/pub/1.0.0/.mdlibs.toml`, '[library]\nname = "@acme/pub"\nversion = "1.0.0"\ndescription = "Public"\nlicense = "MIT"\ntags = ["bench"]\n');
w(`libraries/@acme/pub/1.0.0/README.md`, '# pub\n');
const out = join(WORK, 'out');
await buildRegistry({ registryDir: reg, outDir: join(out, 'public'), privateOutDir: join(out, 'private') });
const TGZ = `/tarballs/@secops/${V}/${V}-1.0.0.tgz`;
const tgzSize = statSync(join(out, 'private', TGZ)).size;
log(`private tarball ${TGZ}: ${tgzSize} B`);

// ---------- process helpers ----------
function start(cmd, argv, opts = {}) {
  const p = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  p.stdout.on('data', () => undefined);
  p.stderr.on('data', (c) => { if (opts.echo) process.stderr.write(c); });
  return p;
}
async function waitHttp(url, tries = 300) {
  for (let i = 0; i < tries; i++) {
    const ok = await new Promise((res) => { const r = request(url, (x) => { x.resume(); res(true); }); r.on('error', () => res(false)); r.end(); });
    if (ok) return;
    await sleep(100);
  }
  throw new Error(`timeout waiting for ${url}`);
}
async function stop(p, signal = 'SIGTERM') {
  if (p.exitCode !== null || p.signalCode !== null) return;
  const done = new Promise((r) => p.once('exit', r));
  p.kill(signal);
  const t = setTimeout(() => p.kill('SIGKILL'), 10_000);
  await done;
  clearTimeout(t);
}
const pids = (p) => [p.pid, ...execFileSync('bash', ['-c', `ps -o pid= --ppid ${p.pid} || true`]).toString().trim().split(/\s+/).filter(Boolean).map(Number)];
const cpuTicks = (p) => pids(p).reduce((t, pid) => { try { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1].trim().split(' '); return t + Number(f[11]) + Number(f[12]); } catch { return t; } }, 0);
const statusKb = (p, key) => pids(p).reduce((t, pid) => { try { const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8')); return t + Number(m?.[1] ?? 0); } catch { return t; } }, 0);
function wrk(url, duration, headers = []) {
  const outp = execFileSync('wrk', ['-t1', '-c32', `-d${duration}`, '--timeout', '10s', '-s', LUA, ...headers.flatMap((h) => ['-H', h]), url], { env: { ...process.env, PATHS_FILE: '' }, maxBuffer: 1 << 24 }).toString();
  const line = outp.split('\n').find((l) => l.startsWith('RESULT '));
  return JSON.parse(line.slice(7));
}
async function measure(p, url, headers) {
  const warm = wrk(url, WARMUP, headers);
  await sleep(500);
  const c0 = cpuTicks(p);
  const r = wrk(url, DURATION, headers);
  const c1 = cpuTicks(p);
  return { ...r, warm: warm.requests, cpu_us_per_req: ((c1 - c0) / CLK / r.requests) * 1e6, rss_mb: statusKb(p, 'VmRSS') / 1024, hwm_mb: statusKb(p, 'VmHWM') / 1024 };
}

// ---------- servers ----------
const nginxDir = join(WORK, 'nginx');
mkdirSync(join(nginxDir, 'run'), { recursive: true });
mkdirSync(join(nginxDir, 'logs'), { recursive: true });
writeFileSync(join(nginxDir, 'nginx.conf'), readFileSync(join(PEERS, 'nginx.conf'), 'utf8').replace('listen 127.0.0.1:8081;', `listen 127.0.0.1:${PORTS.nginx};`).replace('root corpus;', `root ${realpathSync(join(out, 'private'))};`));
async function withNginx(fn) {
  const p = start('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-g', 'worker_processes 1;']);
  try { await waitHttp(`http://127.0.0.1:${PORTS.nginx}/`); return await fn(p); } finally { await stop(p); }
}
const Database = (await import('better-sqlite3')).default;
function dbCount(data) {
  const db = new Database(join(data, 'mdlibs.db'), { readonly: true });
  const n = db.prepare('SELECT COALESCE(SUM(n), 0) AS n FROM downloads').get().n;
  db.close();
  return n;
}

const data = join(WORK, 'data');
const token = execFileSync(process.execPath, [BIN, 'token', 'create', '--data-dir', data, '--owner', 'bench', '--scope', '@secops', '--expires', '1d']).toString().trim();
const mdlibsArgs = (extra = []) => [BIN, 'serve', '--public-dir', join(out, 'public'), '--private-dir', join(out, 'private'), '--data-dir', data, '--port', String(PORTS.mdlibs), '--rate-limit-authenticated', '1000000000', ...extra];
async function withMdlibs(fn, extra = [], env = {}) {
  const p = start(process.execPath, mdlibsArgs(extra), { env: { ...process.env, LOG_LEVEL: 'warn', ...env } });
  try { await waitHttp(`http://127.0.0.1:${PORTS.mdlibs}/health`); return await fn(p); } finally { await stop(p); }
}

const vdPaths = readFileSync(join(PEERS, 'paths-npm.txt'), 'utf8').trim().split('\n');
const VD_SMALL = vdPaths[0];
async function withVerdaccio(fn) {
  const p = start(process.execPath, [join(PEERS, 'node_modules/verdaccio/bin/verdaccio'), '-c', join(PEERS, 'verdaccio/config-jwt.yaml')], { cwd: PEERS });
  try {
    await waitHttp(`http://127.0.0.1:${PORTS.verdaccio}/-/ping`);
    const tok = JSON.parse(execFileSync('curl', ['-sS', '-u', 'bench:bench-pass-123', '-X', 'PUT', '-H', 'content-type: application/json', '-d', '{"name":"bench","password":"bench-pass-123"}', `http://127.0.0.1:${PORTS.verdaccio}/-/user/org.couchdb.user:bench`]).toString()).token;
    return await fn(p, tok);
  } finally { await stop(p); }
}

// anchor C of ../shared/bench (node:http, token sha256, tarballs from memory, SQLite counter
// flushed every 100 ms: can lose counts on SIGKILL): calibrates how loaded the machine is now.
const ANCHOR_TOKEN = readFileSync(join(PEERS, 'c-token.txt'), 'utf8').trim();
async function withAnchor(fn) {
  const { createHash } = await import('node:crypto');
  const p = start(process.execPath, [join(PEERS, 'anchor-c.mjs')], { env: { ...process.env, MODE: 'batch', PORT: String(PORTS.anchor), CORPUS: join(PEERS, 'corpus'), DB: join(WORK, 'anchor-c.db'), TOKEN_SHA256: createHash('sha256').update(ANCHOR_TOKEN).digest('hex') } });
  try { await waitHttp(`http://127.0.0.1:${PORTS.anchor}/`); return await fn(p); } finally { await stop(p); }
}

// ---------- interleaved rounds ----------
const rows = { nginx: [], mdlibs: [], verdaccio: [], anchor: [] };
const countChecks = [];
for (let r = 1; r <= ROUNDS; r++) {
  rows.nginx.push(await withNginx((p) => measure(p, `http://127.0.0.1:${PORTS.nginx}${TGZ}`, [])));
  log(`r${r} nginx ${rows.nginx.at(-1).rps.toFixed(0)} req/s p99 ${rows.nginx.at(-1).p99_ms} ms`);
  const before = dbCount(data);
  const m = await withMdlibs((p) => measure(p, `http://127.0.0.1:${PORTS.mdlibs}${TGZ}`, [`Authorization: Bearer ${token}`]));
  const counted = dbCount(data) - before;
  countChecks.push({ round: r, responses: m.warm + m.requests, counted });
  rows.mdlibs.push(m);
  log(`r${r} mdlibs ${m.rps.toFixed(0)} req/s p99 ${m.p99_ms} ms; counted ${counted} vs ${m.warm + m.requests} wrk responses`);
  rows.verdaccio.push(await withVerdaccio((p, tok) => measure(p, `http://127.0.0.1:${PORTS.verdaccio}${VD_SMALL}`, [`Authorization: Bearer ${tok}`])));
  log(`r${r} verdaccio ${rows.verdaccio.at(-1).rps.toFixed(0)} req/s p99 ${rows.verdaccio.at(-1).p99_ms} ms`);
  rows.anchor.push(await withAnchor((p) => measure(p, `http://127.0.0.1:${PORTS.anchor}${VD_SMALL}`, [`Authorization: Bearer ${ANCHOR_TOKEN}`])));
  log(`r${r} anchor C ${rows.anchor.at(-1).rps.toFixed(0)} req/s p99 ${rows.anchor.at(-1).p99_ms} ms`);
}

// ---------- SIGKILL at full speed: counted >= responses wrk completed ----------
const kill = BIG_ONLY ? null : await (async () => {
  const before = dbCount(data);
  const p = start(process.execPath, mdlibsArgs(), { env: { ...process.env, LOG_LEVEL: 'warn' } });
  await waitHttp(`http://127.0.0.1:${PORTS.mdlibs}/health`);
  const w = spawn('wrk', ['-t1', '-c32', '-d8s', '--timeout', '2s', '-s', LUA, '-H', `Authorization: Bearer ${token}`, `http://127.0.0.1:${PORTS.mdlibs}${TGZ}`], { env: { ...process.env, PATHS_FILE: '' } });
  let o = '';
  w.stdout.on('data', (c) => (o += c));
  const done = new Promise((res) => w.once('exit', res));
  await sleep(4000);
  p.kill('SIGKILL');
  await done;
  const res = JSON.parse(o.split('\n').find((l) => l.startsWith('RESULT ')).slice(7));
  return { completed: res.requests, counted: dbCount(data) - before, errors: res.err_connect + res.err_read + res.err_write + res.err_timeout };
})();
if (kill) log(`SIGKILL under load: wrk completed ${kill.completed}, counted ${kill.counted}`);

// ---------- 10,000-library tree: RSS and search p95 ----------
let big = null;
if (existsSync(join(BIG_TREE, 'public'))) {
  const bigData = join(WORK, 'data-big');
  const p = start(process.execPath, [BIN, 'serve', '--public-dir', join(BIG_TREE, 'public'), ...(existsSync(join(BIG_TREE, 'private')) ? ['--private-dir', join(BIG_TREE, 'private')] : []), '--data-dir', bigData, '--port', String(PORTS.mdlibs), '--rate-limit-anonymous', '0'], { env: { ...process.env, LOG_LEVEL: 'warn' } });
  await waitHttp(`http://127.0.0.1:${PORTS.mdlibs}/health`);
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const getJson = (path) => new Promise((res, rej) => { const t0 = process.hrtime.bigint(); const q = request({ host: '127.0.0.1', port: PORTS.mdlibs, path, agent }, (x) => { let b = ''; x.on('data', (c) => (b += c)); x.on('end', () => res({ ms: Number(process.hrtime.bigint() - t0) / 1e6, status: x.statusCode, body: b })); }); q.on('error', rej); q.end(); });
  const first = await getJson('/api/v1/libraries?q=guide');
  const list = JSON.parse((await getJson('/api/v1/libraries?per_page=100')).body);
  const words = [...new Set(list.libraries.flatMap((l) => [...l.name.split(/[/@-]/), ...l.description.split(/\W+/)]).filter((x) => x.length > 3))].slice(0, 60);
  const qs = [];
  for (let i = 0; qs.length < 340 && i < words.length * words.length; i++) {
    const a = words[i % words.length];
    const b = words[Math.floor(i / words.length) % words.length];
    qs.push(i < words.length ? a : `${a} ${b.slice(0, 4)}`);
  }
  const run = async (list_) => {
    const lat = [];
    for (const q of list_) {
      const r = await getJson(`/api/v1/libraries?q=${encodeURIComponent(q)}&per_page=20`);
      if (r.status !== 200) throw new Error(`search ${r.status}`);
      lat.push(r.ms);
    }
    const sorted = lat.sort((a, b) => a - b);
    const pct = (x) => sorted[Math.min(sorted.length - 1, Math.floor(x * sorted.length))];
    return { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) };
  };
  await run(qs.slice(0, 40)); // warm-up (JIT), not measured
  const cold = await run(qs.slice(40)); // 300 queries never asked before
  const hot = await run(qs.slice(40)); // the same 300 again
  big = { libraries: list.total, first_search_ms: first.ms, cold, hot, p50: cold.p50, p95: cold.p95, p99: cold.p99, rss_mb: statusKb(p, 'VmRSS') / 1024, hwm_mb: statusKb(p, 'VmHWM') / 1024 };
  agent.destroy();
  await stop(p);
  log(`10k tree: ${big.libraries} libraries, RSS ${big.rss_mb.toFixed(0)} MB (peak ${big.hwm_mb.toFixed(0)}), search (new queries) p50 ${big.p50.toFixed(2)} p95 ${big.p95.toFixed(2)} ms; repeated p95 ${big.hot.p95.toFixed(2)} ms`);
} else log(`no big tree at ${BIG_TREE}: skipping RSS/search (build it with bench/build/gen-registry.mjs + mdlibs-build)`);

// ---------- report ----------
if (BIG_ONLY) {
  process.stdout.write(`${JSON.stringify(big)}\n`);
  writeFileSync(join(ROOT, 'bench/.work/server/big.json'), JSON.stringify(big, null, 2));
  process.exit(0);
}
if (!big && existsSync(join(ROOT, 'bench/.work/server/big.json'))) big = JSON.parse(readFileSync(join(ROOT, 'bench/.work/server/big.json'), 'utf8'));
const med = (k, f) => median(rows[k].map(f));
const tbl = ['nginx', 'mdlibs', 'verdaccio', 'anchor'].map((k) => ({ k, rps: med(k, (x) => x.rps), p50: med(k, (x) => x.p50_ms), p99: med(k, (x) => x.p99_ms), cpu: med(k, (x) => x.cpu_us_per_req), rss: med(k, (x) => x.rss_mb), errs: rows[k].reduce((a, x) => a + x.err_status + x.err_timeout + x.err_read + x.err_connect, 0), runs: rows[k].map((x) => Math.round(x.rps)).join(' / ') }));
const name = { nginx: 'A nginx 1 worker, same file, no auth, no counting', mdlibs: 'M mdlibs-server, private tarball, token + exact count', verdaccio: 'B Verdaccio 6.8, JWT token', anchor: 'C anchor: bare node:http, counts flushed every 100 ms (not crash-safe)' };
const n = tbl.find((x) => x.k === 'nginx');
const m = tbl.find((x) => x.k === 'mdlibs');
const v = tbl.find((x) => x.k === 'verdaccio');
const c = tbl.find((x) => x.k === 'anchor');
const lines = [
  `## Static server (\`npm run bench:server\`, ${new Date().toISOString().slice(0, 16)}Z)`,
  '',
  `wrk -t1 -c32, ${ROUNDS} interleaved rounds (A M B C), warm-up ${WARMUP}, ${DURATION} measured; medians. Tarball ${tgzSize} B (mdlibs and nginx: the same file; Verdaccio: a ${statSync(join(PEERS, 'corpus', VD_SMALL.replace('/-/', '/'))).size} B corpus tarball). Server log level warn.`,
  '',
  '| config | req/s | p50 ms | p99 ms | server CPU µs/req | RSS MB | errors | req/s per round |',
  '|---|--:|--:|--:|--:|--:|--:|---|',
  ...tbl.map((x) => `| ${name[x.k]} | ${Math.round(x.rps).toLocaleString('en')} | ${x.p50.toFixed(2)} | ${x.p99.toFixed(2)} | ${x.cpu.toFixed(0)} | ${x.rss.toFixed(0)} | ${x.errs} | ${x.runs} |`),
  '',
  `Ratios: mdlibs / nginx = **${(m.rps / n.rps).toFixed(2)}x** (target >= 0.5x); mdlibs / Verdaccio = **${(m.rps / v.rps).toFixed(1)}x** (target >= 20x); mdlibs p99 ${m.p99.toFixed(2)} ms (target <= 10 ms); mdlibs / anchor C = ${(m.rps / c.rps).toFixed(2)}x (CPU ${m.cpu.toFixed(0)} vs ${c.cpu.toFixed(0)} µs/req). Load average at the end: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')} on ${(await import('node:os')).cpus().length} cores.`,
  '',
  `Exact counts: ${countChecks.map((c) => `round ${c.round}: ${c.counted} counted / ${c.responses} wrk responses`).join('; ')} (counted may exceed wrk by the <= 32 requests in flight when wrk stops).`,
  `SIGKILL at full load (wrk 8 s, kill -9 after 4 s): wrk completed ${kill.completed} responses, the store holds ${kill.counted} (lost: ${Math.max(0, kill.completed - kill.counted)}).`,
  big ? `10,000-library tree (${big.libraries} public libraries listed): RSS ${big.rss_mb.toFixed(0)} MB after listing + 640 searches (peak ${big.hwm_mb.toFixed(0)} MB; target <= 200 MB); search API (single client, keep-alive, 300 queries never asked before, after 40 warm-up) p50 ${big.p50.toFixed(2)} ms, p95 **${big.p95.toFixed(2)} ms** (target <= 5 ms), p99 ${big.p99.toFixed(2)} ms; the same 300 again p95 ${big.hot ? big.hot.p95.toFixed(2) : '-'} ms; first search (loads the index) ${big.first_search_ms.toFixed(0)} ms.` : '10,000-library tree: not measured (no tree).',
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
const results = join(ROOT, 'bench/RESULTS.md');
const prev = existsSync(results) ? readFileSync(results, 'utf8') : '# Benchmark results\n\n';
// the section of this bench: a level-2 heading at the start of a line (a session's own
// '### Static server (' subsection must not be taken for it)
const at = prev.search(/^## Static server \(/m);
let next;
if (at >= 0) {
  const end = prev.indexOf('\n## ', at + 5);
  next = prev.slice(0, at) + lines.join('\n') + (end >= 0 ? `\n${prev.slice(end + 1)}` : '');
} else next = `${prev.trimEnd()}\n\n${lines.join('\n')}`;
writeFileSync(results, next.endsWith('\n') ? next : `${next}\n`);
writeFileSync(join(WORK, 'raw.json'), JSON.stringify({ rows, countChecks, kill, big }, null, 2));
log(`wrote ${results}`);
