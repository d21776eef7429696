/** Runs the real server binary in a child process (bundled once with esbuild; packages stay external). */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
let bundled: Promise<string> | null = null;

/** Bundles static-server/src/bin.ts into node_modules/.cache (so bare imports resolve from the repo). */
export function serverBin(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'mdlibs-server-test');
    mkdirSync(dir, { recursive: true });
    const out = join(dir, `bin-${process.pid}-${Date.now()}.mjs`);
    process.once('exit', () => rmSync(out, { force: true }));
    await build({ entryPoints: [join(ROOT, 'static-server/src/bin.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'silent' });
    return out;
  })();
  return bundled;
}

export interface Child { proc: ChildProcess; url: string; port: number; stderr: () => string }

export async function spawnServer(args: string[], env: Record<string, string> = {}): Promise<Child> {
  const bin = await serverBin();
  const proc = spawn(process.execPath, [bin, 'serve', '--port', '0', '--log-level', 'warn', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  proc.stderr?.on('data', (c: Buffer) => (err += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${err}`)), 60_000);
    proc.stdout?.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1] as string);
      }
    });
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${err}`));
    });
  });
  return { proc, url, port: Number(new URL(url).port), stderr: () => err };
}

export async function runBin(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const bin = await serverBin();
  const proc = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
  proc.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number>((resolve) => proc.once('exit', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

export function kill(c: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  return new Promise((resolve) => {
    if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
    c.proc.once('exit', () => resolve());
    c.proc.kill(signal);
  });
}
