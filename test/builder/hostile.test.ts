/**
 * Hostile input (BUILD-1, SEC-2): every folder under test/fixtures/hostile/ is one broken
 * library (an overlay on a small valid registry) with an expect.json naming the exact
 * problem(s). Each case asserts the build fails with exactly those problems (code, message,
 * file, line, field, a fix) and that the previous build is still served byte for byte.
 * Symlinks, FIFOs, odd file names and over-limit files are generated here, not stored in git.
 */
import { createHash } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build as esbuild } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, CONTROL_CHARS_RE, ERROR_CODES, formatProblem, MdlibsError, type Problem } from '../../index-builder/src/index.js';
import { globEscapes } from '../../index-builder/src/parse/manifest.js';
import { readVersionFolder } from '../../index-builder/src/read/version-folder.js';
import { commitAll, gitInit, writeFiles, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/hostile/', import.meta.url));

/** Small limits so over-limit fixtures stay tiny. */
export const HOSTILE_LIMITS = ['max_file_bytes = 2048', 'max_library_bytes = 8192', 'max_files = 12', 'max_frontmatter_bytes = 512', 'max_frontmatter_nodes = 200'].join('\n');

interface ExpectedProblem {
  code: string;
  /** Exact text, or a regex written as `/.../flags`. */
  message: string;
  file?: string;
  line?: number;
  field?: string;
}
interface CaseExpect extends Partial<ExpectedProblem> {
  /** Set when part of the overlay is made by GENERATORS below; says what. */
  generated?: string;
  problems?: ExpectedProblem[];
}

const version = (root: string, name: string) => join(root, 'libraries/@acme', name, '1.0.0');
const SECRET = 'mdl_s3cr3tT0kenValue';

/** Overlay parts git cannot (or should not) carry, keyed by fixture name. */
const GENERATORS: Record<string, (root: string) => void> = {
  'symlink-file': (root) => {
    mkdirSync(join(version(root, 'linked'), 'docs'), { recursive: true });
    symlinkSync('/etc/passwd', join(version(root, 'linked'), 'docs/passwd.md'));
  },
  'symlink-dir': (root) => {
    mkdirSync(join(version(root, 'linked'), 'docs'), { recursive: true });
    symlinkSync('/etc', join(version(root, 'linked'), 'docs/etc'));
  },
  'symlink-manifest': (root) => {
    // The target is outside the registry and looks like a manifest holding a secret: it must not be read.
    const target = join(tempDir(), 'secret.toml');
    writeFileSync(target, `[library]\nname = "${SECRET}"\nversion = "${SECRET}"\n`);
    symlinkSync(target, join(version(root, 'linked'), '.mdlibs.toml'));
  },
  'symlink-version-folder': (root) => {
    mkdirSync(join(root, 'libraries/@acme/linked'), { recursive: true });
    symlinkSync('../guide/1.0.0', join(root, 'libraries/@acme/linked/1.0.0'));
  },
  'symlink-readme': (root) => symlinkSync('/etc/hostname', join(version(root, 'linked'), 'README.md')),
  'unicode-normalisation-collision': (root) => writeFiles(version(root, 'accents'), { 'docs/caf\u00e9.md': '# Caf\u00e9\n', 'docs/cafe\u0301.md': '# Cafe\u0301\n' }),
  'version-folder-control-chars': (root) => writeLibrary(root, { scope: 'acme', name: 'esc', version: '1.0.0\u001b[2J' }),
  'case-collision': (root) => writeFiles(version(root, 'cased'), { 'docs/Guide.md': '# Guide\n', 'docs/guide.md': '# guide\n' }),
  'control-chars-file-name': (root) => writeFiles(version(root, 'oddnames'), { 'docs/evil\u001b[2J.md': '# Evil\n' }),
  fifo: (root) => {
    mkdirSync(join(version(root, 'piped'), 'docs'), { recursive: true });
    execFileSync('mkfifo', [join(version(root, 'piped'), 'docs/pipe.md')]);
  },
  'manifest-fifo': (root) => execFileSync('mkfifo', [join(version(root, 'mani'), '.mdlibs.toml')]),
  'manifest-too-large': (root) => {
    const head = '[library]\nname = "@acme/mani"\nversion = "1.0.0"\ndescription = "A hostile fixture"\nlicense = "MIT"\n';
    writeFiles(version(root, 'mani'), { '.mdlibs.toml': `${head}${'#'.repeat(3000 - head.length - 1)}\n` });
  },
  'file-too-large': (root) => writeFiles(version(root, 'large'), { 'docs/big.md': `# Big\n${'a'.repeat(2993)}\n` }),
  'library-too-large': (root) => writeFiles(version(root, 'large'), Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`docs/part-${i}.md`, `# Part ${i}\n${'b'.repeat(1990)}\n`]))),
  'libraries-not-a-folder': (root) => {
    rmSync(join(root, 'libraries'), { recursive: true });
    writeFileSync(join(root, 'libraries'), 'not a folder\n');
  },
  'libraries-symlink': (root) => {
    // the same libraries, moved outside the repo and linked back: the link is refused, not followed
    const outside = join(tempDir(), 'libraries');
    cpSync(join(root, 'libraries'), outside, { recursive: true });
    rmSync(join(root, 'libraries'), { recursive: true });
    symlinkSync(outside, join(root, 'libraries'));
  },
  'too-many-files': (root) => writeFiles(version(root, 'many'), Object.fromEntries(Array.from({ length: 14 }, (_, i) => [`docs/doc-${i}.md`, `# Doc ${i}\n`]))),
};

const CASES = readdirSync(FIXTURES).filter((n) => existsSync(join(FIXTURES, n, 'expect.json'))).sort();

function readExpect(name: string): CaseExpect {
  return JSON.parse(readFileSync(join(FIXTURES, name, 'expect.json'), 'utf8')) as CaseExpect;
}

function expectedProblems(e: CaseExpect): ExpectedProblem[] {
  if (e.problems) return e.problems;
  if (!e.code || e.message === undefined) throw new Error('expect.json needs code and message, or problems');
  return [{ code: e.code, message: e.message, file: e.file, line: e.line, field: e.field } as ExpectedProblem];
}

function messageMatcher(m: string): unknown {
  const re = /^\/(.*)\/([a-z]*)$/s.exec(m);
  return re ? expect.stringMatching(new RegExp(re[1] ?? '', re[2])) : m;
}

/** Everything a reader of `out` can see: the link, every served file's hash, the builds folder, link temp files. */
function snapshot(out: string): Record<string, unknown> {
  const real = realpathSync(out);
  const files: Record<string, string> = {};
  const walk = (dir: string, rel: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      // scope shards are symlinked folders (TreeWriter): walk them like folders
      if (e.isDirectory() || (e.isSymbolicLink() && statSync(join(dir, e.name)).isDirectory())) walk(join(dir, e.name), r);
      else files[r] = createHash('sha256').update(readFileSync(join(dir, e.name))).digest('hex');
    }
  };
  walk(real, '');
  return {
    link: readlinkSync(out),
    files,
    builds: readdirSync(join(dirname(out), `.${basename(out)}.builds`)).sort(),
    siblings: readdirSync(dirname(out)).sort(),
  };
}

let base: string;
let out: string;
let priv: string;

beforeAll(async () => {
  base = tempDir('mdlibs-hostile-base-');
  writeRegistry(base, { scopes: { acme: 'public', platform: 'public', secops: 'private' }, limits: HOSTILE_LIMITS });
  writeLibrary(base, { scope: 'acme', name: 'guide', version: '1.0.0' });
  writeLibrary(base, { scope: 'acme', name: 'paypal', version: '1.0.0' });
  writeLibrary(base, { scope: 'secops', name: 'vault', version: '1.0.0' });
  out = join(tempDir('mdlibs-hostile-out-'), 'out');
  priv = join(tempDir('mdlibs-hostile-priv-'), 'priv');
  await buildRegistry({ registryDir: base, outDir: out, privateOutDir: priv });
});

/** Copies the base registry, applies the fixture overlay, and runs the build. Returns the thrown error. */
async function runCase(name: string): Promise<{ error: unknown; root: string }> {
  const root = tempDir('mdlibs-hostile-case-');
  cpSync(base, root, { recursive: true });
  const dir = join(FIXTURES, name);
  cpSync(dir, root, { recursive: true, filter: (src) => src !== join(dir, 'expect.json') });
  GENERATORS[name]?.(root);
  const before = [snapshot(out), snapshot(priv)];
  const error = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv }).then(() => null, (e: unknown) => e);
  expect([snapshot(out), snapshot(priv)], 'the previous build must still be served, unchanged').toEqual(before);
  return { error, root };
}

function assertProblems(error: unknown, expected: ExpectedProblem[]): Problem[] {
  expect(error).toBeInstanceOf(MdlibsError);
  const e = error as MdlibsError;
  expect(e.code).toBe('MDL_VALIDATION_FAILED');
  const actual = e.problems.map((p) => ({ code: p.code, message: p.message, file: p.file, line: p.line, field: p.field }));
  expect(actual).toEqual(expected.map((x) => ({ code: x.code, message: messageMatcher(x.message), file: x.file, line: x.line, field: x.field })));
  expect(e.message).toBe(`the registry has ${expected.length} problem${expected.length === 1 ? '' : 's'}; nothing was written`);
  for (const p of e.problems) {
    expect(p.hint.trim().length, `${p.code} needs a fix`).toBeGreaterThan(10);
    const printed = formatProblem(p);
    expect(printed, 'printed problems carry no terminal control characters').not.toMatch(CONTROL_CHARS_RE);
    if (p.line) expect(printed).toMatch(new RegExp(`^[^\\n]*:${p.line}[: ]`));
    expect(printed).toContain(`fix: ${p.hint}`);
  }
  return [...e.problems];
}

describe('hostile fixtures', () => {
  it('has at least 20 cases, each with a valid expect.json and a generator only where it says so', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(20);
    for (const name of CASES) {
      const e = readExpect(name);
      for (const p of expectedProblems(e)) expect(Object.keys(ERROR_CODES), `${name}: unknown code`).toContain(p.code);
      expect(Boolean(e.generated), `${name}: "generated" in expect.json iff a generator exists`).toBe(name in GENERATORS);
    }
    for (const g of Object.keys(GENERATORS)) expect(CASES).toContain(g);
  });

  it('the base registry alone builds (so each failure comes from its overlay)', async () => {
    const root = tempDir('mdlibs-hostile-case-');
    cpSync(base, root, { recursive: true });
    const o = join(tempDir(), 'out');
    const r = await buildRegistry({ registryDir: root, outDir: o, privateOutDir: join(tempDir(), 'priv') });
    expect(r.versions).toBe(3);
    expect(readdirSync(join(o, 'index/@acme')).sort()).toContain('paypal.json');
  });

  it.each(CASES)('%s: fails with its exact problems and writes nothing', async (name) => {
    const { error } = await runCase(name);
    assertProblems(error, expectedProblems(readExpect(name)));
  });
});

describe('hostile specifics', () => {
  it('never reads a symlinked manifest: its target does not reach any message', async () => {
    const { error } = await runCase('symlink-manifest');
    expect(JSON.stringify((error as MdlibsError).problems)).not.toContain(SECRET);
  });

  it('never reads outside the version folder, whatever include glob reaches the reader', () => {
    const root = tempDir('mdlibs-hostile-read-');
    writeFiles(root, { 'lib/1.0.0/README.md': '# hi\n', 'lib/secret.txt': SECRET, 'secret2.txt': SECRET });
    const globs = ['..{,}/secret.txt', '{.,.}./..{,}/secret2.txt', '{README.md,..}/secret.txt', `{${join(root, 'secret2.txt')},README.md}`];
    for (const g of globs) expect(globEscapes(g), g).toBe(true);
    for (const g of ['docs/**', '**/*.md', 'docs/{a,b}/*.md', 'a..b.md']) expect(globEscapes(g), g).toBe(false);
    // bypass the manifest check: the reader itself must refuse what such globs match
    const r = readVersionFolder(join(root, 'lib/1.0.0'), 'lib/1.0.0', { include: globs, exclude: [] }, { maxFileBytes: 1e6, maxLibraryBytes: 1e7, maxFiles: 100 });
    expect(r.files.map((f) => f.path)).toEqual(['README.md']);
    expect(r.problems).toEqual([expect.objectContaining({ code: 'MDL_PATH_ESCAPES', file: 'lib/1.0.0/.mdlibs.toml', field: 'library.include' })]);
    expect(JSON.stringify(r)).not.toContain(SECRET);
    // a glob through a file is no crash (fast-glob would throw ENOTDIR)
    const r2 = readVersionFolder(join(root, 'lib/1.0.0'), 'lib/1.0.0', { include: ['README.md/x'] }, { maxFileBytes: 1e6, maxLibraryBytes: 1e7, maxFiles: 100 });
    expect(r2).toEqual({ files: [expect.objectContaining({ path: 'README.md' })], problems: [] });
  });

  it('---js frontmatter is refused without running it (gray-matter would eval it)', async () => {
    const g = globalThis as { __mdlibsHostileJs?: string };
    const canary = join(tempDir(), 'canary');
    process.env.MDLIBS_HOSTILE_CANARY = canary;
    try {
      for (const name of ['frontmatter-js', 'frontmatter-javascript-mixed-case']) {
        const { error } = await runCase(name);
        assertProblems(error, expectedProblems(readExpect(name)));
        expect(g.__mdlibsHostileJs).toBeUndefined();
        expect(existsSync(canary)).toBe(false);
      }
      // Control: the same bytes through gray-matter's defaults do run, so the canary can fire.
      const { default: matter } = await import('gray-matter');
      const text = readFileSync(join(FIXTURES, 'frontmatter-js/libraries/@acme/evaljs/1.0.0/docs/guide.md'), 'utf8');
      expect(matter(text, { language: 'yaml' }).data).toEqual({ title: 'js payload' });
      expect(g.__mdlibsHostileJs).toBe('ran');
      expect(readFileSync(canary, 'utf8')).toBe('pwned');
    } finally {
      delete process.env.MDLIBS_HOSTILE_CANARY;
      delete g.__mdlibsHostileJs;
    }
  });

  it('refuses to replace an output path it did not write (a folder of someone else\'s files, a file), touching nothing', async () => {
    const folder = join(tempDir(), 'site');
    writeFiles(folder, { 'index.html': '<h1>someone else</h1>', 'data/keep.json': '{}' });
    const e1 = await buildRegistry({ registryDir: base, outDir: folder }).then(() => null, (e: unknown) => e);
    expect(e1).toMatchObject({ code: 'MDL_OUTPUT_NOT_MANAGED', hint: expect.stringMatching(/\S/) });
    expect(readdirSync(folder).sort()).toEqual(['data', 'index.html']);
    expect(existsSync(join(dirname(folder), '.site.builds'))).toBe(false);
    const file = join(tempDir(), 'out.txt');
    writeFileSync(file, 'not a tree');
    const e2 = await buildRegistry({ registryDir: base, outDir: file }).then(() => null, (e: unknown) => e);
    expect(e2).toMatchObject({ code: 'MDL_OUTPUT_NOT_MANAGED' });
    expect(readFileSync(file, 'utf8')).toBe('not a tree');
  });

  it('collects the problems of several broken libraries in one run', async () => {
    const root = tempDir('mdlibs-hostile-case-');
    cpSync(base, root, { recursive: true });
    for (const name of ['license-invalid', 'link-broken', 'name-reserved']) cpSync(join(FIXTURES, name), root, { recursive: true, filter: (s) => basename(s) !== 'expect.json' });
    const before = snapshot(out);
    const error = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv }).then(() => null, (e: unknown) => e);
    expect(snapshot(out)).toEqual(before);
    const codes = (error as MdlibsError).problems.map((p) => p.code).sort();
    expect(codes).toEqual(['MDL_LICENSE_INVALID', 'MDL_LINK_BROKEN', 'MDL_NAME_RESERVED']);
  });
});

describe('hostile input committed to a Git registry', () => {
  it('is refused the same way when committed (symlink, malformed manifest): Git tree ids give no bypass', async () => {
    const root = tempDir('mdlibs-hostile-git-');
    cpSync(base, root, { recursive: true });
    gitInit(root);
    commitAll(root, 'base');
    const o = join(tempDir(), 'out');
    const p = join(tempDir(), 'priv');
    await buildRegistry({ registryDir: root, outDir: o, privateOutDir: p });
    for (const name of ['symlink-file', 'manifest-malformed']) {
      cpSync(join(FIXTURES, name), root, { recursive: true, filter: (src) => src !== join(FIXTURES, name, 'expect.json') });
      GENERATORS[name]?.(root);
    }
    commitAll(root, 'hostile');
    const before = [snapshot(o), snapshot(p)];
    const error = await buildRegistry({ registryDir: root, outDir: o, privateOutDir: p }).then(() => null, (e: unknown) => e);
    assertProblems(error, [...expectedProblems(readExpect('manifest-malformed')), ...expectedProblems(readExpect('symlink-file'))]);
    expect([snapshot(o), snapshot(p)]).toEqual(before);
  });
});

describe('mdlibs-build CLI on hostile input', () => {
  let bin: string;
  beforeAll(async () => {
    // The bin, bundled from source (dist/ may be stale while others edit): same code the package ships.
    bin = join(tempDir(), 'mdlibs-build.mjs');
    await esbuild({
      entryPoints: [fileURLToPath(new URL('../../index-builder/src/bin.ts', import.meta.url))], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: bin, logLevel: 'error',
      banner: { js: "import { createRequire as __mdlibsRequire } from 'node:module'; const require = __mdlibsRequire(import.meta.url);" },
    });
  });

  function overlay(names: string[]): string {
    const root = tempDir('mdlibs-hostile-cli-');
    cpSync(base, root, { recursive: true });
    for (const name of names) {
      cpSync(join(FIXTURES, name), root, { recursive: true, filter: (s) => s !== join(FIXTURES, name, 'expect.json') });
      GENERATORS[name]?.(root);
    }
    return root;
  }
  const run = (root: string, ...flags: string[]) => spawnSync(process.execPath, [bin, root, '--out', out, '--private-out', priv, '--no-site', '--no-progress', ...flags], { encoding: 'utf8', timeout: 60_000 });

  it('exits 1 and prints each problem as file:line (field): CODE message, then its fix; the served tree is untouched', () => {
    const root = overlay(['license-invalid', 'link-broken']);
    const before = [snapshot(out), snapshot(priv)];
    const r = run(root);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(
      'libraries/@acme/licensed/1.0.0/.mdlibs.toml:5 (library.license): MDL_LICENSE_INVALID library.license "MIT-ish or whatever" is not an SPDX identifier or expression\n'
      + '  fix: use an id from https://spdx.org/licenses/ such as CC-BY-4.0, MIT or Apache-2.0, or LicenseRef-<name>\n',
    );
    expect(r.stderr).toContain('libraries/@acme/linky/1.0.0/docs/guide.md:3: MDL_LINK_BROKEN link "setup.md" points to docs/setup.md, which is not in the library\n  fix: ');
    expect(r.stderr).toContain('error MDL_VALIDATION_FAILED: the registry has 2 problems; nothing was written\n');
    expect([snapshot(out), snapshot(priv)]).toEqual(before);
  });

  it('--json prints the problems with code, file, line, field and hint', () => {
    const r = run(overlay(['dependency-missing']), '--json');
    expect(r.status).toBe(1);
    const body = JSON.parse(r.stdout) as { error: { code: string; problems: Problem[] } };
    expect(body.error.code).toBe('MDL_VALIDATION_FAILED');
    expect(body.error.problems).toEqual([expect.objectContaining({ code: 'MDL_DEPENDENCY_MISSING', file: 'libraries/@acme/deps/1.0.0/.mdlibs.toml', line: 9, field: 'dependencies.@acme/nowhere', hint: expect.stringContaining('publish @acme/nowhere') })]);
  });

  it('never prints terminal control characters from hostile metadata or file names', () => {
    const r = run(overlay(['control-chars-manifest', 'control-chars-file-name', 'manifest-control-char-key']));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('MDL_CONTROL_CHARS');
    expect(r.stderr).toContain('MDL_LAYOUT_INVALID');
    expect(r.stderr).toContain('MDL_MANIFEST_INVALID');
    expect(r.stderr).not.toMatch(CONTROL_CHARS_RE);
  });
});
