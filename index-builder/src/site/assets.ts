/**
 * The site's static assets from `templates/site/`: the page layout, the stylesheet and the browser
 * script (TypeScript bundled with esbuild once per process, minified, with the search scorer inlined).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
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
  buildSync(opts: Record<string, unknown>): { outputFiles: { text: string }[] };
}

function bundle(entry: string): string {
  const require = createRequire(import.meta.url);
  let esbuild: EsbuildLike;
  try {
    esbuild = require('esbuild') as EsbuildLike;
  } catch (e) {
    throw new Error('the web UI needs esbuild to bundle templates/site/*.ts (npm ci installs it)', { cause: e });
  }
  const out = esbuild.buildSync({
    entryPoints: [entry], bundle: true, minify: true, write: false, format: 'iife', target: ['es2020'],
    platform: 'browser', legalComments: 'none', logLevel: 'silent',
  });
  return out.outputFiles[0]?.text ?? '';
}

let cached: SiteAssets | null = null;

export function loadAssets(): SiteAssets {
  if (cached) return cached;
  const dir = templatesDir();
  const layout = readFileSync(join(dir, 'layout.html'), 'utf8');
  const style = readFileSync(join(dir, 'style.css'), 'utf8');
  const script = bundle(join(dir, 'app.ts'));
  const favicon = readFileSync(join(dir, 'favicon.svg'), 'utf8');
  const version = createHash('sha256').update(layout).update(style).update(script).update(favicon).digest('hex').slice(0, 12);
  cached = { layout, style, script, favicon, version };
  return cached;
}
