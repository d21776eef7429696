/** Content types and cache policy by file name (pure). */
import { PAGE_CSP } from '../../../index-builder/src/index.js';

const TYPES: Record<string, string> = {
  json: 'application/json; charset=utf-8', html: 'text/html; charset=utf-8', css: 'text/css; charset=utf-8', js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8', map: 'application/json; charset=utf-8', txt: 'text/plain; charset=utf-8', md: 'text/markdown; charset=utf-8',
  svg: 'image/svg+xml', png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif', webp: 'image/webp', ico: 'image/x-icon',
  woff2: 'font/woff2', xml: 'application/xml; charset=utf-8', tgz: 'application/gzip', gz: 'application/gzip', br: 'application/octet-stream',
  webmanifest: 'application/manifest+json',
};

/**
 * Content-Security-Policy of every HTML page (SEC-3, defence in depth): the site runs only its own
 * script file and stylesheet (no inline script, style or event handler anywhere in its pages), so
 * markup that got past the markdown sanitizer still cannot run script, load plugins, move the
 * page's <base> or post a form elsewhere. Images may be remote (READMEs link them); the live data
 * may come from an absolute `registry.api`, hence http(s) in connect-src. The pages carry the
 * same policy in a meta element (the builder's PAGE_CSP, for static hosts); the header adds what
 * a meta element cannot: frame-ancestors.
 */
export const HTML_CSP = `${PAGE_CSP}; frame-ancestors 'self'`;

export function contentType(rel: string): string {
  const dot = rel.lastIndexOf('.');
  return (dot >= 0 ? TYPES[rel.slice(dot + 1).toLowerCase()] : undefined) ?? 'application/octet-stream';
}

export const isTarball = (rel: string): boolean => rel.startsWith('tarballs/') && rel.endsWith('.tgz');

/** Tarballs are immutable (a version never changes); everything else is short-lived. */
export function cacheControl(rel: string, isPrivate: boolean): string {
  const who = isPrivate ? 'private' : 'public';
  return isTarball(rel) ? `${who}, max-age=31536000, immutable` : `${who}, max-age=60, must-revalidate`;
}

/** `tarballs/@scope/name/name-1.2.3.tgz` → library and version; null for anything else. */
export function tarballTarget(rel: string): { library: string; version: string } | null {
  const m = /^tarballs\/@([a-z0-9-]+)\/([a-z0-9-]+)\/([a-z0-9-]+)-(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)\.tgz$/.exec(rel);
  if (!m || m[2] !== m[3]) return null;
  return { library: `@${m[1]}/${m[2]}`, version: m[4] as string };
}
