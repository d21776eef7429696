/**
 * The site's static assets from `templates/site/`: the page layout, the stylesheet and the browser
 * script (TypeScript bundled with esbuild once per process, minified, with the search scorer inlined).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SiteAssets {
  layout: string;
  style: string;
  script: string;
  favicon: string;
  /** Short hash of everything above: changes when any template changes. */
  version: string;
}

/** Finds `templates/site` walking up from this module (works from src/ under vitest and from dist/). */
export function templatesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'templates', 'site');
    if (existsSync(join(candidate, 'layout.html'))) return candidate;
    dir = dirname(dir);
  }
  throw new Error('templates/site/layout.html not found above the site module');
}

interface EsbuildLike {
  version: string;
  buildSync(opts: Record<string, unknown>): { outputFiles: { text: string }[]; metafile?: { inputs: Record<string, unknown> } };
}

const BUNDLE_OPTIONS = {
  bundle: true, minify: true, write: false, format: 'iife', target: ['es2020'], platform: 'browser', legalComments: 'none', logLevel: 'silent',
} as const;

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/**
 * The browser script bundled by esbuild, or taken from `cacheDir` when the same esbuild, options
 * and entry last read input files that are all unchanged (esbuild's metafile lists them, the
 * cache holds their hashes). Bundling took ~0.12 s of every build, a tenth of the site's part of a
 * one-library rebuild; the check reads and hashes the ~8 inputs. `cached` says which it was.
 */
export function bundleScript(entry: string, root: string, cacheDir: string | null): { script: string; cached: boolean } {
  const require = createRequire(import.meta.url);
  let esbuild: EsbuildLike;
  try {
    esbuild = require('esbuild') as EsbuildLike;
  } catch (e) {
    throw new Error('the web UI needs esbuild to bundle templates/site/*.ts (npm ci installs it)', { cause: e });
  }
  const entryRel = relative(root, entry).split('\\').join('/');
  const file = cacheDir ? join(cacheDir, `${sha256(JSON.stringify({ esbuild: esbuild.version, options: BUNDLE_OPTIONS, entry: entryRel })).slice(0, 24)}.json`) : null;
  if (file) {
    try {
      const c = JSON.parse(readFileSync(file, 'utf8')) as { inputs: Record<string, string>; script: string };
      if (typeof c.script === 'string' && typeof c.inputs[entryRel] === 'string' && Object.entries(c.inputs).every(([p, h]) => sha256(readFileSync(resolve(root, p))) === h)) return { script: c.script, cached: true };
    } catch {
      // no cache, or an input gone: bundle
    }
  }
  const out = esbuild.buildSync({ ...BUNDLE_OPTIONS, entryPoints: [entry], absWorkingDir: root, metafile: true });
  const script = out.outputFiles[0]?.text ?? '';
  if (file && out.metafile) {
    try {
      // hashed after bundling: an input edited during these milliseconds would be cached as its new
      // text with the old bundle (the next edit of any input corrects it)
      const inputs = Object.fromEntries(Object.keys(out.metafile.inputs).map((p) => [p, sha256(readFileSync(resolve(root, p)))]));
      mkdirSync(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(tmp, JSON.stringify({ inputs, script }));
      renameSync(tmp, file);
    } catch {
      // a cache that cannot be written only costs the next build the bundling
    }
  }
  return { script, cached: false };
}

let cached: SiteAssets | null = null;

export function loadAssets(): SiteAssets {
  if (cached) return cached;
  const dir = templatesDir();
  const layout = readFileSync(join(dir, 'layout.html'), 'utf8');
  const style = readFileSync(join(dir, 'style.css'), 'utf8');
  const root = dirname(dirname(dir));
  const script = bundleScript(join(dir, 'app.ts'), root, join(root, 'node_modules', '.cache', 'mdlibs-site')).script;
  const favicon = readFileSync(join(dir, 'favicon.svg'), 'utf8');
  const version = createHash('sha256').update(layout).update(style).update(script).update(favicon).digest('hex').slice(0, 12);
  cached = { layout, style, script, favicon, version };
  return cached;
}
