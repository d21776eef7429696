/** `update <doc> --title`: rewrites a document's frontmatter title (or its first # heading when it has no frontmatter). */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import matter from 'gray-matter';
import { DEFAULT_LIMITS } from '../../../index-builder/src/format/source-schema.js';
import { parseFrontmatter } from '../../../index-builder/src/parse/frontmatter.js';
import { cliError } from '../errors.js';
import { writeFileAtomicSync } from '../file-writes.js';
import { docTitle } from './docs.js';

export function setDocTitle(cwd: string, target: string, title: string): { path: string; title: string; previous: string } {
  const file = resolve(cwd, target);
  const rel = relative(cwd, file);
  if (!file.toLowerCase().endsWith('.md') || !existsSync(file) || !statSync(file).isFile()) {
    throw cliError('CLI_DOC_NOT_FOUND', `${target} is not a markdown file here`, '`mdlibs list` shows the documents in this folder');
  }
  const clean = title.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (!clean || clean.length > 200) throw cliError('CLI_USAGE', 'the title must be 1-200 printable characters', 'give a shorter title');
  const text = readFileSync(file, 'utf8');
  // the builder's parser: YAML only and bounded (gray-matter's own ran `---js` frontmatter with eval)
  const fm = parseFrontmatter(text, rel, DEFAULT_LIMITS);
  if (fm.problems.length) {
    const p = fm.problems[0] as { message: string; hint?: string };
    throw cliError('CLI_DOC_INVALID', `${target}: ${p.message}`, p.hint ?? 'write the frontmatter as plain YAML between --- lines');
  }
  const data = fm.mapping ?? {};
  const previous = docTitle(rel.split(sep).join('/'), data, fm.content);
  let next: string;
  if (text.startsWith('---')) {
    next = matter.stringify(fm.content, { ...data, title: clean });
  } else if (/^#\s+.+$/m.test(text)) {
    next = text.replace(/^#\s+.+$/m, `# ${clean}`);
  } else {
    next = matter.stringify(text, { title: clean });
  }
  writeFileAtomicSync(file, next);
  return { path: rel.split(sep).join('/'), title: clean, previous };
}
