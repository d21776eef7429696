/** The real entry point as a process: bin.ts and the CLI bundle built from source (as `npm run build` does), run with node. */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startServer } from '../../static-server/src/index.js';
import { VERSION } from '../../tools/cli/version.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture } from './helpers/registry.js';
import { startStaticHost } from './helpers/static-host.js';

const exec = promisify(execFile);
let bin: string;
let home: string;

beforeAll(async () => {
  const out = tempDir('mdlibs-cli-bin-');
  await build({
    entryPoints: [join(import.meta.dirname, '../../tools/cli/bin.ts')], bundle: true, splitting: true, format: 'esm', platform: 'node', target: 'node20', outdir: out,
    banner: { js: "import { createRequire as __r } from 'node:module'; const require = __r(import.meta.url);" }, external: ['better-sqlite3', 'pg'], logLevel: 'silent',
  });
  // the CommonJS bundle bin.js loads (with its V8 code cache) instead of main.js, and its seed cache
  await exec(process.execPath, [join(import.meta.dirname, '../../tools/cli/bundle.mjs'), '--outdir', join(out, 'bundle')]);
  expect(existsSync(join(out, 'bundle/main.cjs.v8'))).toBe(true);
  bin = join(out, 'bin.js');
  home = tempDir('mdlibs-cli-binhome-');
});

async function mdlibs(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await exec(process.execPath, [bin, ...args], { cwd: home, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_CACHE_HOME: join(home, 'k'), ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

describe('the mdlibs process', () => {
  // a real terminal (a pty made by util-linux's script(1)): the prompt crashed there with
  // "output.on is not a function", and only --token and piped stdin were tested
  it.runIf(process.platform === 'linux')('login prompts for the token on a terminal, echoes none of it, verifies it and stores it', async () => {
    const reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
    const server = await startServer({ publicDir: reg.out, privateDir: reg.priv, dataDir: tempDir(), port: 0, logLevel: 'silent' });
    try {
      const { secret } = await issueToken(server.store, { owner: 'alice', name: 'pty', scopes: [] });
      const cfg = tempDir('mdlibs-cli-pty-');
      const child = spawn('script', ['-qfec', `${process.execPath} ${bin} login --registry ${server.url}`, '/dev/null'], { env: { ...process.env, XDG_CONFIG_HOME: cfg, NO_COLOR: '1' } });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      const closed = new Promise<number | null>((res) => child.on('close', res));
      const stop = setTimeout(() => child.kill('SIGKILL'), 15_000); // a prompt that never returns fails here, not at the test timeout
      await expect.poll(() => out, { timeout: 10_000 }).toContain(`Token for ${server.url}:`);
      child.stdin.write(`${secret}\r`);
      const code = await closed;
      clearTimeout(stop);
      expect(out).not.toContain('internal error');
      expect(code).toBe(0);
      expect(out).toContain(`logged in to ${server.url} as alice`);
      expect(out).not.toContain(secret.slice(4)); // not echoed by the terminal nor by readline
      expect(readFileSync(join(cfg, 'mdlibs/credentials.toml'), 'utf8')).toContain(secret);
    } finally {
      await server.close();
    }
  });

  it('--version prints the version', async () => {
    expect(await mdlibs(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
  });

  it('--help lists every command; a command --help lists its options', async () => {
    const r = await mdlibs(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['init', 'install', 'uninstall', 'outdated', 'registry', 'login', 'token', 'publish']) expect(r.stdout).toContain(`mdlibs ${c}`);
    const i = await mdlibs(['install', '--help']);
    expect(i.stdout).toContain('--offline');
    expect(i.stdout).not.toMatch(/\u001b\[/);
  });

  it('exit codes: usage errors 2, no registry 2, success 0; --json errors are JSON on stdout', async () => {
    const unknown = await mdlibs(['instal']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('error CLI_USAGE');
    expect((await mdlibs(['install', '--bogus'])).code).toBe(2);
    const none = await mdlibs(['install', '@acme/guide', '--json']);
    expect(none.code).toBe(2);
    expect(JSON.parse(none.stdout)).toMatchObject({ error: { code: 'CLI_NO_REGISTRY' } });
    const list = await mdlibs(['registry', 'list', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ registries: [], default: null });
  });

  it('installs over node:http without loading the fetch stack (undici), and a warm install from mdlibs.lock sends no request and loads no HTTP client', async () => {
    const reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }, { scope: 'acme', name: 'runbooks', version: '2.0.0' }]);
    const host = await startStaticHost(reg.out);
    const project = tempDir('mdlibs-cli-binproj-');
    // reports at exit whether Node loaded undici (what fetch and the Headers global are built on)
    const probe = join(project, '..', `undici-probe-${process.pid}.cjs`);
    writeFileSync(probe, "process.on('exit', () => process.stderr.write('UNDICI=' + process.moduleLoadList.some((m) => m.includes('undici')) + ' HTTP=' + process.moduleLoadList.some((m) => m.includes('_http_client')) + '\\n'));\n");
    const run = (args: string[]) => exec(process.execPath, ['--require', probe, bin, ...args], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_CACHE_HOME: join(home, 'k'), NO_COLOR: '1' } });
    try {
      const cold = await run(['install', '@acme/guide', '@acme/runbooks', '--registry', host.url]);
      expect(host.log.length).toBeGreaterThan(0);
      expect(cold.stderr).toContain('UNDICI=false HTTP=true');
      expect(readdirSync(join(home, 'k/mdlibs/v8')).filter((f) => f.endsWith('-install.v8'))).toHaveLength(1);
      rmSync(join(project, 'libraries'), { recursive: true });
      const before = host.log.length;
      const warm = await run(['install', '--json']);
      expect(JSON.parse(warm.stdout)).toMatchObject({ mode: 'lockfile', fromCache: 2, downloaded: 0, warnings: [] });
      expect(host.log.length).toBe(before);
      expect(warm.stderr).toContain('UNDICI=false HTTP=false'); // node:http is loaded on the first request only
      expect(existsSync(join(project, 'libraries/@acme/guide/README.md'))).toBe(true);
    } finally {
      await host.close();
    }
  });

  it('does not wait at exit for a tarball downloaded ahead that resolution did not pick (it is abandoned)', async () => {
    const reg = await buildFixture([
      { scope: 'acme', name: 'alpha', version: '1.0.0' },
      { scope: 'acme', name: 'alpha', version: '2.0.0' },
      { scope: 'acme', name: 'gamma', version: '1.0.0', dependencies: { '@acme/alpha': '^1.0.0' } },
    ]);
    const host = await startStaticHost(reg.out);
    const stalled: ServerResponse[] = [];
    // alpha 2.0.0 (alpha's own pick, overridden by gamma's ^1) never answers; gamma's index comes late
    host.override('/tarballs/@acme/alpha/alpha-2.0.0.tgz', (_q, res) => void stalled.push(res));
    host.override('/index/@acme/gamma.json', (_q, res) => {
      setTimeout(() => {
        const body = readFileSync(join(reg.out, 'index/@acme/gamma.json'));
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': body.length }).end(body);
      }, 300);
    });
    const project = tempDir('mdlibs-cli-binproj-');
    try {
      const t0 = Date.now();
      const r = await exec(process.execPath, [bin, 'install', '@acme/alpha', '@acme/gamma', '--registry', host.url, '--timeout', '20000'], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_CACHE_HOME: join(home, 'k2'), NO_COLOR: '1' } });
      const took = Date.now() - t0;
      expect(stalled).toHaveLength(1); // it was asked for
      expect(took).toBeLessThan(10_000); // not the 20 s timeout of the stalled download
      expect(r.stdout).toContain('@acme/alpha');
      expect(readFileSync(join(project, 'libraries/@acme/alpha/.mdlibs.toml'), 'utf8')).toContain('version = "1.0.0"');
    } finally {
      for (const res of stalled) res.destroy();
      await host.close();
    }
  }, 30_000);

  it('installs from an https registry (real TLS on loopback, a certificate the process is told to trust)', async () => {
    const reg = await buildFixture([{ scope: 'acme', name: 'guide', version: '1.0.0' }]);
    const dir = tempDir('mdlibs-cli-tls-');
    await exec('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')]);
    const host = await startStaticHost(reg.out, { key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
    const project = tempDir('mdlibs-cli-tlsproj-');
    try {
      expect(host.url).toMatch(/^https:/);
      const r = await exec(process.execPath, [bin, 'install', '@acme/guide', '--registry', host.url], { cwd: project, env: { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_CACHE_HOME: join(dir, 'k'), NO_COLOR: '1', NODE_EXTRA_CA_CERTS: join(dir, 'cert.pem') } });
      expect(r.stdout).toContain('@acme/guide');
      expect(existsSync(join(project, 'libraries/@acme/guide/README.md'))).toBe(true);
      expect(host.log.map((l) => l.path)).toContain('/tarballs/@acme/guide/guide-1.0.0.tgz');
    } finally {
      await host.close();
    }
  });

  it('string-width (Intl.Segmenter, Unicode regexes) is evaluated only when help text is formatted', async () => {
    const probe = join(home, `segmenter-probe-${process.pid}.cjs`);
    writeFileSync(probe, "const S = Intl.Segmenter; let n = 0; Intl.Segmenter = class extends S { constructor(...a) { super(...a); n++; } }; process.on('exit', () => process.stderr.write('SEGMENTERS=' + n + '\\n'));\n");
    const env = { PATH: process.env.PATH ?? '', HOME: home, XDG_CONFIG_HOME: join(home, 'c'), XDG_CACHE_HOME: join(home, 'k') };
    const list = await exec(process.execPath, ['--require', probe, bin, 'registry', 'list', '--json'], { cwd: home, env });
    expect(JSON.parse(list.stdout)).toHaveProperty('registries');
    expect(list.stderr).toContain('SEGMENTERS=0');
    const help = await exec(process.execPath, ['--require', probe, bin, 'install', '--help'], { cwd: home, env });
    expect(help.stdout).toContain('--offline');
    expect(help.stderr).toMatch(/SEGMENTERS=[1-9]/);
  });
});
