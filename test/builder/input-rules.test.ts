/**
 * The pure rule modules behind the hostile-input suite, one rule at a time: names, file
 * names, links, TOML locations and frontmatter. No file system; each case says what it pins.
 */
import { describe, expect, it } from 'vitest';
import {
  checkNamePart, confusableSkeleton, CONTROL_CHARS_RE, formatProblem, isValidVersion, parseManifest, sanitizeForMessage, stripControlChars, type Problem,
} from '../../index-builder/src/index.js';
import { countNodes, parseFrontmatter } from '../../index-builder/src/parse/frontmatter.js';
import { findControlChars, lineOfKey } from '../../index-builder/src/parse/toml-file.js';
import { checkFileNames, decodeText } from '../../index-builder/src/validate/files.js';
import { checkLinks } from '../../index-builder/src/validate/links.js';

const LIMITS = { maxFrontmatterBytes: 512, maxFrontmatterNodes: 200 };

describe('names (LIB-2)', () => {
  it.each([
    ['guide', null],
    ['a1-b2-c3', null],
    ['ab', 'length'],
    ['a'.repeat(65), 'length'],
    ['Guide', 'uppercase'],
    ['-guide', 'hyphen'],
    ['guide-', 'hyphen'],
    ['gu--ide', 'hyphen'],
    ['gu_ide', 'charset'],
    ['gu.ide', 'charset'],
    ['gu\u0456de', 'non-ascii'], // Cyrillic і
    ['guide\u001b', 'non-ascii'],
    ['doc\u202eslx', 'non-ascii'],
    ['admin', 'reserved'],
    ['node-modules', 'reserved'],
  ])('%j -> %s', (name, rule) => {
    expect(checkNamePart(name, 'name')?.rule ?? null).toBe(rule);
  });

  it('quotes hostile names without their control or bidi characters', () => {
    for (const bad of ['x\u001b[2Jy', 'doc\u202eslx', 'a\u2066b', 'a\u009bb']) {
      const issue = checkNamePart(bad, 'name');
      expect(issue?.message).toBeDefined();
      expect(issue?.message).not.toMatch(CONTROL_CHARS_RE);
    }
    expect(checkNamePart('doc\u202eslx', 'name')?.message).toBe('name "doc\\u202eslx" contains the non-ASCII or control character U+202E; only a-z, 0-9 and single hyphens are allowed');
  });

  it.each([
    ['paypal', 'paypa1'],
    ['paypal', 'paypai'],
    ['acme', 'acrne'],
    ['wiki', 'vviki'],
    ['doc-kit', 'dockit'],
    ['bass', 'ba55'],
    ['tool', 't00l'],
  ])('%s and %s are confusable', (a, b) => {
    expect(confusableSkeleton(a)).toBe(confusableSkeleton(b));
  });

  it('distinct names stay distinct', () => {
    expect(confusableSkeleton('guide')).not.toBe(confusableSkeleton('guides'));
    expect(confusableSkeleton('acme')).not.toBe(confusableSkeleton('acne'));
  });

  it.each([['1.0.0', true], ['1.0.0-rc.1', true], ['1.0', false], ['v1.0.0', false], ['1.0.0+build', false], ['01.0.0', false], [' 1.0.0', false]])('version %j valid: %s', (v, ok) => {
    expect(isValidVersion(v)).toBe(ok);
  });

  it('sanitizeForMessage escapes C0, C1 and bidi characters and bounds the length', () => {
    expect(sanitizeForMessage('a\u001b[31mb\u202ec\u0085')).toBe('a\\u001b[31mb\\u202ec\\u0085');
    expect(sanitizeForMessage('x'.repeat(100), 10)).toBe(`${'x'.repeat(10)}…`);
    expect(stripControlChars('Ti\u001btle\u202e')).toBe('Title');
  });

  it('formatProblem prints untrusted paths, fields and messages without terminal controls', () => {
    const p: Problem = { code: 'MDL_LAYOUT_INVALID', file: 'libraries/@acme/x\u001b[2J/1.0.0', line: 3, field: 'a\u202eb', message: 'bad \u0007 bell', hint: 'fix \u009b it' };
    const out = formatProblem(p);
    expect(out).not.toMatch(CONTROL_CHARS_RE);
    expect(out).toBe('libraries/@acme/x\\u001b[2J/1.0.0:3 (a\\u202eb): MDL_LAYOUT_INVALID bad \\u0007 bell\n  fix: fix \\u009b it');
  });
});

describe('file names and contents (BUILD-1, SEC-2)', () => {
  it('flags case and Unicode-normalisation collisions once, naming both files', () => {
    const problems = checkFileNames(['README.md', 'docs/Guide.md', 'docs/guide.md', 'docs/caf\u00e9.md', 'docs/cafe\u0301.md', 'docs/other.md'], 'lib');
    expect(problems.map((p) => [p.code, p.file])).toEqual([
      ['MDL_CASE_COLLISION', 'lib/docs/guide.md'],
      ['MDL_CASE_COLLISION', 'lib/docs/cafe\u0301.md'],
    ]);
  });

  it.each(['docs/a\u001b.md', 'docs/a\u0000.md', 'docs/a\u202e.md', 'docs/a\u2066.md', 'docs/a\u0085.md', 'docs/a:b.md', 'docs/a\\b.md', 'docs/a*.md', 'docs/a?.md', 'docs/a|b.md', 'docs/"a".md', 'docs/<a>.md'])(
    'refuses file name %j and never echoes its control characters',
    (name) => {
      const [p] = checkFileNames([name], 'lib');
      expect(p?.code).toBe('MDL_LAYOUT_INVALID');
      expect(p?.file).not.toMatch(CONTROL_CHARS_RE);
    },
  );

  it('decodeText: NUL bytes are binary, bad UTF-8 names its line, a BOM is dropped', () => {
    expect(decodeText('f', Buffer.from('a\nb\n\0c'))).toEqual({ problem: expect.objectContaining({ code: 'MDL_BINARY_CONTENT', line: 3 }) });
    expect(decodeText('f', Buffer.from([0x61, 0x0a, 0x62, 0x0a, 0x0a, 0xff, 0x0a]))).toEqual({ problem: expect.objectContaining({ code: 'MDL_ENCODING_INVALID', line: 4 }) });
    // a UTF-8 sequence cut by the end of file
    expect(decodeText('f', Buffer.from([0x61, 0xe2, 0x82]))).toEqual({ problem: expect.objectContaining({ code: 'MDL_ENCODING_INVALID', line: 1 }) });
    expect(decodeText('f', Buffer.from('\ufeff# Hi\n'))).toEqual({ text: '# Hi\n' });
  });
});

describe('links (BUILD-1)', () => {
  const files = new Set(['README.md', 'docs/guide.md', 'docs/img/logo.png']);
  const check = (url: string, from = 'docs/guide.md') => checkLinks(from, [{ url, line: 7 }], files, 'lib').map((p) => [p.code, p.line]);

  it.each([
    ['../README.md', []],
    ['guide.md#setup', []],
    ['./img/logo.png?raw=1', []],
    ['img/', []],
    ['img', []],
    ['#anchor', []],
    ['https://example.com/x.md', []],
    ['mailto:a@example.com', []],
    ['//cdn.example.com/x.png', []],
    ['missing.md', [['MDL_LINK_BROKEN', 7]]],
    ['Guide.md', [['MDL_LINK_BROKEN', 7]]],
    ['/etc/passwd', [['MDL_PATH_ESCAPES', 7]]],
    ['../../x.md', [['MDL_PATH_ESCAPES', 7]]],
    ['img/../../../x.md', [['MDL_PATH_ESCAPES', 7]]],
    ['%2e%2e/%2e%2e/x.md', [['MDL_PATH_ESCAPES', 7]]],
    ['%2Fetc%2Fpasswd', [['MDL_PATH_ESCAPES', 7]]],
  ])('%j -> %j', (url, expected) => {
    expect(check(url)).toEqual(expected);
  });

  it('quotes a hostile link without its control characters', () => {
    const [p] = checkLinks('README.md', [{ url: 'x\u001b[2J.md', line: 1 }], files, 'lib');
    expect(p?.message).not.toMatch(CONTROL_CHARS_RE);
  });
});

describe('TOML locations and content', () => {
  const manifest = '[library]\nname = "@acme/x-lib"\nversion = "1.0.0"\ndescription = "d"\nlicense = "MIT"\nauthors = [\n  "a",\n]\n\n[dependencies]\n"@acme/other" = "^1.0.0"\n';

  it('lineOfKey finds table keys, quoted keys, array items (by their key) and tables', () => {
    expect(lineOfKey(manifest, ['library', 'license'])).toBe(5);
    expect(lineOfKey(manifest, ['library', 'authors', 0])).toBe(6);
    expect(lineOfKey(manifest, ['dependencies', '@acme/other'])).toBe(11);
    expect(lineOfKey(manifest, ['dependencies'])).toBe(10);
    expect(lineOfKey(manifest, ['library', 'homepage'])).toBeUndefined();
    // a key of the same name in another table is not it
    expect(lineOfKey(manifest, ['dependencies', 'name'])).toBeUndefined();
  });

  it('reports each unknown manifest key on its own line', () => {
    const text = `${manifest.replace('license = "MIT"\n', 'license = "MIT"\nhomepag = "x"\nlicence = "MIT"\n')}`;
    const { problems } = parseManifest(text, 'm.toml');
    expect(problems.map((p) => [p.code, p.field, p.line, p.message])).toEqual([
      ['MDL_MANIFEST_INVALID', 'library.homepag', 6, 'manifest field library.homepag: Unrecognized key: "homepag"'],
      ['MDL_MANIFEST_INVALID', 'library.licence', 7, 'manifest field library.licence: Unrecognized key: "licence"'],
    ]);
  });

  it('findControlChars reports values and keys at any depth, bidi included', () => {
    expect(findControlChars({ a: 'ok', b: ['x', 'y\u001b'], c: { 'k\u202e': 'v', d: 'e\u2067' } })).toEqual(['b.1', 'c.k\u202e', 'c.d']);
    expect(findControlChars({ a: 'tab\tand\nnewline are fine' })).toEqual([]);
  });

  it('does not let __proto__ keys reach Object.prototype', () => {
    parseManifest(`${manifest}"__proto__" = "^1.0.0"\n[__proto__]\npolluted = "yes"\n`, 'm.toml');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('frontmatter (SEC-2)', () => {
  const fm = (text: string) => parseFrontmatter(text, 'f.md', LIMITS);

  it.each(['js', 'JS', 'javascript', 'JavaScript', 'coffee', 'cson', 'toml', 'json', 'constructor', 'toString', 'hasOwnProperty'])('refuses ---%s frontmatter', (lang) => {
    const r = fm(`---${lang}\n{ "title": "x" }\n---\n# Doc\n`);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'MDL_FRONTMATTER_INVALID', line: 1, message: `frontmatter language "${lang}" is not allowed; use YAML` })]);
    expect(r.data).toEqual({});
  });

  it.each(['', 'yaml', 'yml', 'YAML'])('accepts ---%s frontmatter', (lang) => {
    expect(fm(`---${lang}\ntitle: Hello\n---\n# Doc\n`)).toMatchObject({ data: { title: 'Hello' }, problems: [], lineOffset: 3, content: '# Doc\n' });
  });

  it('maps YAML syntax errors to file lines', () => {
    expect(fm('---\n: bad\n---\n').problems[0]?.line).toBe(2);
    expect(fm('---\ntitle: a\ndescription: b\ntags: [x, y\nmore: z\n---\n').problems[0]?.line).toBe(5);
    expect(fm('---\r\ntitle: a\r\ntags: [x\r\nz: 1\r\n---\r\n').problems[0]?.line).toBe(4);
  });

  it('points shape and control-character problems at the key line', () => {
    expect(fm('---\ndescription: ok\ntags: nope\n---\n').problems[0]).toMatchObject({ code: 'MDL_FRONTMATTER_INVALID', field: 'tags', line: 3 });
    expect(fm('---\ntags: [a]\n"title": "\\e[31mred"\n---\n').problems[0]).toMatchObject({ code: 'MDL_CONTROL_CHARS', field: 'title', line: 3 });
    expect(fm('---\ntags: [ok, "b\\u202ed"]\n---\n').problems[0]).toMatchObject({ code: 'MDL_CONTROL_CHARS', field: 'tags.1', line: 2 });
  });

  it('refuses YAML tags that construct code or objects', () => {
    for (const tag of ['!!js/function "function(){}"', '!!js/regexp /x/', '!!js/undefined ""', '!!python/object:os.system ["id"]']) {
      expect(fm(`---\ntitle: ${tag}\n---\n`).problems[0]?.code).toBe('MDL_FRONTMATTER_INVALID');
    }
  });

  it('does not let __proto__ or merge keys reach Object.prototype', () => {
    const r = fm('---\n__proto__:\n  polluted: yes\nbase: &b {polluted: yes}\nother:\n  <<: *b\ntitle: fine\n---\n');
    expect(r.data.title).toBe('fine');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('countNodes stops counting at the limit, so alias bombs cost bounded work', () => {
    let v: unknown = ['lol'];
    for (let i = 0; i < 30; i++) v = [v, v, v, v, v, v, v, v, v, v]; // 10^30 nodes when expanded
    expect(countNodes(v, 1000)).toBe(1001);
    expect(countNodes({ a: [1, 2], b: 'x' }, 1000)).toBe(5);
  });

  it('an unclosed fence under the size limit is just markdown (no frontmatter, no problem)', () => {
    expect(fm('---\ntitle: x\n# Doc\n')).toMatchObject({ data: {}, problems: [], lineOffset: 0 });
  });
});
