#!/usr/bin/env node
// A/B of two server builds on the bench:server workload, interleaved in one run:
//   node bench/server/ab.mjs --a bench/.work/dist-base --b dist [--rounds 5] [--duration 5s]
// Needs a previous `npm run bench:server` (its tree and data folder under bench/.work/server/run)
// and wrk. Each round starts each server fresh, warms it up for 2 s, then measures with
// wrk -t1 -c32 (the shared bench.lua) an authenticated, counted private tarball download.
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join, resolve } from 'node:path';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const ROOT = resolve(import.meta.dirname, '..', '..');
const A = resolve(opt('a', join(ROOT, 'bench/.work/dist-base')));
const B = resolve(opt('b', join(ROOT, 'dist')));
const ROUNDS = Number(opt('rounds', 5));
const DURATION = opt('duration', '5s');
const PEERS = resolve(opt('peers', '/tmp/mdlibs-peers'));
const RUN = join(ROOT, 'bench/.work/server/run');
const TGZ = '/tarballs/@secops/bench/bench-1.0.0.tgz';
const PORT = 8095;
const CLK = Number(execFileSync('getconf', ['CLK_TCK']).toString());
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

const token = execFileSync(process.execPath, [join(B, 'static-server/src/bin.js'), 'token', 'create', '--data-dir', join(RUN, 'data'), '--owner', 'bench', '--scope', '@secops', '--expires', '1d'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim();

async function up() {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise((res) => { const r = request(`http://127.0.0.1:${PORT}/health`, (x) => { x.resume(); res(x.statusCode === 200); }); r.on('error', () => res(false)); r.end(); });
    if (ok) return;
    await sleep(50);
  }
  throw new Error('server did not start');
}
const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(')')[1].trim().split(' '); return Number(f[11]) + Number(f[12]); };
const wrk = (d) => JSON.parse(execFileSync('wrk', ['-t1', '-c32', `-d${d}`, '-s', join(PEERS, 'bench.lua'), '-H', `Authorization: Bearer ${token}`, `http://127.0.0.1:${PORT}${TGZ}`], { env: { ...process.env, PATHS_FILE: '' } }).toString().split('\n').find((l) => l.startsWith('RESULT ')).slice(7));

async function once(dist) {
  const p = spawn(process.execPath, [join(dist, 'static-server/src/bin.js'), 'serve', '--public-dir', join(RUN, 'out/public'), '--private-dir', join(RUN, 'out/private'), '--data-dir', join(RUN, 'data'), '--port', String(PORT), '--rate-limit-authenticated', '1000000000'], { stdio: 'ignore', env: { ...process.env, LOG_LEVEL: 'warn' } });
  try {
    await up();
    wrk('2s');
    const c0 = ticks(p.pid);
    const r = wrk(DURATION);
    const cpu = ((ticks(p.pid) - c0) / CLK / r.requests) * 1e6;
    const errors = r.err_connect + r.err_read + r.err_write + r.err_timeout + r.err_status;
    return { rps: r.rps, p99: r.p99_ms, cpu, errors };
  } finally {
    const done = new Promise((r) => p.once('exit', r));
    p.kill('SIGTERM');
    await done;
  }
}

const res = { A: [], B: [] };
for (let i = 1; i <= ROUNDS; i++) {
  for (const [k, d] of i % 2 ? [['A', A], ['B', B]] : [['B', B], ['A', A]]) {
    res[k].push(await once(d));
    const x = res[k].at(-1);
    process.stderr.write(`round ${i} ${k}: ${x.rps.toFixed(0)} req/s, p99 ${x.p99} ms, ${x.cpu.toFixed(0)} µs CPU/req, errors ${x.errors}\n`);
  }
}
for (const k of ['A', 'B']) {
  const rs = res[k];
  console.log(`${k} ${k === 'A' ? A : B}: median ${median(rs.map((r) => r.rps)).toFixed(0)} req/s, p99 ${median(rs.map((r) => r.p99)).toFixed(2)} ms, ${median(rs.map((r) => r.cpu)).toFixed(1)} µs CPU/req (rounds: ${rs.map((r) => r.rps.toFixed(0)).join(' / ')})`);
}
console.log(`B/A req/s: ${(median(res.B.map((r) => r.rps)) / median(res.A.map((r) => r.rps))).toFixed(3)}`);
