/**
 * The site's static assets from `templates/site/`: the page layout, the stylesheet and the browser
 * script (TypeScript bundled with esbuild once per process, minified, with the search scorer inlined).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/**
 * Packages whose code decides the HTML of a README or doc (markdown.ts): a new version of one of
 * them, a sanitizer fix above all, must re-render every page, not only the pages of libraries
 * that changed. Looked up like Node resolves them from the site's folder (hoisted copies).
 */
const RENDERER_PACKAGES = [
  'unified', 'remark-parse', 'remark-gfm', 'remark-rehype', 'rehype-raw', 'hast-util-raw', 'parse5',
  'rehype-slug', 'github-slugger', 'rehype-sanitize', 'hast-util-sanitize', 'rehype-stringify', 'hast-util-to-html',
] as const;

function packageVersion(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, 'node_modules', name, 'package.json');
    if (existsSync(file)) {
      try {
        const v = (JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown }).version;
        return typeof v === 'string' ? v : null;
      } catch {
        return null;
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

export interface RendererFingerprint {
  /** Digest of the site generator's own modules (markdown.ts, the page bodies, html.ts, …) and of parse/markdown.ts (link targets). */
  source: string;
  /** Versions of the markdown and sanitizing packages (null: not found). */
  packages: Record<string, string | null>;
}

let renderer: RendererFingerprint | null = null;

/**
 * What the pages' HTML depends on besides templates and input: part of the site stamp, so that
 * pages rendered by another markdown pipeline (an older sanitizer, an older markdown.ts) are
 * never hard-linked into a new tree. Bumping SITE_RENDERING by hand was the only way before, and
 * a sanitizer fix left every unchanged library's page as the vulnerable build had rendered it.
 */
export function rendererFingerprint(): RendererFingerprint {
  if (renderer) return renderer;
  const siteDir = dirname(fileURLToPath(import.meta.url));
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(?:[cm]?js|ts)$/.test(e.name) && !e.name.endsWith('.d.ts')) hash.update(`${relative(siteDir, p)}\0`).update(readFileSync(p)).update('\0');
    }
  };
  walk(siteDir);
  // modules outside the site folder that decide a page's HTML: how relative links resolve
  const ext = fileURLToPath(import.meta.url).endsWith('.ts') ? 'ts' : 'js';
  for (const rel of [`../parse/markdown.${ext}`]) hash.update(`${rel}\0`).update(readFileSync(join(siteDir, rel))).update('\0');
  renderer = { source: hash.digest('hex').slice(0, 16), packages: Object.fromEntries(RENDERER_PACKAGES.map((n) => [n, packageVersion(n, siteDir)])) };
  return renderer;
}
