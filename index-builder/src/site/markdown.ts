/**
 * README and doc rendering (SEC-3): unified + remark-gfm + rehype-raw, then rehype-sanitize with
 * GitHub's schema, so raw HTML in a library is parsed and stripped of anything that can run.
 * Relative links are rewritten to the pages of the site; links to files the site has no page for
 * are unlinked, and relative images (assets live only in tarballs) become their alt text.
 * Headings get GitHub's ids (rehype-slug, github-slugger), which the sanitizer prefixes with
 * `user-content-` like every id (no clobbering of page globals); `#fragment` links, in the page
 * or to another document's page, are pointed at the prefixed ids, as GitHub's pages do. The
 * footnotes' ids are left to the sanitizer's prefix too (remark-rehype's own made them
 * `user-content-user-content-fn-1`, which no footnote link reached).
 */
import { posix } from 'node:path';
import type { Element, ElementContent, Root } from 'hast';
import rehypeRaw from 'rehype-raw';
import rehypeSanitize, { defaultSchema } from 'rehype-sanitize';
import rehypeSlug from 'rehype-slug';
import rehypeStringify from 'rehype-stringify';
import remarkGfm from 'remark-gfm';
import remarkParse from 'remark-parse';
import remarkRehype from 'remark-rehype';
import { unified } from 'unified';
import { visit, SKIP } from 'unist-util-visit';
import type { VFile } from 'vfile';
import { relativeLinkTarget } from '../parse/markdown.js';

export interface RenderContext {
  /** Library-relative path of the file being rendered, e.g. `README.md` or `docs/guide.md`. */
  file: string;
  /** Maps a library-relative file path to an href relative to the current page, or null (unlink). */
  resolveLink: (libPath: string) => string | null;
}

const FRONTMATTER_RE = /^---[a-zA-Z]*\r?\n[\s\S]*?\r?\n---[ \t]*(?:\r?\n|$)/;

export function stripFrontmatter(text: string): string {
  const m = FRONTMATTER_RE.exec(text);
  return m ? text.slice(m[0].length) : text;
}

/** Library-relative path a relative URL points to from `file`, or null when absolute, an anchor, or escaping. */
export function resolveInLibrary(file: string, url: string): string | null {
  const target = relativeLinkTarget(url);
  if (target === null) return null;
  const p = posix.normalize(posix.join(posix.dirname(file), target));
  return p.startsWith('../') || p === '..' || p.startsWith('/') ? null : p.replace(/\/$/, '');
}

const ID_PREFIX = 'user-content-';

/** `#x` -> `#user-content-x` (the id the sanitizer gave the target); `#` and already prefixed fragments unchanged. */
function prefixedFragment(fragment: string): string {
  const id = fragment.slice(1);
  return id === '' || id.startsWith(ID_PREFIX) ? fragment : `#${ID_PREFIX}${id}`;
}

function rewriteLinks() {
  return (tree: Root, vfile: VFile) => {
    const ctx = vfile.data.mdlibs as RenderContext;
    visit(tree, 'element', (node: Element, index, parent) => {
      if (node.tagName === 'a' && typeof node.properties.href === 'string') {
        const href = node.properties.href;
        if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) {
          node.properties.rel = ['nofollow', 'noopener', 'noreferrer'];
          return;
        }
        if (href === '') return;
        if (href.startsWith('#')) {
          node.properties.href = prefixedFragment(href);
          return;
        }
        const p = resolveInLibrary(ctx.file, href);
        const to = p === null ? null : ctx.resolveLink(p);
        if (to === null) delete node.properties.href;
        else node.properties.href = to + (href.includes('#') ? prefixedFragment(href.slice(href.indexOf('#'))) : '');
      } else if (node.tagName === 'img' && parent && index !== undefined) {
        const src = typeof node.properties.src === 'string' ? node.properties.src : '';
        if (/^https?:\/\//i.test(src)) {
          node.properties.loading = 'lazy';
          return;
        }
        const alt = typeof node.properties.alt === 'string' ? node.properties.alt : '';
        const replacement: ElementContent = { type: 'element', tagName: 'span', properties: { className: ['img-alt'] }, children: [{ type: 'text', value: alt ? `[image: ${alt}]` : '[image]' }] };
        parent.children.splice(index, 1, replacement);
        return [SKIP, index + 1];
      }
      return undefined;
    });
  };
}

const withRawHtml = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { allowDangerousHtml: true, clobberPrefix: '' })
  .use(rehypeRaw)
  .use(rehypeSlug)
  .use(rehypeSanitize, defaultSchema)
  .use(rewriteLinks)
  .use(rehypeStringify);

/** Same pipeline for text that cannot hold raw HTML (no `<` at all): skips the costly parse5 pass. */
const plain = unified()
  .use(remarkParse)
  .use(remarkGfm)
  .use(remarkRehype, { clobberPrefix: '' })
  .use(rehypeSlug)
  .use(rehypeSanitize, defaultSchema)
  .use(rewriteLinks)
  .use(rehypeStringify);

/** Renders markdown (frontmatter stripped) to sanitized HTML. */
export function renderMarkdown(markdown: string, ctx: RenderContext): string {
  const value = stripFrontmatter(markdown);
  const processor = value.includes('<') ? withRawHtml : plain;
  return String(processor.processSync({ value, data: { mdlibs: ctx } }));
}
