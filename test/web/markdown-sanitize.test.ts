import { describe, expect, it } from 'vitest';
import { renderMarkdown, resolveInLibrary, stripFrontmatter } from '../../index-builder/src/site/markdown.js';
import { XSS_README } from './helpers/payloads.js';

const none = { file: 'README.md', resolveLink: () => null };

describe('README rendering is sanitized (SEC-3)', () => {
  const out = renderMarkdown(XSS_README, none);

  it('drops script, iframe, object, embed, form, meta, style and base elements', () => {
    for (const tag of ['script', 'iframe', 'object', 'embed', 'form', 'meta', 'style', 'base', 'svg', 'math']) {
      expect(out, tag).not.toMatch(new RegExp(`<${tag}[\\s>]`, 'i'));
    }
  });

  it('keeps no event-handler attribute and no javascript: URL', () => {
    // inside a tag (payload text shown as escaped text may say "onerror=", which is harmless)
    expect(out).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
    expect(out).not.toMatch(/javascript:/i);
    expect(out).not.toMatch(/srcdoc|formaction|xlink:href/i);
  });

  it('prefixes ids and names so the README cannot clobber page globals', () => {
    expect(out).not.toMatch(/(id|name)="__pwned"/);
    expect(out).not.toMatch(/id="clobber"/);
    expect(out).toContain('user-content-clobber');
  });

  it('shows the surrounding text and code spans as text', () => {
    expect(out).toContain('SAFE-TEXT-BEFORE');
    expect(out).toContain('SAFE-TEXT-AFTER');
    expect(out).toContain('&#x3C;script>window.__pwned=\'code-span\'&#x3C;/script>');
    expect(out).toContain('raw javascript link');
    expect(out).toContain('details bait');
  });

  it('keeps harmless HTML and GFM', () => {
    const html = renderMarkdown('<details><summary>More</summary>\n\nHidden *text*\n\n</details>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~gone~~ <kbd>Ctrl</kbd>', none);
    expect(html).toContain('<details>');
    expect(html).toContain('<summary>More</summary>');
    expect(html).toContain('<table>');
    expect(html).toContain('<del>gone</del>');
    expect(html).toContain('<kbd>Ctrl</kbd>');
    expect(html).toMatch(/<input[^>]*type="checkbox"[^>]*checked/);
  });
});

describe('links and images in rendered markdown', () => {
  const pages: Record<string, string> = { 'README.md': 'index.html', 'docs/guide.md': 'doc/docs/guide.html' };
  const ctx = (file: string) => ({ file, resolveLink: (p: string) => pages[p] ?? null });

  it('rewrites relative links to pages of the site and unlinks files without a page', () => {
    const out = renderMarkdown('[g](docs/guide.md#setup) [r](./README.md) [asset](files/data.csv) [up](../../etc/passwd)', ctx('README.md'));
    expect(out).toContain('<a href="doc/docs/guide.html#user-content-setup">g</a>');
    expect(out).toContain('<a href="index.html">r</a>');
    expect(out).toContain('<a>asset</a>');
    expect(out).toContain('<a>up</a>');
  });

  it('gives headings GitHub ids under the user-content- prefix, and points #fragment links at them, in the page and to other documents', () => {
    const md = '## Install it\n\n[i](#install-it) [g](docs/guide.md#setup) [top](#)\n\n<h2 id="raw">Raw</h2>\n\n[r](#raw) [n](#Not-There)\n\nA note[^1].\n\n[^1]: The note.\n';
    const out = renderMarkdown(md, ctx('README.md'));
    expect(out).toContain('<h2 id="user-content-install-it">Install it</h2>');
    expect(out).toContain('<a href="#user-content-install-it">i</a>');
    expect(out).toContain('<a href="doc/docs/guide.html#user-content-setup">g</a>');
    expect(out).toContain('<a href="#">top</a>');
    expect(out).toContain('<h2 id="user-content-raw">Raw</h2>');
    expect(out).toContain('<a href="#user-content-raw">r</a>');
    expect(out).toContain('<a href="#user-content-Not-There">n</a>');
    // footnotes: reference and note link to each other, prefixed once
    expect(out).toMatch(/<a href="#user-content-fn-1" id="user-content-fnref-1"/);
    expect(out).toMatch(/<li id="user-content-fn-1">/);
    expect(out).toMatch(/href="#user-content-fnref-1"/);
    expect(out).not.toContain('user-content-user-content');
    // every in-page fragment names an id of the page
    const ids = new Set([...out.matchAll(/ id="([^"]+)"/g)].map((m) => m[1]));
    const fragments = [...out.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]).filter((f) => f !== 'user-content-Not-There');
    expect(fragments.length).toBeGreaterThanOrEqual(4);
    for (const frag of fragments) expect(ids.has(frag), frag).toBe(true);
  });

  it('resolves links relative to the document folder', () => {
    expect(resolveInLibrary('docs/guide.md', '../README.md')).toBe('README.md');
    expect(resolveInLibrary('docs/a/b.md', '../guide.md')).toBe('docs/guide.md');
    expect(resolveInLibrary('README.md', '../x.md')).toBeNull();
    expect(resolveInLibrary('README.md', 'https://example.com/')).toBeNull();
    expect(resolveInLibrary('README.md', '#top')).toBeNull();
  });

  it('marks external links nofollow and keeps only http(s) and mailto', () => {
    const out = renderMarkdown('[x](https://example.com/a) [m](mailto:a@example.com) [d](data:text/html,<script>alert(1)</script>) [v](vbscript:msgbox)', none);
    expect(out).toContain('href="https://example.com/a" rel="nofollow noopener noreferrer"');
    expect(out).toContain('href="mailto:a@example.com"');
    expect(out).not.toMatch(/data:|vbscript:/);
  });

  it('replaces relative images (assets are only in tarballs) by their alt text and lazy-loads remote ones', () => {
    const out = renderMarkdown('![diagram](img/d.png) ![logo](https://example.com/l.png)', none);
    expect(out).toContain('<span class="img-alt">[image: diagram]</span>');
    expect(out).not.toContain('img/d.png');
    expect(out).toMatch(/<img src="https:\/\/example.com\/l.png" alt="logo" loading="lazy">/);
  });

  it('strips frontmatter before rendering', () => {
    expect(stripFrontmatter('---\ntitle: T\n---\n# Body\n')).toBe('# Body\n');
    expect(renderMarkdown('---\ntitle: Secret title\n---\n# Body\n', none)).not.toContain('Secret title');
  });
});

describe('the fast path for markdown without raw HTML', () => {
  it('renders the same HTML as the raw-HTML pipeline would', () => {
    const md = '# T\n\nSome *text* with `code` and [a link](https://example.com/) and &lt;escaped&gt; &amp; entities.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n';
    const fast = renderMarkdown(md, none);
    const slow = renderMarkdown(`${md}\n<span></span>`, none);
    expect(slow.startsWith(fast.trimEnd())).toBe(true);
    expect(fast).toContain('&#x3C;escaped>');
  });
});
