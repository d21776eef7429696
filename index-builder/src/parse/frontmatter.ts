/** Bounded, safe YAML frontmatter parsing (gray-matter with code-executing engines disabled). */
import matter from 'gray-matter';
import type { Problem } from '../errors.js';
import { frontmatterSchema } from '../format/source-schema.js';
import { findControlChars } from './toml-file.js';

export interface FrontmatterLimits {
  maxFrontmatterBytes: number;
  maxFrontmatterNodes: number;
}

export interface FrontmatterResult {
  data: { title?: string | undefined; description?: string | undefined; tags?: string[] | undefined };
  /** Markdown after the frontmatter. */
  content: string;
  /** Lines taken by the frontmatter block, to map content lines back to file lines. */
  lineOffset: number;
  problems: Problem[];
  /** The whole mapping as written (every key, in its order), when there is frontmatter and it was accepted. */
  mapping?: Record<string, unknown>;
}

const refuse = (lang: string) => () => {
  throw new Error(`frontmatter language "${lang}" is not allowed; use YAML`);
};
/** gray-matter evaluates `---js` frontmatter with eval(); these engines refuse instead. */
const SAFE_ENGINES = { js: { parse: refuse('js') }, javascript: { parse: refuse('javascript') }, coffee: { parse: refuse('coffee') }, coffeescript: { parse: refuse('coffeescript') }, cson: { parse: refuse('cson') }, toml: { parse: refuse('toml') } };

/** Counts nodes of a parsed value, following shared (aliased) references each time; stops at `max`. */
export function countNodes(value: unknown, max: number): number {
  let n = 0;
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (++n > max) return n;
    if (Array.isArray(v)) stack.push(...v);
    else if (v && typeof v === 'object') stack.push(...Object.values(v));
  }
  return n;
}

const FENCE_RE = /^---([a-zA-Z]*)\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
/** Only YAML frontmatter: gray-matter resolves other languages by name, even `---constructor`. */
const YAML_LANG = /^(yaml|yml)?$/i;

/** 1-based file line of a top-level YAML key in the frontmatter block (the block starts at line 1), else 1. */
function keyLine(block: string, key: string | undefined): number {
  if (!key) return 1;
  const i = block.split('\n').findIndex((l) => l.startsWith(`${key}:`) || l.startsWith(`"${key}":`) || l.startsWith(`'${key}':`));
  return i === -1 ? 1 : i + 1;
}

export function parseFrontmatter(text: string, file: string, limits: FrontmatterLimits): FrontmatterResult {
  const m = FENCE_RE.exec(text);
  if (!m) {
    if (/^---[a-zA-Z]*\r?\n/.test(text) && text.length > limits.maxFrontmatterBytes && !text.slice(4).includes('\n---')) {
      return { data: {}, content: text, lineOffset: 0, problems: [{ code: 'MDL_FRONTMATTER_TOO_LARGE', file, line: 1, message: 'frontmatter opens with --- but never closes', hint: 'close the frontmatter with a line holding only ---' }] };
    }
    return { data: {}, content: text, lineOffset: 0, problems: [] };
  }
  const block = m[0];
  const lineOffset = block.split('\n').length - (block.endsWith('\n') ? 1 : 0);
  const content = text.slice(block.length);
  const bytes = Buffer.byteLength(m[2] ?? '');
  if (bytes > limits.maxFrontmatterBytes) {
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_FRONTMATTER_TOO_LARGE', file, line: 1, message: `frontmatter is ${bytes} bytes; the limit is ${limits.maxFrontmatterBytes}`, hint: 'keep frontmatter to title, description and tags; move long text into the document body' }] };
  }
  const lang = m[1] ?? '';
  if (!YAML_LANG.test(lang)) {
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_FRONTMATTER_INVALID', file, line: 1, message: `frontmatter language "${lang}" is not allowed; use YAML`, hint: 'start the frontmatter with a line holding only --- and write plain YAML' }] };
  }
  let parsed: unknown;
  try {
    // Passing options also disables gray-matter's unbounded module-level cache.
    parsed = matter(block, { engines: SAFE_ENGINES, language: 'yaml' }).data;
  } catch (e) {
    const msg = e instanceof Error ? (e.message.split('\n')[0] ?? '') : String(e);
    // js-yaml counts lines from the opening fence's newline, so its numbers are already file lines.
    const line = /line (\d+)/.exec(msg);
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_FRONTMATTER_INVALID', file, line: line ? Number(line[1]) : 1, message: `frontmatter does not parse: ${msg}`, hint: 'write the frontmatter as plain YAML between --- lines' }] };
  }
  if (countNodes(parsed, limits.maxFrontmatterNodes) > limits.maxFrontmatterNodes) {
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_FRONTMATTER_TOO_COMPLEX', file, line: 1, message: `frontmatter expands to more than ${limits.maxFrontmatterNodes} YAML nodes (anchors and aliases?)`, hint: 'remove YAML anchors/aliases (& and *) and keep frontmatter small' }] };
  }
  const res = frontmatterSchema.safeParse(parsed ?? {});
  if (!res.success) {
    const iss = res.error.issues[0];
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_FRONTMATTER_INVALID', file, line: keyLine(block, iss?.path[0]?.toString()), field: iss?.path.join('.') ?? '', message: `frontmatter field ${iss?.path.join('.') || '(root)'}: ${iss?.message ?? 'invalid'}`, hint: 'frontmatter must be a mapping; title and description are strings, tags a list of strings' }] };
  }
  const bad = findControlChars(res.data);
  if (bad.length) {
    return { data: {}, content, lineOffset, problems: [{ code: 'MDL_CONTROL_CHARS', file, line: keyLine(block, bad[0]?.split('.')[0]), field: bad[0] ?? '', message: `frontmatter field ${bad[0] ?? ''} contains terminal control characters`, hint: 'remove escape sequences and other control characters from the text' }] };
  }
  const { title, description, tags } = res.data;
  return { data: { title, description, tags }, content, lineOffset, problems: [], mapping: (parsed ?? {}) as Record<string, unknown> };
}
