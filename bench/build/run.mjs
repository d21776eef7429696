#!/usr/bin/env node
// npm run bench:build -- [--libraries 10000] [--runs 3] [--floor-runs 1] [--no-site] [--work bench/.work]
// Full build, no-op rebuild and one-library rebuild of a synthetic git registry (medians of
// --runs), peak RSS, and in the same run the floor: GNU `tar czf` of every version folder.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';

const args = process.argv.slice(2);
const opt = (n, d) => { const i = args.indexOf(`--${n}`); return i >= 0 ? args[i + 1] : d; };
const LIBS = Number(opt('libraries', 10000));
const RUNS = Number(opt('runs', 3));
const FLOOR_RUNS = Number(opt('floor-runs', 1));
const WORK = resolve(opt('work', 'bench/.work'));
const SITE = !args.includes('--no-site');
const HERE = resolve(import.meta.dirname);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const log = (m) => process.stderr.write(`[bench:build] ${m}\n`);
const BIN_NODE_FLAGS = readFileSync(join(HERE, '../../index-builder/src/bin.ts'), 'utf8').split('\n')[0].replace(/^#!\/usr\/bin\/env -S node ?/, '').split(' ').filter(Boolean);

mkdirSync(WORK, { recursive: true });
const reg = join(WORK, `registry-${LIBS}`);
if (!existsSync(join(reg, '.git'))) {
  log(`generating ${LIBS} libraries x 2 versions x 5 docs (seed 1)`);
  execFileSync(process.execPath, [join(HERE, 'gen-registry.mjs'), reg, '--libraries', String(LIBS), '--versions', '2', '--docs', '5', '--seed', '1'], { stdio: 'inherit' });
}
const gitEnv = { ...process.env, GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.com', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.com' };
const git = (...a) => execFileSync('git', a, { cwd: reg, env: gitEnv, stdio: ['ignore', 'pipe', 'inherit'] }).toString();
git('reset', '-q', '--hard');
git('clean', '-qfdx');
const folders = execFileSync('bash', ['-c', 'ls -d libraries/@*/*/*/'], { cwd: reg, maxBuffer: 1 << 28 }).toString().trim().split('\n');

function build(out) {
  // start from a quiet disk: what the previous build (a full build writes ~1 GB) or the generator left
  // to write back goes to disk before, not during, the measured build
  execFileSync('sync');
  // node's flags as the mdlibs-build bin's first line gives them (the young generation's size)
  const r = spawnSync(process.execPath, [...BIN_NODE_FLAGS, join(HERE, 'child.mjs'), reg, out, ...(SITE ? [] : ['--no-site'])], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`build failed: ${r.stderr.slice(-2000)}`);
  return JSON.parse(r.stdout);
}

function tarFloor(parallel) {
  const dir = join(WORK, 'tar-floor');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  writeFileSync(join(WORK, 'folders.txt'), folders.join('\n'));
  const script = `cd ${JSON.stringify(reg)} && nl -ba ${JSON.stringify(join(WORK, 'folders.txt'))} | xargs -P ${parallel} -n 2 sh -c 'tar czf ${dir}/$0.tgz -C "$1" .'`;
  const t0 = performance.now();
  execFileSync('bash', ['-c', script], { stdio: 'inherit' });
  return performance.now() - t0;
}

const rows = { full: [], noop: [], one: [], floor1: [], floor2: [], rss: [] };
let lastOne = null;
const onePhases = []; // BuildReport.phases of each one-library rebuild
for (let run = 1; run <= RUNS; run++) {
  if (run <= FLOOR_RUNS) {
    log(`round ${run}/${RUNS}: tar floor (sequential)`);
    rows.floor1.push(tarFloor(1));
    log(`round ${run}/${RUNS}: tar floor (2 parallel)`);
    rows.floor2.push(tarFloor(2));
  }
  const out = join(WORK, `out-${run}`);
  rmSync(out, { recursive: true, force: true });
  rmSync(join(WORK, `.out-${run}.builds`), { recursive: true, force: true });
  log(`round ${run}/${RUNS}: full build`);
  const full = build(out);
  rows.full.push(full.wallMs);
  rows.rss.push(full.peakRssMB);
  log(`round ${run}/${RUNS}: no-op rebuild`);
  const noop = build(out);
  rows.noop.push(noop.wallMs);
  rows.rss.push(noop.peakRssMB);
  // one library gets a new version (copy of its 1.1.0 with the version bumped)
  const lib = folders[Math.floor(folders.length / 2)].replace(/\/[^/]+\/$/, '');
  const version = `2.${run}.0`;
  cpSync(join(reg, lib, '1.1.0'), join(reg, lib, version), { recursive: true });
  const mf = join(reg, lib, version, '.mdlibs.toml');
  writeFileSync(mf, readFileSync(mf, 'utf8').replace('version = "1.1.0"', `version = "${version}"`));
  git('add', '-A');
  git('commit', '-q', '-m', `${lib} ${version}`);
  log(`round ${run}/${RUNS}: one-library rebuild (${lib}@${version})`);
  const one = build(out);
  if (one.built !== 1) throw new Error(`expected 1 version built, got ${one.built}`);
  rows.one.push(one.wallMs);
  onePhases.push(one.phases ?? []);
  rows.rss.push(one.peakRssMB);
  lastOne = one;
  git('reset', '-q', '--hard', 'HEAD~1');
  rmSync(out, { recursive: true, force: true });
  rmSync(join(WORK, `.out-${run}.builds`), { recursive: true, force: true });
}
const s = (ms) => `${(ms / 1000).toFixed(2)} s`;
const m = Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, median(v)]));
const peak = Math.max(...rows.rss);
const table = [
  `Synthetic registry: ${LIBS} libraries x 2 versions x 5 docs (~2 KB each), ${folders.length} version folders, git; site pages ${SITE ? 'on' : 'off'}. Builds: medians of ${RUNS} rounds; tar floor: ${FLOOR_RUNS} round(s) (raw ms: ${JSON.stringify(Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, v.map((x) => Math.round(x))])))}).`,
  '',
  '| measure | median | ratio | target | met |',
  '|---|--:|--:|---|---|',
  `| floor: GNU tar czf per version folder, sequential | ${s(m.floor1)} | 1.00 | | |`,
  `| floor: GNU tar czf per version folder, 2 in parallel | ${s(m.floor2)} | ${(m.floor2 / m.floor1).toFixed(2)} | | |`,
  `| full build | ${s(m.full)} | ${(m.full / m.floor1).toFixed(2)} x sequential tar, ${(m.full / m.floor2).toFixed(2)} x parallel tar | ≤ 3x tar floor | ${m.full <= 3 * m.floor1 ? 'yes' : 'no'} |`,
  `| no-op rebuild | ${s(m.noop)} | ${(100 * m.noop / m.full).toFixed(1)} % of full | | |`,
  `| one library gets a new version | ${s(m.one)} | ${(100 * m.one / m.full).toFixed(1)} % of full | ≤ 2 s and ≤ 5 % | ${m.one <= 2000 && m.one <= 0.05 * m.full ? 'yes' : 'no'} |`,
  `| peak RSS (any build) | ${peak.toFixed(0)} MB | | ≤ 512 MB | ${peak <= 512 ? 'yes' : 'no'} |`,
];
// where a one-library rebuild's time goes: the median of each phase over the rounds
const phaseNames = onePhases[0]?.map((p) => p.phase) ?? [];
if (phaseNames.length) {
  table.push('', `One-library rebuild by phase (BuildReport.phases, medians of ${onePhases.length}): ${phaseNames.map((n) => `${n} ${(median(onePhases.map((ps) => ps.find((p) => p.phase === n)?.ms ?? 0)) / 1000).toFixed(2)} s`).join(' · ')}.`);
}
process.stdout.write(`${table.join('\n')}\n`);
writeFileSync(join(WORK, `build-bench-${LIBS}.json`), JSON.stringify({ rows, medians: m, peak, lastOne, onePhases }, null, 2));
