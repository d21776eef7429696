/** Markdown documents in a local folder (CLI-1): titles from frontmatter or the first heading. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fg from 'fast-glob';
import { DEFAULT_LIMITS } from '../../../index-builder/src/format/source-schema.js';
import { parseFrontmatter } from '../../../index-builder/src/parse/frontmatter.js';

export interface LocalDoc {
  /** Path relative to the folder, POSIX separators. */
  path: string;
  title: string;
  description: string | null;
  tags: string[];
  headings: string[];
  body: string;
}

const MAX_DOC_BYTES = 2 * 1024 * 1024;

export function docTitle(path: string, data: Record<string, unknown>, content: string): string {
  if (typeof data.title === 'string' && data.title.trim()) return data.title.trim();
  const h1 = /^#\s+(.+?)\s*#*\s*$/m.exec(content);
  if (h1?.[1]) return h1[1];
  return path.split('/').pop()?.replace(/\.md$/i, '') ?? path;
}

/**
 * The builder's frontmatter parser and limits: YAML only (gray-matter's own `matter()` ran
 * `---js` frontmatter with eval: `mdlibs list` in a cloned project or over an installed library
 * ran its code), bounded in bytes and in nodes (alias bombs). Frontmatter it refuses is ignored.
 */
export function parseDoc(path: string, text: string): LocalDoc {
  const fm = parseFrontmatter(text, path, DEFAULT_LIMITS);
  const data: Record<string, unknown> = fm.problems.length ? {} : fm.data;
  const content = fm.content;
  const headings = [...content.matchAll(/^#{2,3}\s+(.+?)\s*#*\s*$/gm)].map((m) => m[1] ?? '').filter(Boolean);
  return {
    path,
    title: docTitle(path, data, content),
    description: typeof data.description === 'string' ? data.description : null,
    tags: Array.isArray(data.tags) ? data.tags.filter((t): t is string => typeof t === 'string') : [],
    headings,
    body: content,
  };
}

/** Every .md file under `root` (no dot-folders, no node_modules), sorted. */
export async function readDocs(root: string): Promise<LocalDoc[]> {
  const files = await fg('**/*.md', { cwd: root, ignore: ['**/node_modules/**', '**/.*/**'], dot: false, followSymbolicLinks: false, onlyFiles: true, caseSensitiveMatch: false });
  files.sort();
  const docs: LocalDoc[] = [];
  for (const f of files) {
    const buf = readFileSync(join(root, f));
    if (buf.length > MAX_DOC_BYTES) continue;
    docs.push(parseDoc(f, buf.toString('utf8')));
  }
  return docs;
}
