/** Pure check that relative links in markdown resolve inside the library (BUILD-1). */
import { posix } from 'node:path';
import type { Problem } from '../errors.js';
import { sanitizeForMessage } from '../format/names.js';
import { relativeLinkTarget, type MarkdownLink } from '../parse/markdown.js';

export function checkLinks(fromPath: string, links: readonly MarkdownLink[], files: ReadonlySet<string>, folder: string): Problem[] {
  const problems: Problem[] = [];
  for (const link of links) {
    const target = relativeLinkTarget(link.url);
    if (target === null) continue;
    const file = `${folder}/${fromPath}`;
    if (target.startsWith('/')) {
      problems.push({ code: 'MDL_PATH_ESCAPES', file, line: link.line, message: `link "${sanitizeForMessage(link.url)}" is an absolute path`, hint: 'link to files with paths relative to this file' });
      continue;
    }
    const resolved = posix.normalize(posix.join(posix.dirname(fromPath), target));
    if (resolved === '..' || resolved.startsWith('../')) {
      problems.push({ code: 'MDL_PATH_ESCAPES', file, line: link.line, message: `link "${sanitizeForMessage(link.url)}" points outside the library folder`, hint: 'link only to files inside this version folder, or use a full https:// URL' });
      continue;
    }
    const clean = resolved.replace(/\/$/, '');
    if (clean === '.' || files.has(clean)) continue;
    const prefix = `${clean}/`;
    let isFolder = false;
    for (const f of files) if (f.startsWith(prefix)) { isFolder = true; break; }
    if (!isFolder) {
      problems.push({ code: 'MDL_LINK_BROKEN', file, line: link.line, message: `link "${sanitizeForMessage(link.url)}" points to ${sanitizeForMessage(clean)}, which is not in the library`, hint: 'fix the path (it is case-sensitive) or add the missing file' });
    }
  }
  return problems;
}
