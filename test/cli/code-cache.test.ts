/** The CLI bundle's V8 code cache: written once per command, used after, rebuilt when refused, never fatal. */
import { existsSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CODE_CACHE_MAX_AGE_MS, codeCacheName, loadBundle, pruneCodeCaches, seedFile, writeSeedCache } from '../../tools/cli/code-cache.js';
import { tempDir } from '../helpers/tmp.js';

interface Mod { answer: number; file: string; twice: (n: number) => number; dyn: () => Promise<string> }

function bundle(dir: string, answer = 42): string {
  const f = join(dir, 'main.cjs');
  writeFileSync(f, [
    `exports.answer = ${answer};`,
    'exports.file = __filename;',
    'exports.twice = function twice(n) { return require("node:path").basename(String(n * 2)) * 1; };',
    'exports.dyn = async () => (await import("node:path")).sep;',
  ].join('\n'));
  return f;
}

const JAN = new Date('2026-01-01T00:00:00Z');

describe('code cache', () => {
  it('runs the file like a CommonJS module: exports, __filename, require, dynamic import', async () => {
    const dir = tempDir('mdlibs-cc-');
    const b = loadBundle<Mod>(bundle(dir), null, 'install');
    expect(b.status).toBe('off');
    expect(b.exports.answer).toBe(42);
    expect(b.exports.file).toBe(join(dir, 'main.cjs'));
    expect(b.exports.twice(21)).toBe(42);
    expect(await b.exports.dyn()).toBe('/');
  });

  it('misses, saves, then hits; one file per command, private to the user', () => {
    const dir = tempDir('mdlibs-cc-');
    const cache = join(dir, 'cache', 'v8');
    const f = bundle(dir);
    const first = loadBundle<Mod>(f, cache, 'install');
    expect(first.status).toBe('miss');
    expect(existsSync(cache)).toBe(false);
    first.exports.twice(1); // compiled lazily, then kept in the cache
    first.save();
    const name = codeCacheName(process.version, process.arch, statSync(f).size, statSync(f).mtimeMs, 'install');
    expect(name).toMatch(/-install\.v8$/);
    expect(readdirSync(cache)).toEqual([name]);
    expect(statSync(join(cache, name)).mode & 0o777).toBe(0o600);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    const second = loadBundle<Mod>(f, cache, 'install');
    expect(second.status).toBe('hit');
    expect(second.exports.twice(4)).toBe(8);
    second.save(); // a hit writes nothing
    expect(readdirSync(cache)).toEqual([name]);
    const other = loadBundle<Mod>(f, cache, 'search');
    expect(other.status).toBe('miss');
    other.save();
    expect(readdirSync(cache).sort()).toEqual([name, name.replace('-install.v8', '-search.v8')].sort());
  });

  it('a command name that is not a plain word is filed under "other"', () => {
    expect(codeCacheName('v20.0.0', 'x64', 1, 2, '../../etc/passwd')).toBe('cli-v20.0.0-x64-1-2-other.v8');
    expect(codeCacheName('v20.0.0', 'x64', 1, 2.9, '')).toBe('cli-v20.0.0-x64-1-2-other.v8');
    expect(codeCacheName('v20.0.0', 'x64', 1, 2, 'set-default')).toBe('cli-v20.0.0-x64-1-2-set-default.v8');
  });

  it('a corrupt cache is refused by V8, the code still runs, and save() replaces it', () => {
    const cache = join(tempDir('mdlibs-cc-'), 'v8');
    const f = bundle(tempDir('mdlibs-cc-'));
    utimesSync(f, JAN, JAN);
    loadBundle<Mod>(f, cache, 'install').save();
    const file = join(cache, readdirSync(cache)[0] as string);
    writeFileSync(file, Buffer.alloc(4096, 7));
    // the same bytes at another path (same cache key): V8's in-process cache is keyed by path, so this one reads the file
    const g = bundle(tempDir('mdlibs-cc-'));
    utimesSync(g, JAN, JAN);
    const b = loadBundle<Mod>(g, cache, 'install');
    expect(b.cacheFile).toBe(file);
    expect(b.status).toBe('rejected');
    expect(b.exports.answer).toBe(42);
    b.save();
    expect(readFileSync(file).equals(Buffer.alloc(4096, 7))).toBe(false);
    const h = bundle(tempDir('mdlibs-cc-'));
    utimesSync(h, JAN, JAN);
    expect(loadBundle<Mod>(h, cache, 'install').status).toBe('hit');
  });

  it('a changed bundle gets a new cache file; files unused for 30 days go, younger ones stay', () => {
    const dir = tempDir('mdlibs-cc-');
    const cache = join(dir, 'v8');
    const f = bundle(dir, 1);
    loadBundle<Mod>(f, cache, 'install').save();
    const [old] = readdirSync(cache) as [string];
    bundle(dir, 2);
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    const b = loadBundle<Mod>(f, cache, 'install');
    expect(b.status).toBe('miss');
    expect(b.exports.answer).toBe(2);
    b.save();
    expect(readdirSync(cache)).toHaveLength(2); // another installation may still use the old one
    const current = (b.cacheFile as string).split('/').pop() as string;
    const aged = new Date(Date.now() - CODE_CACHE_MAX_AGE_MS - 60_000);
    utimesSync(join(cache, old), aged, aged);
    utimesSync(join(cache, current), aged, aged);
    pruneCodeCaches(cache, current, CODE_CACHE_MAX_AGE_MS);
    expect(readdirSync(cache)).toEqual([current]);
  });

  it('the build seed is used until the user has a cache for the command; a refused seed is only skipped', () => {
    const dir = tempDir('mdlibs-cc-');
    const f = bundle(dir);
    expect(writeSeedCache(f)).toBeGreaterThan(0);
    expect(existsSync(seedFile(f))).toBe(true);
    expect(loadBundle<Mod>(f, null, 'install').status).toBe('off'); // MDLIBS_CODE_CACHE=0: no seed either
    const cache = join(dir, 'v8');
    const first = loadBundle<Mod>(f, cache, 'install');
    expect(first.status).toBe('seeded');
    expect(first.exports.twice(5)).toBe(10);
    first.save();
    expect(readdirSync(cache)).toHaveLength(1);
    expect(loadBundle<Mod>(f, cache, 'install').status).toBe('hit');
    // a seed from another build (here: garbage) is refused by V8 and the code still runs
    const g = bundle(tempDir('mdlibs-cc-'));
    writeFileSync(seedFile(g), Buffer.alloc(2048, 3));
    const b = loadBundle<Mod>(g, join(dir, 'v8-other'), 'install');
    expect(b.status).toBe('rejected');
    expect(b.exports.answer).toBe(42);
    b.save();
    expect(readdirSync(join(dir, 'v8-other'))).toHaveLength(1);
  });

  it('a cache folder that cannot be made only costs the speed-up', () => {
    const dir = tempDir('mdlibs-cc-');
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, 'x');
    const b = loadBundle<Mod>(bundle(dir), join(blocked, 'v8'), 'install');
    expect(b.status).toBe('miss');
    expect(b.exports.answer).toBe(42);
    expect(() => b.save()).not.toThrow();
    expect(readFileSync(blocked, 'utf8')).toBe('x');
  });
});
