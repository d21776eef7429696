/**
 * Loads the bundled CLI (one CommonJS file, see bundle.mjs) through node:vm with a V8 code
 * cache kept in the user's cache folder, so a command does not parse and compile the same
 * 1.4 MB of JavaScript on every start. This is what Node 22's `module.enableCompileCache()`
 * does for modules; Node 20 has no such switch, and no code cache at all for ES modules,
 * hence a CommonJS bundle and `vm.Script` with `cachedData` (the API that switch is built on).
 *
 * The cache file is keyed by Node's version, the architecture, the bundle's size and mtime
 * and the command; V8 itself also checks the source and its flags and rejects a cache that does not
 * match (`cachedDataRejected`), in which case the code is compiled normally and the cache
 * rewritten. It is written after the command ran, so it also holds the functions that
 * command compiled lazily. Any failure to read or write it only costs the speed-up.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import vm from 'node:vm';

export type CodeCacheStatus = 'hit' | 'seeded' | 'miss' | 'rejected' | 'off';

export interface LoadedBundle<T> {
  exports: T;
  /** hit: from this user's cache; seeded: from the build's seed (own cache not written yet); miss: neither; rejected: V8 refused the cache; off: no cache folder. */
  status: CodeCacheStatus;
  /** The cache file (null when off). */
  cacheFile: string | null;
  /** Writes this user's cache unless it was a hit; call once the command has run. Never throws. */
  save(): void;
}

const PREFIX = 'cli-';
const SUFFIX = '.v8';

/**
 * Cache file name for this bundle on this Node, per command (pure): the cache is written after
 * the first run, so it holds what that command compiled; a cache shared by every command would
 * hold only the first one's code.
 */
export function codeCacheName(nodeVersion: string, arch: string, size: number, mtimeMs: number, command: string): string {
  const cmd = /^[a-z][a-z-]{0,31}$/.test(command) ? command : 'other';
  return `${PREFIX}${nodeVersion}-${arch}-${size}-${Math.floor(mtimeMs)}-${cmd}${SUFFIX}`;
}

function readOrNull(p: string): Buffer | null {
  try {
    return readFileSync(p);
  } catch {
    return null;
  }
}

/**
 * Cache files not rewritten for this long are removed (those of an mdlibs or Node since
 * upgraded). Age rather than "everything but mine": several installations (a global mdlibs,
 * another version through npx) may share one cache folder and must not delete each other's
 * cache at every start.
 */
export const CODE_CACHE_MAX_AGE_MS = 30 * 24 * 3600 * 1000;

/** Removes cache files older than `maxAgeMs` (by mtime), except `keep`. */
export function pruneCodeCaches(cacheDir: string, keep: string, maxAgeMs: number, now = Date.now()): void {
  for (const f of readdirSync(cacheDir)) {
    if (f === keep || !f.startsWith(PREFIX) || !f.endsWith(SUFFIX)) continue;
    const p = join(cacheDir, f);
    if (now - statSync(p).mtimeMs > maxAgeMs) rmSync(p, { force: true });
  }
}

/** The source given to V8: the bundle in Node's CommonJS wrapper (the seed and every cache must see the same text). */
const wrapSource = (source: string): string => `(function (exports, require, module, __filename, __dirname) {${source}\n})`;

/** The seed cache `npm run build` writes next to the bundle: used until this user's own cache for the command exists. */
export const seedFile = (bundle: string): string => `${bundle}.v8`;

type Wrapper<T> = (e: T, r: NodeJS.Require, m: { exports: T }, f: string, d: string) => void;

function compileAndRun<T>(file: string, cachedData: Buffer | null): { script: vm.Script; exports: T } {
  const script = new vm.Script(wrapSource(readFileSync(file, 'utf8')), {
    filename: file,
    ...(cachedData ? { cachedData } : {}),
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  });
  const mod = { exports: {} as T };
  (script.runInThisContext() as Wrapper<T>)(mod.exports, createRequire(file), mod, file, dirname(file));
  return { script, exports: mod.exports };
}

/**
 * Build time: compiles the bundle, runs its top level (module set-up, no command) and writes
 * the code cache of what that compiled to `seedFile(file)`, like the .pyc files pip writes at
 * install time. Run it in a fresh `node` of the version that will run the CLI: V8 refuses a
 * cache from another version or other flags (and the CLI then compiles as if there were none).
 */
export function writeSeedCache(file: string): number {
  const { script } = compileAndRun(file, null);
  const data = script.createCachedData();
  const tmp = `${seedFile(file)}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, seedFile(file));
  return data.length;
}

/** Runs a CommonJS file as Node's loader would (same wrapper and arguments), with a code cache in `cacheDir`. */
export function loadBundle<T>(file: string, cacheDir: string | null, command: string): LoadedBundle<T> {
  const st = statSync(file);
  const name = codeCacheName(process.version, process.arch, st.size, st.mtimeMs, command);
  const cacheFile = cacheDir ? join(cacheDir, name) : null;
  const own = cacheFile ? readOrNull(cacheFile) : null;
  const seed = cacheFile && !own ? readOrNull(seedFile(file)) : null;
  const { script, exports } = compileAndRun<T>(file, own ?? seed);
  const status: CodeCacheStatus = !cacheFile ? 'off' : own ? (script.cachedDataRejected ? 'rejected' : 'hit') : seed ? (script.cachedDataRejected ? 'rejected' : 'seeded') : 'miss';
  return {
    exports, status, cacheFile,
    save() {
      if (!cacheDir || !cacheFile || status === 'hit' || status === 'off') return;
      try {
        mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
        renameSync(tmp, cacheFile);
        pruneCodeCaches(cacheDir, name, CODE_CACHE_MAX_AGE_MS);
      } catch {
        // a read-only or full cache folder only costs the speed-up
      }
    },
  };
}
