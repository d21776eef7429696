/** Reading an emitted tree in tests: every file (decompressed), and every relative link of its pages. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';

export function listFiles(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory() || (e.isSymbolicLink() && statSync(p).isDirectory())) walk(p); // scope shards are symlinked folders
      else out.push(relative(root, p).split(sep).join('/'));
    }
  };
  walk(root);
  return out.sort();
}

/** File content as text, decompressing .gz, .br and .tgz so nothing hides in compressed copies. */
export function readText(root: string, rel: string): string {
  const buf = readFileSync(join(root, rel));
  if (rel.endsWith('.br')) return brotliDecompressSync(buf).toString('latin1');
  if (rel.endsWith('.gz') || rel.endsWith('.tgz')) return gunzipSync(buf).toString('latin1');
  return buf.toString('utf8');
}

/** href/src values of a page (attributes only; good enough for our own generated HTML). */
export function linksOf(html: string): string[] {
  return [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => (m[1] ?? '').replace(/&amp;/g, '&'));
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * Relative links of every page that point to no file of the tree. `fallback`: a second tree that
 * answers paths the first lacks (the mdlibs server serves private pages beside the public tree).
 */
export function brokenLinks(root: string, fallback?: string): string[] {
  const broken: string[] = [];
  for (const rel of listFiles(root).filter((f) => f.endsWith('.html'))) {
    const html = readFileSync(join(root, rel), 'utf8');
    const base = /<base href="([^"]*)"/.exec(html)?.[1];
    for (const link of linksOf(html)) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#') || link.startsWith('//')) continue;
      const path = decodeURIComponent(link.split('#')[0]?.split('?')[0] ?? '');
      if (!path) continue;
      const target = base !== undefined ? posix.normalize(posix.join(base.replace(/^\//, ''), path)) : posix.normalize(posix.join(posix.dirname(rel), path));
      const found = [root, fallback].some((r) => r !== undefined && (isFile(join(r, target)) || isFile(join(r, target, 'index.html'))));
      if (!found) broken.push(`${rel} -> ${link}`);
    }
  }
  return broken;
}
