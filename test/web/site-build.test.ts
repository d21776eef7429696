import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PAGE_CSP } from '../../index-builder/src/index.js';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { buildSite, type BuiltSite } from './helpers/build-site.js';
import { brokenLinks, listFiles, readText } from './helpers/tree.js';

function makeRegistry(): string {
  const root = tempDir();
  writeRegistry(root, { scopes: { acme: 'public', vault: 'private' } });
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0', description: "The guide <script>alert('desc')</script> & more" });
  writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.1.0', description: "The guide <script>alert('desc')</script> & more" });
  writeLibrary(root, { scope: 'acme', name: 'other', version: '0.1.0', dependencies: { '@acme/guide': '^1.0.0' }, extraManifest: 'repository = "https://example.com/other"' });
  writeLibrary(root, { scope: 'vault', name: 'zebra-plans', version: '1.0.0', description: 'Quokka roadmap' });
  writeFileSync(join(root, 'libraries/@acme/guide/meta.toml'), '[yanked]\n"1.0.0" = "broken links in the guide"\n');
  return root;
}

describe('the site emitted by the builder', () => {
  let reg: string;
  let site: BuiltSite;
  beforeAll(async () => {
    reg = makeRegistry();
    site = await buildSite(reg);
  });

  it('writes home, library, doc, scope, tag, tag index and 404 pages plus assets and search shards', () => {
    const files = listFiles(site.publicDir);
    for (const f of ['index.html', '404.html', 'libraries/@acme/guide/index.html', 'libraries/@acme/guide/doc/docs/guide.html', 'libraries/@acme/index.html',
      'tags/docs/index.html', 'tags/index.html', 'assets/style.css', 'assets/app.js', 'assets/app.js.br', 'search/web/base.json', 'search/web/base.json.br']) {
      expect(files, f).toContain(f);
    }
    expect(files.some((f) => /^search\/web\/shard-[a-z0-9_]\.json$/.test(f))).toBe(true);
  });

  it('shows versions with yanked marks and reasons, the install command, dependencies and links', () => {
    const guide = readFileSync(join(site.publicDir, 'libraries/@acme/guide/index.html'), 'utf8');
    expect(guide).toContain('<code id="install-cmd">mdlibs install @acme/guide</code>');
    expect(guide).toMatch(/<tr class="is-yanked">[\s\S]*?1\.0\.0[\s\S]*?yanked[\s\S]*?broken links in the guide/);
    expect(guide).toMatch(/1\.1\.0<\/span> <span class="badge badge-ok">latest/);
    const other = readFileSync(join(site.publicDir, 'libraries/@acme/other/index.html'), 'utf8');
    expect(other).toContain('<a href="../guide/index.html">@acme/guide</a> <code>^1.0.0</code>');
    expect(other).toContain('href="https://example.com/other"');
  });

  it('renders the README with links rewritten to the doc pages', () => {
    const guide = readFileSync(join(site.publicDir, 'libraries/@acme/guide/index.html'), 'utf8');
    expect(guide).toContain('<a href="doc/docs/guide.html">the guide</a>');
    const doc = readFileSync(join(site.publicDir, 'libraries/@acme/guide/doc/docs/guide.html'), 'utf8');
    expect(doc).toContain('<a href="../../index.html">readme</a>');
    expect(doc).toContain('<h2 id="user-content-getting-started">Getting started</h2>');
  });

  it('escapes metadata everywhere it is shown', () => {
    for (const f of ['index.html', 'libraries/@acme/guide/index.html', 'libraries/@acme/index.html', 'tags/docs/index.html']) {
      const html = readFileSync(join(site.publicDir, f), 'utf8');
      expect(html, f).not.toContain('<script>alert');
      expect(html, f).toContain('&lt;script&gt;alert(&#39;desc&#39;)&lt;/script&gt; &amp; more');
    }
  });

  it('gives every page of either tree its Content-Security-Policy in a meta element, first in <head> after the charset (static hosts send no header)', () => {
    const meta = `<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" content="${PAGE_CSP.replace(/'/g, '&#39;')}">\n`;
    let pages = 0;
    for (const dir of [site.publicDir, site.privateDir]) {
      for (const f of listFiles(dir).filter((n) => n.endsWith('.html'))) {
        const html = readFileSync(join(dir, f), 'utf8');
        expect(html.slice(html.indexOf('<head>') + '<head>\n'.length).startsWith(meta), f).toBe(true);
        pages++;
      }
    }
    expect(pages).toBeGreaterThan(10);
    // no inline script or style for the policy to break: every script and stylesheet is a file
    const home = readFileSync(join(site.publicDir, 'index.html'), 'utf8');
    expect(home).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    expect(home).not.toMatch(/<style[\s>]|\sstyle=/);
    expect(PAGE_CSP).toMatch(/(?:^|; )script-src 'self'(?:;|$)/);
    expect(PAGE_CSP).not.toContain('unsafe-inline');
  });

  it('has no broken relative link in any page of either tree (works under any base path)', () => {
    expect(brokenLinks(site.publicDir)).toEqual([]);
    expect(brokenLinks(site.privateDir, site.publicDir)).toEqual([]);
    const bad = tempDir();
    writeFileSync(join(bad, 'index.html'), '<a href="missing/index.html">x</a><a href="https://example.com/">ok</a><a href="index.html#top">ok</a>');
    expect(brokenLinks(bad)).toEqual(['index.html -> missing/index.html']);
  });

  it('never names a private scope or library anywhere in the public tree, compressed copies included', () => {
    const leaks = (dir: string) => listFiles(dir).filter((f) => /vault|zebra|quokka/i.test(f) || /vault|zebra-plans|quokka/i.test(readText(dir, f)));
    expect(leaks(site.publicDir)).toEqual([]);
    // the same scan does see the names where they belong
    expect(leaks(site.privateDir)).toEqual(expect.arrayContaining(['libraries/@vault/zebra-plans/index.html', 'search/index.json.br', 'index/@vault/zebra-plans.json.gz']));
  });

  it('gives private libraries library and scope pages in the private tree only, marked noindex', () => {
    const page = readFileSync(join(site.privateDir, 'libraries/@vault/zebra-plans/index.html'), 'utf8');
    expect(page).toContain('Quokka roadmap');
    expect(page).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(page).toContain('<span class="tag">docs</span>');
    expect(readFileSync(join(site.privateDir, 'libraries/@vault/index.html'), 'utf8')).toContain('zebra-plans');
    // the server routes only scoped paths to the private tree: no home, tags, 404 or web search there
    const files = listFiles(site.privateDir);
    for (const f of ['index.html', '404.html', 'tags/index.html', 'search/web/base.json']) expect(files).not.toContain(f);
    expect(readFileSync(join(site.publicDir, 'index.html'), 'utf8')).not.toContain('noindex');
  });

  it('gives the 404 page a <base> from the registry URL, since hosts serve it at any depth', () => {
    expect(readFileSync(join(site.publicDir, '404.html'), 'utf8')).toContain('<base href="/">');
  });
});

describe('incremental site builds', () => {
  it('hard-links pages of unchanged libraries and re-renders changed ones and the listings', async () => {
    const reg = makeRegistry();
    const first = await buildSite(reg);
    const ino = (f: string) => statSync(join(first.publicDir, f)).ino;
    const before = { other: ino('libraries/@acme/other/index.html'), guide: ino('libraries/@acme/guide/index.html'), doc: ino('libraries/@acme/other/doc/docs/guide.html'), home: ino('index.html') };
    writeLibrary(reg, { scope: 'acme', name: 'guide', version: '1.2.0', description: 'The guide, now better' });
    await buildSite(reg, first);
    expect(ino('libraries/@acme/other/index.html')).toBe(before.other);
    expect(ino('libraries/@acme/other/doc/docs/guide.html')).toBe(before.doc);
    expect(ino('libraries/@acme/guide/index.html')).not.toBe(before.guide);
    expect(ino('index.html')).not.toBe(before.home);
    expect(readFileSync(join(first.publicDir, 'libraries/@acme/guide/index.html'), 'utf8')).toContain('The guide, now better');
    expect(readFileSync(join(first.publicDir, 'index.html'), 'utf8')).toContain('The guide, now better');
  });

  it('hard-links unchanged search shards instead of compressing them again', async () => {
    const reg = makeRegistry();
    const first = await buildSite(reg);
    const ino = (f: string) => statSync(join(first.publicDir, f)).ino;
    const before = ['search/web/base.json', 'search/web/base.json.br', 'search/web/shard-g.json.gz'].map(ino);
    await buildSite(reg, first);
    expect(['search/web/base.json', 'search/web/base.json.br', 'search/web/shard-g.json.gz'].map(ino)).toEqual(before);
    writeLibrary(reg, { scope: 'acme', name: 'newcomer', version: '1.0.0', description: 'Xylophone tuning' });
    await buildSite(reg, first);
    expect(ino('search/web/base.json')).not.toBe(before[0]);
    expect(readFileSync(join(first.publicDir, 'search/web/shard-x.json'), 'utf8')).toContain('xylophone');
  });

  it('stores a digest of each search file, links by it without reading the file, and reads and compares when the digests are gone or malformed', async () => {
    const reg = makeRegistry();
    const first = await buildSite(reg);
    const dir = first.publicDir;
    const ino = (f: string) => statSync(join(dir, f)).ino;
    const digestsFile = join(dir, 'assets/search-digests.json');
    const stored = JSON.parse(readFileSync(digestsFile, 'utf8')) as Record<string, string>;
    const searchFiles = listFiles(dir).filter((f) => /^search\/web\/[a-z0-9_-]+\.json$/.test(f));
    expect(Object.keys(stored).sort()).toEqual(searchFiles.sort());
    for (const f of searchFiles) expect(stored[f], f).toBe(createHash('sha256').update(readFileSync(join(dir, f))).digest('hex'));
    const shard = 'search/web/shard-g.json';
    // a stale digest: the shard is written anew although its text is the same
    writeFileSync(digestsFile, JSON.stringify({ ...stored, [shard]: 'stale' }));
    let before = ino(shard);
    await buildSite(reg, first);
    expect(ino(shard)).not.toBe(before);
    expect(JSON.parse(readFileSync(digestsFile, 'utf8'))).toEqual(stored);
    // the digest is what decides: a file whose digest matches is linked as it is, not read (a
    // reading build would see that this one differs and write it anew)
    const text = readFileSync(join(dir, shard), 'utf8');
    writeFileSync(join(dir, shard), text.replace(/^\[/, '[ '));
    before = ino(shard);
    await buildSite(reg, first);
    expect(ino(shard)).toBe(before);
    writeFileSync(join(dir, shard), text);
    // no digests, or digests that are not a map of strings: each file is read and compared, the same ones are still linked
    for (const damage of [() => rmSync(digestsFile), () => writeFileSync(digestsFile, '{"search/web/base.json":1}')]) {
      damage();
      before = ino(shard);
      await buildSite(reg, first);
      expect(ino(shard)).toBe(before);
      expect(JSON.parse(readFileSync(digestsFile, 'utf8'))).toEqual(stored);
    }
    expect(existsSync(join(first.privateDir, 'assets/search-digests.json'))).toBe(false);
  });

  it('re-renders every page when the site stamp (templates, registry name) differs', async () => {
    const reg = makeRegistry();
    const first = await buildSite(reg);
    const page = join(first.publicDir, 'libraries/@acme/other/index.html');
    const before = statSync(page).ino;
    writeFileSync(join(first.publicDir, 'assets/site-stamp.json'), '{"site":0}');
    writeLibrary(reg, { scope: 'acme', name: 'guide', version: '1.2.0' });
    await buildSite(reg, first);
    expect(statSync(page).ino).not.toBe(before);
  });

  it('re-renders the pages of unchanged libraries when the markdown renderer changed (a sanitizer fix must reach every page)', async () => {
    const reg = makeRegistry();
    const first = await buildSite(reg);
    const stampFile = join(first.publicDir, 'assets/site-stamp.json');
    const stamp = readFileSync(stampFile, 'utf8');
    // the stamp names the sanitizer's version and a digest of the site's own rendering code
    const sanitizer = (JSON.parse(readFileSync(join(process.cwd(), 'node_modules/hast-util-sanitize/package.json'), 'utf8')) as { version: string }).version;
    expect(stamp).toContain(`"hast-util-sanitize":"${sanitizer}"`);
    expect(stamp).toContain(`"rehype-sanitize":"`);
    expect(stamp).toMatch(/"source":"[0-9a-f]{16,}"/);
    // pages of the previous tree rendered by an older sanitizer (or an older markdown.ts), no library changed: none is reused
    const pages = ['libraries/@acme/other/index.html', 'libraries/@acme/guide/doc/docs/guide.html', 'libraries/@vault/zebra-plans/index.html'];
    const ino = (p: string) => statSync(join(p.startsWith('libraries/@vault') ? first.privateDir : first.publicDir, p)).ino;
    for (const older of [stamp.replace(`"hast-util-sanitize":"${sanitizer}"`, '"hast-util-sanitize":"0.0.1"'), stamp.replace(/"source":"[0-9a-f]+"/, '"source":"0000000000000000"')]) {
      writeFileSync(stampFile, older);
      writeFileSync(join(first.privateDir, 'assets/site-stamp.json'), readFileSync(join(first.privateDir, 'assets/site-stamp.json'), 'utf8').replace(/"hast-util-sanitize":"[^"]*"/, '"hast-util-sanitize":"0.0.1"'));
      const before = pages.map(ino);
      await buildSite(reg, first);
      pages.forEach((p, i) => expect(ino(p), p).not.toBe(before[i]));
      expect(readFileSync(stampFile, 'utf8')).toBe(stamp);
    }
  });
});
