#!/usr/bin/env node
// npm run bench:install -- [--rounds 5] [--libs 50]
// Side by side on this machine, same run (rounds interleaved, medians):
//   node -e ''                 Node's bare start-up (the floor for every command)
//   mdlibs --version           target <= 1.5x node
//   curl, parallel             config.json + every index file + every tarball, 16 at a time (the network floor)
//   node fetch, parallel       the same files with a bare node:http client (anchor-fetch.mjs): the floor
//                              for any Node client; and the same plus gunzip and writing the files
//   mdlibs install, cold       fresh HOME and cache, 50 libraries named on the command line; target <= 3x curl
//   mdlibs install, warm       warm cache + mdlibs.lock, libraries/ removed; target <= 3x node
// The registry (50 libraries of ~20 KB) is built with dist/ and served by the real mdlibs server
// (dist/static-server) on 127.0.0.1, rate limits off, log level silent.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';

const run = promisify(execFile);
const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const ROOT = resolve(import.meta.dirname, '..', '..');
const ROUNDS = Number(opt('rounds', 5));
const LIBS = Number(opt('libs', 50));
const WORK = join(ROOT, 'bench/.work/install');
const BIN = join(ROOT, 'dist/tools/cli/bin.js');
// --compare <dist folder of another build>: also time its cold and warm installs in each round (A/B)
const COMPARE = opt('compare', null) ? join(resolve(opt('compare')), 'tools/cli/bin.js') : null;
const log = (m) => process.stderr.write(`[bench:install ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

if (!existsSync(BIN)) throw new Error('run npm run build first (dist/ is missing)');
// bin.js runs the CLI bundle only when it is not older than main.js (else the unbundled modules,
// ~100 ms slower): after a tsc-only build the bench would measure the wrong program
const stale = (dist) => {
  const bundle = join(dist, 'tools/cli/bundle/main.cjs');
  return !existsSync(bundle) || statSync(bundle).mtimeMs < statSync(join(dist, 'tools/cli/main.js')).mtimeMs;
};
if (stale(join(ROOT, 'dist'))) throw new Error('dist/tools/cli/bundle/main.cjs is missing or older than dist/tools/cli/main.js: run npm run build first');
if (COMPARE && stale(resolve(opt('compare')))) throw new Error(`${opt('compare')}: its CLI bundle is missing or older than its main.js (build it with npm run build)`);
rmSync(WORK, { recursive: true, force: true });
mkdirSync(WORK, { recursive: true });

// ---------- the registry: LIBS public libraries of about 20 KB each ----------
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const WORDS = 'registry library markdown handbook guide install version scope team token review deploy policy runbook incident template prompt agent search index static server cache lock archive checksum'.split(' ');
const prose = (bytes) => {
  let s = '';
  while (s.length < bytes) {
    s += `${Array.from({ length: 12 }, () => WORDS[Math.floor(rand() * WORDS.length)]).join(' ')} ${Math.floor(rand() * 1e6)}.\n`;
    if (rand() < 0.08) s += `\n## Section ${Math.floor(rand() * 1000)}\n\n`;
  }
  return s;
};
const reg = join(WORK, 'registry');
const w = (rel, text) => { mkdirSync(join(reg, rel, '..'), { recursive: true }); writeFileSync(join(reg, rel), text); };
w('registry.toml', '[registry]\nname = "Bench"\nurl = "http://127.0.0.1/"\napi = "/api/v1"\nadmins = ["bench"]\n');
w('scopes/bench.toml', '[scope]\nname = "bench"\ndisplay_name = "Bench"\nvisibility = "public"\n\n[[members]]\nuser = "bench"\nrole = "admin"\n');
const names = Array.from({ length: LIBS }, (_, i) => `lib-${String(i + 1).padStart(2, '0')}`);
for (const n of names) {
  const base = `libraries/@bench/${n}/1.0.0`;
  w(`${base}/.mdlibs.toml`, `[library]\nname = "@bench/${n}"\nversion = "1.0.0"\ndescription = "Bench library ${n}"\nlicense = "MIT"\ntags = ["bench"]\n`);
  w(`${base}/README.md`, `# ${n}\n\nSee [the guide](docs/guide.md).\n\n${prose(6000)}`);
  w(`${base}/docs/guide.md`, `---\ntitle: ${n} guide\n---\n# Guide\n\n${prose(7000)}`);
  w(`${base}/docs/reference.md`, `# Reference\n\n${prose(7000)}`);
}
const { buildRegistry } = await import(join(ROOT, 'dist/index-builder/src/index.js'));
const out = join(WORK, 'out', 'public');
await buildRegistry({ registryDir: reg, outDir: out });
const tgzSizes = names.map((n) => statSync(join(out, `tarballs/@bench/${n}/${n}-1.0.0.tgz`)).size);
const unpacked = JSON.parse(readFileSync(join(out, 'index/@bench/lib-01.json'), 'utf8')).versions[0].unpackedSize;
log(`${LIBS} libraries, ~${unpacked} B unpacked each, tarballs ${Math.min(...tgzSizes)}-${Math.max(...tgzSizes)} B`);

const { startServer } = await import(join(ROOT, 'dist/static-server/src/index.js'));
const server = await startServer({ publicDir: out, dataDir: join(WORK, 'data'), port: 0, logLevel: 'silent', rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
const URL_ = server.url;
log(`mdlibs-server at ${URL_}`);

// ---------- the measured commands ----------
const time = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
// CPU time (user+sys) of a child, via GNU time when present: steadier than wall time on a busy machine
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
const cpuFile = join(WORK, 'cpu.txt');
const cpuSamples = { node: [], version: [], cold: [], warm: [] };
const runTimed = async (key, cmd, argv, opts = {}) => {
  if (!GNU_TIME) return run(cmd, argv, opts);
  const r = await run(GNU_TIME, ['-f', '%U %S', '-o', cpuFile, cmd, ...argv], opts);
  const [u, sy] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
  cpuSamples[key].push((u + sy) * 1000);
  return r;
};
const envFor = (home) => ({ PATH: process.env.PATH, HOME: home, XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), NO_COLOR: '1' });
const files = ['config.json', ...names.map((n) => `index/@bench/${n}.json`), ...names.map((n) => `tarballs/@bench/${n}/${n}-1.0.0.tgz`)];
const curlArgs = ['-s', '-f', '--parallel', '--parallel-max', '16', ...files.flatMap((f) => ['-o', '/dev/null', `${URL_}${f}`])];
let homeSeq = 0;
const freshHome = () => { const h = join(WORK, `home-${++homeSeq}`); mkdirSync(join(h, 'project'), { recursive: true }); return h; };
const specs = names.map((n) => `@bench/${n}`);

const ANCHOR = join(import.meta.dirname, 'anchor-fetch.mjs');
const listFile = join(WORK, 'files.txt');
writeFileSync(listFile, `${files.join('\n')}\n`);
const samples = { node: [], version: [], curl: [], nodeFetch: [], nodeExtract: [], cold: [], warm: [] };
const compared = { cold: [], warm: [] };
let warmHome = null;
for (let r = 1; r <= ROUNDS; r++) {
  for (let i = 0; i < 3; i++) samples.node.push(await time(() => runTimed('node', process.execPath, ['-e', ''])));
  for (let i = 0; i < 3; i++) samples.version.push(await time(() => runTimed('version', process.execPath, [BIN, '--version'])));
  samples.curl.push(await time(() => run('curl', curlArgs)));
  samples.nodeFetch.push(await time(() => run(process.execPath, [ANCHOR, URL_, listFile])));
  const xdir = join(WORK, `anchor-extract-${r}`);
  samples.nodeExtract.push(await time(() => run(process.execPath, [ANCHOR, URL_, listFile, '--extract', xdir])));
  rmSync(xdir, { recursive: true, force: true });
  const home = freshHome();
  const cwd = join(home, 'project');
  samples.cold.push(await time(() => runTimed('cold', process.execPath, [BIN, 'install', ...specs, '--registry', URL_], { cwd, env: envFor(home) })));
  const installed = readdirSync(join(cwd, 'libraries/@bench'));
  if (installed.length !== LIBS) throw new Error(`cold install left ${installed.length} libraries, expected ${LIBS}`);
  warmHome = home;
  rmSync(join(cwd, 'libraries'), { recursive: true, force: true });
  const res = { stdout: '' };
  samples.warm.push(await time(async () => { Object.assign(res, await runTimed('warm', process.execPath, [BIN, 'install', '--json'], { cwd, env: envFor(home) })); }));
  const j = JSON.parse(res.stdout);
  if (j.fromCache !== LIBS || j.downloaded !== 0) throw new Error(`warm install: fromCache ${j.fromCache}, downloaded ${j.downloaded}`);
  if (COMPARE) {
    const h = freshHome();
    const c = join(h, 'project');
    compared.cold.push(await time(() => run(process.execPath, [COMPARE, 'install', ...specs, '--registry', URL_], { cwd: c, env: envFor(h) })));
    rmSync(join(c, 'libraries'), { recursive: true, force: true });
    compared.warm.push(await time(() => run(process.execPath, [COMPARE, 'install', '--json'], { cwd: c, env: envFor(h) })));
    log(`round ${r}: compared build (${COMPARE}): cold ${compared.cold.at(-1).toFixed(0)} ms, warm ${compared.warm.at(-1).toFixed(0)} ms`);
  }
  log(`round ${r}: node ${samples.node.at(-1).toFixed(0)} ms, --version ${samples.version.at(-1).toFixed(0)} ms, curl ${samples.curl.at(-1).toFixed(0)} ms, node fetch ${samples.nodeFetch.at(-1).toFixed(0)} ms (+extract ${samples.nodeExtract.at(-1).toFixed(0)} ms), cold ${samples.cold.at(-1).toFixed(0)} ms, warm ${samples.warm.at(-1).toFixed(0)} ms`);
}
await server.close();
void warmHome;

const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
const row = (label, v, floorName, floor, target) => {
  const ratio = v / floor;
  return `| ${label} | ${v.toFixed(0)} | ${floorName} | ${ratio.toFixed(2)}x | <= ${target}x | ${ratio <= target ? 'yes' : '**no**'} |`;
};
const stamp = new Date().toISOString().slice(0, 16);
const lines = [
  `## CLI install (\`npm run bench:install\`, ${stamp}Z)`,
  '',
  `${LIBS} public libraries (~${Math.round(unpacked / 1024)} KB unpacked, ${Math.round(median(tgzSizes) / 1024)} KB tarball each) served by mdlibs-server (dist/) on 127.0.0.1; ${ROUNDS} interleaved rounds, medians (node and --version: 3 runs per round). Every command is a fresh \`node dist/tools/cli/bin.js\` process.`,
  '',
  '| measurement | median ms | floor | ratio | target | met |',
  '|---|--:|---|--:|--:|---|',
  `| node -e '' (floor) | ${m.node.toFixed(0)} | | | | |`,
  `| curl, ${files.length} files, 16 parallel (floor) | ${m.curl.toFixed(0)} | | | | |`,
  `| anchor: bare node:http client, same files, 16 parallel | ${m.nodeFetch.toFixed(0)} | curl | ${(m.nodeFetch / m.curl).toFixed(2)}x | | |`,
  `| anchor: the same + gunzip + write every file (no checks) | ${m.nodeExtract.toFixed(0)} | curl | ${(m.nodeExtract / m.curl).toFixed(2)}x | | |`,
  row('mdlibs --version', m.version, "node -e ''", m.node, 1.5),
  row(`mdlibs install, cold cache (${LIBS} libraries)`, m.cold, 'curl', m.curl, 3),
  row('mdlibs install, warm cache + mdlibs.lock', m.warm, "node -e ''", m.node, 3),
  '',
  ...(GNU_TIME ? [
    'CPU time of the client process (user+sys, GNU time; steadier than wall time when the machine is shared):',
    '',
    '| measurement | median CPU ms | ratio to node -e \'\' |',
    '|---|--:|--:|',
    ...Object.entries(cpuSamples).map(([k, v]) => `| ${({ node: "node -e ''", version: 'mdlibs --version', cold: 'mdlibs install, cold', warm: 'mdlibs install, warm + lock' })[k]} | ${median(v).toFixed(0)} | ${(median(v) / median(cpuSamples.node)).toFixed(2)}x |`),
    '',
  ] : []),
  `Load average at the end: ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')} (2 cores).`,
  '',
  ...(COMPARE ? [`Compared build (${COMPARE}), same rounds: cold install median ${median(compared.cold).toFixed(0)} ms (${compared.cold.map((x) => x.toFixed(0)).join(' ')}), warm ${median(compared.warm).toFixed(0)} ms (${compared.warm.map((x) => x.toFixed(0)).join(' ')}); this build cold ${m.cold.toFixed(0)} ms, warm ${m.warm.toFixed(0)} ms.`, ''] : []),
  `Samples (ms): node ${samples.node.map((x) => x.toFixed(0)).join(' ')}; --version ${samples.version.map((x) => x.toFixed(0)).join(' ')}; curl ${samples.curl.map((x) => x.toFixed(0)).join(' ')}; node fetch ${samples.nodeFetch.map((x) => x.toFixed(0)).join(' ')}; node fetch + extract ${samples.nodeExtract.map((x) => x.toFixed(0)).join(' ')}; cold ${samples.cold.map((x) => x.toFixed(0)).join(' ')}; warm ${samples.warm.map((x) => x.toFixed(0)).join(' ')}.`,
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
writeFileSync(join(WORK, 'raw.json'), JSON.stringify({ samples, cpuSamples, medians: m }, null, 2));
const results = join(ROOT, 'bench/RESULTS.md');
const prev = existsSync(results) ? readFileSync(results, 'utf8') : '# Benchmark results\n\n';
// the section of this bench: a level-2 heading at the start of a line (a session's own
// '### CLI install (' subsection must not be taken for it)
const at = prev.search(/^## CLI install \(/m);
let next;
if (at >= 0) {
  const end = prev.indexOf('\n## ', at + 5);
  next = prev.slice(0, at) + lines.join('\n') + (end >= 0 ? `\n${prev.slice(end + 1)}` : '');
} else next = `${prev.trimEnd()}\n\n${lines.join('\n')}`;
writeFileSync(results, next.endsWith('\n') ? next : `${next}\n`);
writeFileSync(join(import.meta.dirname, 'RESULTS.md'), `${lines.join('\n')}\n`);
log(`wrote ${results} and bench/install/RESULTS.md`);
