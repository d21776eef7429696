/**
 * Docs and CI files cannot drift: every check/publish code is documented in docs/ci.md, and every
 * `mdlibs-check` call in the workflows and docs uses options the real bin accepts (the bin is
 * bundled with esbuild and run as CI runs it, with its exit codes and report files).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { CHECK_CODES } from '../../index-builder/src/check/index.js';
import { PUBLISH_CODES } from '../../tools/publish/errors.js';
import { commitAll, writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { makeRegistryRepo } from './_registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const read = (p: string) => readFileSync(join(ROOT, p), 'utf8');
let bin: string;

beforeAll(async () => {
  const dir = tempDir('mdlibs-bin-');
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  bin = join(dir, 'mdlibs-check.mjs');
  await build({ entryPoints: [join(ROOT, 'index-builder/src/check/bin.ts')], bundle: true, platform: 'node', format: 'esm', packages: 'external', outfile: bin, logLevel: 'error' });
}, 120_000);

const runBin = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 120_000 });

describe('docs/ci.md', () => {
  it('documents every check-mode and publish error code', () => {
    const doc = read('docs/ci.md');
    const missing = [...Object.keys(CHECK_CODES), ...Object.keys(PUBLISH_CODES)].filter((c) => !doc.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});

describe('workflows and templates', () => {
  const files = [
    ...readdirSync(join(ROOT, '.github/workflows')).map((f) => `.github/workflows/${f}`),
    '.github/actions/publish/action.yml',
    'docs/ci.md',
  ];

  it('call mdlibs-check only with options the bin accepts', () => {
    const help = runBin(['--help']).stdout;
    const used = new Set<string>();
    for (const f of files) {
      for (const m of read(f).matchAll(/mdlibs-check\b([^\n]*(?:\\\n[^\n]*|\n\s+--[^\n]*)*)/g)) for (const o of (m[1] ?? '').matchAll(/--([a-z][a-z-]*)/g)) used.add(o[1] ?? '');
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((o) => !help.includes(`--${o}`))).toEqual([]);
  });

  it('use the local actions that exist and serialise deploys', () => {
    const deploy = read('.github/workflows/registry-deploy.yml');
    expect(deploy).toMatch(/concurrency:\s+group: registry-deploy\s+cancel-in-progress: false/);
    expect(deploy).toContain("cron: '17 3 * * *'");
    for (const f of files.filter((x) => x.startsWith('.github/workflows'))) {
      for (const m of read(f).matchAll(/uses: \.\/(?:\.mdlibs-base\/)?(\.github\/actions\/[a-z-]+)/g)) expect(existsSync(join(ROOT, m[1] ?? '', 'action.yml'))).toBe(true);
    }
    const check = read('.github/workflows/registry-check.yml');
    expect(check).toContain('on:\n  pull_request:');
    expect(check).not.toContain('pull_request_target');
  });
});

describe('mdlibs-check bin', () => {
  it('exits 0 for an accepted PR, 1 with reports written for a refused one, 2 for usage errors', () => {
    const repo = tempDir();
    makeRegistryRepo(repo, { acme: { members: { alice: 'admin', bob: 'member' } } });
    const base = commitAll(repo, 'registry');
    writeLibrary(repo, { scope: 'acme', name: 'notes', version: '1.0.0' });
    const head = commitAll(repo, 'publish notes');
    const out = tempDir();
    const summary = join(out, 'summary.md');
    writeFileSync(summary, '');

    const ok = runBin([repo, '--mode', 'pr', '--base', base, '--head', head, '--author', 'bob']);
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('passed');

    const refused = runBin([repo, '--mode', 'pr', '--base', base, '--head', head, '--author', 'mallory', '--markdown-out', join(out, 'c.md'), '--json-out', join(out, 'c.json'), '--summary', '--format', 'json'], { GITHUB_STEP_SUMMARY: summary });
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout)).toMatchObject({ ok: false, problems: [{ code: 'MDL_CHECK_NOT_MEMBER' }] });
    expect(JSON.parse(readFileSync(join(out, 'c.json'), 'utf8')).ok).toBe(false);
    expect(readFileSync(join(out, 'c.md'), 'utf8')).toContain('MDL_CHECK_NOT_MEMBER');
    expect(readFileSync(summary, 'utf8')).toContain('mdlibs check failed');

    const usage = runBin([repo, '--mode', 'pr', '--base', base, '--head', head]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('MDL_CHECK_USAGE');
    expect(runBin([repo, '--mode', 'push', '--base', 'nope', '--head', head]).status).toBe(2);
    expect(execFileSync('git', ['-C', repo, 'status', '--porcelain'], { encoding: 'utf8' })).toBe('');
  });
});
