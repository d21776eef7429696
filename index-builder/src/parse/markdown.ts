/** Pure markdown analysis: frontmatter, title, headings and relative links (unified + remark-parse). */
import type { Heading, Link, Definition, Image, Root } from 'mdast';
import { toString } from 'mdast-util-to-string';
import remarkParse from 'remark-parse';
import { unified } from 'unified';
import { visit } from 'unist-util-visit';
import type { Problem } from '../errors.js';
import { parseFrontmatter, type FrontmatterLimits } from './frontmatter.js';

export interface MarkdownLink {
  url: string;
  line: number;
}

export interface MarkdownInfo {
  title: string | null;
  description: string | null;
  tags: string[];
  headings: string[];
  links: MarkdownLink[];
}

/**
 * CommonMark only: GFM adds no relative links or headings (tables still parse as text with
 * their links), and costs ~20 % of the parse time in the builder bench.
 */
const processor = unified().use(remarkParse);

export function parseMarkdownTree(content: string): Root {
  return processor.parse(content);
}

/**
 * Deepest block nesting a line opens (block quotes, list markers, and indentation / 2).
 * micromark's time grows steeply with nesting (200-deep lists: ~2.5 s for 40 KB), so the
 * builder refuses absurd nesting before parsing.
 */
export const MAX_NESTING = 64;
const PREFIX_RE = /^[ \t]*(?:(?:>|[-*+]|\d{1,9}[.)])[ \t]+)*/;

export function deepestNesting(content: string): { depth: number; line: number } {
  let best = { depth: 0, line: 1 };
  let line = 0;
  for (const l of content.split('\n')) {
    line++;
    const prefix = PREFIX_RE.exec(l)?.[0] ?? '';
    const indent = /^[ \t]*/.exec(prefix)?.[0].replace(/\t/g, '    ').length ?? 0;
    const markers = (prefix.match(/>|[-*+](?=[ \t])|\d{1,9}[.)](?=[ \t])/g) ?? []).length;
    const depth = markers + Math.floor(indent / 2);
    if (depth > best.depth) best = { depth, line };
  }
  return best;
}

export function analyzeMarkdown(text: string, file: string, limits: FrontmatterLimits): { info: MarkdownInfo; problems: Problem[] } {
  const fm = parseFrontmatter(text, file, limits);
  const info: MarkdownInfo = { title: fm.data.title ?? null, description: fm.data.description ?? null, tags: fm.data.tags ?? [], headings: [], links: [] };
  if (fm.problems.length) return { info, problems: fm.problems };
  const nesting = deepestNesting(fm.content);
  if (nesting.depth > MAX_NESTING) {
    return { info, problems: [{ code: 'MDL_MARKDOWN_INVALID', file, line: nesting.line + fm.lineOffset, message: `markdown nests ${nesting.depth} levels deep (lists, quotes, indentation); the limit is ${MAX_NESTING}`, hint: 'flatten the nesting; deeply nested lists or quotes do not render usefully anyway' }] };
  }
  let tree: Root;
  try {
    tree = parseMarkdownTree(fm.content);
  } catch (e) {
    return { info, problems: [{ code: 'MDL_MARKDOWN_INVALID', file, message: `markdown does not parse: ${e instanceof Error ? e.message : String(e)}`, hint: 'check the file renders in a markdown previewer' }] };
  }
  const lineOf = (n: { position?: { start: { line: number } } | undefined }) => (n.position?.start.line ?? 1) + fm.lineOffset;
  visit(tree, (node) => {
    if (node.type === 'heading') {
      const h = node as Heading;
      const t = toString(h).trim();
      if (h.depth === 1 && info.title === null && t) info.title = t;
      else if (h.depth <= 3 && t && info.headings.length < 50) info.headings.push(t.slice(0, 120));
    } else if (node.type === 'link' || node.type === 'definition' || node.type === 'image') {
      const url = (node as Link | Definition | Image).url;
      info.links.push({ url, line: lineOf(node) });
    }
  });
  return { info, problems: [] };
}

/** A link is relative (to be checked) when it has no scheme, no leading `//`, and is not a bare anchor. */
export function relativeLinkTarget(url: string): string | null {
  if (!url || url.startsWith('#') || url.startsWith('//') || /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(url)) return null;
  const path = url.split('#')[0]?.split('?')[0] ?? '';
  if (!path) return null;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
