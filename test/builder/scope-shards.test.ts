/**
 * BUILD-3 at scale: `index/@scope`, `tarballs/@scope` and `libraries/@scope` are shards, folders
 * of their own linked into each build by one symlink. A rebuild takes over every shard nothing
 * changed in (the same folder), makes a new one for a changed scope (unchanged files in it hard
 * links of the previous ones), and drops shards no kept build links to any more. The tree read
 * through the links is the one a fresh build makes. Large files' compressed copies are made on
 * the thread pool and written before the swap.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { brotliCompressSync, brotliDecompressSync, constants, gzipSync } from 'node:zlib';
import { dirname, join, resolve } from 'node:path';
import fg from 'fast-glob';
import { describe, expect, it } from 'vitest';
import { buildRegistry, buildSearchIndex, buildSearchIndexAsync, loadSiteEmitter } from '../../index-builder/src/index.js';
import { KEEP_OLD_BUILDS, pruneOldBuilds } from '../../index-builder/src/output/managed-dir.js';
import { BULK_FILE_BYTES, compressionOptions, LARGE_FILE_BYTES, TreeWriter } from '../../index-builder/src/emit/tree-writer.js';
import { commitAll, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { snapshot, TIME_DEPENDENT } from '../helpers/trees.js';

/** Where a shard link of the served tree points (absolute), or null when it is not a link. */
function shardTarget(out: string, key: string): string | null {
  const at = join(realpathSync(out), key);
  return lstatSync(at).isSymbolicLink() ? resolve(dirname(at), readlinkSync(at)) : null;
}

function registry(): string {
  const root = tempDir('mdlibs-shards-');
  writeRegistry(root, { scopes: { acme: 'public', beta: 'public' } });
  gitInit(root);
  for (const n of ['guide', 'style', 'tools']) writeLibrary(root, { scope: 'acme', name: n, version: '1.0.0' });
  for (const n of ['alpha', 'omega']) writeLibrary(root, { scope: 'beta', name: n, version: '1.0.0' });
  commitAll(root, 'initial');
  return root;
}

const KEYS = ['index/@acme', 'tarballs/@acme', 'libraries/@acme', 'index/@beta', 'tarballs/@beta', 'libraries/@beta'];

/** The test registry built once with the site: where it is, and each shard's link target. */
async function firstSiteBuild() {
  const site = await loadSiteEmitter();
  const reg = registry();
  const out = join(tempDir('mdlibs-shards-out-'), 'public');
  await buildRegistry({ registryDir: reg, outDir: out, site });
  return { site, reg, out, targets: Object.fromEntries(KEYS.map((k) => [k, shardTarget(out, k)])) };
}

describe('scope shards', () => {
  it('takes over unchanged scopes by one link, makes a new shard for a changed one, and reads like a fresh build', async () => {
    const { site, reg, out, targets: first } = await firstSiteBuild();
    for (const k of KEYS) expect(first[k], k).toContain(`${join('.public.builds', 'objects')}`);
    const omegaIndex = statSync(join(out, 'index/@beta/omega.json')).ino;

    writeLibrary(reg, { scope: 'beta', name: 'alpha', version: '1.1.0' });
    commitAll(reg, 'alpha 1.1.0');
    const r = await buildRegistry({ registryDir: reg, outDir: out, site });
    expect(r.builtVersions).toEqual(['@beta/alpha@1.1.0']);
    for (const k of ['index/@acme', 'tarballs/@acme', 'libraries/@acme']) expect(shardTarget(out, k), k).toBe(first[k]);
    for (const k of ['index/@beta', 'tarballs/@beta', 'libraries/@beta']) expect(shardTarget(out, k), k).not.toBe(first[k]);
    // the unchanged library of the changed scope: its files are hard links of the previous ones
    expect(statSync(join(out, 'index/@beta/omega.json')).ino).toBe(omegaIndex);
    expect(existsSync(join(out, 'tarballs/@beta/alpha/alpha-1.1.0.tgz'))).toBe(true);

    const fresh = join(tempDir('mdlibs-shards-fresh-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: fresh, site });
    const a = snapshot(out, TIME_DEPENDENT);
    const b = snapshot(fresh, TIME_DEPENDENT);
    expect([...a.keys()]).toEqual([...b.keys()]);
    // the record of reused versions is read back (keys in another order): same content
    expect(JSON.parse(String(a.get('build-record.json')))).toEqual(JSON.parse(String(b.get('build-record.json'))));
    for (const [f, bytes] of a) if (f !== 'build-record.json') expect(bytes.equals(b.get(f) as Buffer), f).toBe(true);
  });

  it('renders a scope anew when its team changes, though its index files and tarballs are reused', async () => {
    const { site, reg, out, targets: before } = await firstSiteBuild();
    const scopeFile = join(reg, 'scopes/acme.toml');
    writeFileSync(scopeFile, `${readFileSync(scopeFile, 'utf8')}\n[[members]]\nuser = "zoe"\nrole = "member"\n`);
    commitAll(reg, 'zoe joins acme');
    await buildRegistry({ registryDir: reg, outDir: out, site });
    expect(shardTarget(out, 'index/@acme')).toBe(before['index/@acme']);
    expect(shardTarget(out, 'tarballs/@acme')).toBe(before['tarballs/@acme']);
    expect(shardTarget(out, 'libraries/@acme')).not.toBe(before['libraries/@acme']);
    expect(readFileSync(join(out, 'libraries/@acme/index.html'), 'utf8')).toContain('zoe');
    expect(shardTarget(out, 'libraries/@beta')).toBe(before['libraries/@beta']);
  });

  it('drops shards that no kept build links to, and keeps every link of the kept builds whole', async () => {
    const reg = registry();
    const out = join(tempDir('mdlibs-shards-out-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: out });
    const firstBeta = shardTarget(out, 'index/@beta') as string;
    const firstAcme = shardTarget(out, 'index/@acme') as string;
    for (let i = 1; i <= KEEP_OLD_BUILDS + 1; i++) {
      writeLibrary(reg, { scope: 'beta', name: 'alpha', version: `1.${i}.0` });
      commitAll(reg, `alpha 1.${i}.0`);
      await buildRegistry({ registryDir: reg, outDir: out });
      expect(existsSync(firstBeta), `after rebuild ${i}`).toBe(i <= KEEP_OLD_BUILDS);
    }
    expect(shardTarget(out, 'index/@acme')).toBe(firstAcme); // taken over by every build: kept
    const builds = join(dirname(realpathSync(out)));
    for (const f of fg.sync('*/{index,tarballs,libraries}/*', { cwd: builds, onlyFiles: false, followSymbolicLinks: false, ignore: ['objects/**'] })) {
      expect(statSync(join(builds, f)).isDirectory(), f).toBe(true); // no dangling link in any kept build
    }
  });
});

describe('scope shards: what must not be taken over', () => {
  it('never deletes the tree still served when it prunes before the swap, whatever its name sorts like', async () => {
    const buildsDir = tempDir('mdlibs-prune-');
    for (const d of ['a-served', 'b1', 'b2', 'b3', 'staging']) mkdirSync(join(buildsDir, d, 'index'), { recursive: true });
    await pruneOldBuilds({ out: join(buildsDir, 'out'), buildsDir, objectsDir: join(buildsDir, 'objects'), staging: join(buildsDir, 'staging'), previous: join(buildsDir, 'a-served') });
    // old builds: a-served, b1, b2, b3; KEEP_OLD_BUILDS of them stay besides the staging one, the served one always
    expect(readdirSync(buildsDir).sort()).toEqual(['a-served', 'b2', 'b3', 'staging']);
  });

  it('drops a deleted library from its scope, and moves a scope that turned private out of the public tree', async () => {
    const reg = registry();
    const out = join(tempDir('mdlibs-shards-out-'), 'public');
    const priv = join(dirname(out), 'private');
    await buildRegistry({ registryDir: reg, outDir: out, privateOutDir: priv });
    const acme = Object.fromEntries(['index/@acme', 'tarballs/@acme'].map((k) => [k, shardTarget(out, k)]));
    rmSync(join(reg, 'libraries/@beta/omega'), { recursive: true });
    commitAll(reg, 'omega removed');
    await buildRegistry({ registryDir: reg, outDir: out, privateOutDir: priv });
    expect(existsSync(join(out, 'index/@beta/omega.json'))).toBe(false);
    expect(existsSync(join(out, 'tarballs/@beta/omega'))).toBe(false);
    expect(existsSync(join(out, 'index/@beta/alpha.json'))).toBe(true);
    for (const k of Object.keys(acme)) expect(shardTarget(out, k), k).toBe(acme[k]);

    const scopeFile = join(reg, 'scopes/acme.toml');
    writeFileSync(scopeFile, readFileSync(scopeFile, 'utf8').replace('visibility = "public"', 'visibility = "private"'));
    commitAll(reg, 'acme goes private');
    await buildRegistry({ registryDir: reg, outDir: out, privateOutDir: priv });
    for (const top of ['index', 'tarballs', 'libraries']) expect(existsSync(join(out, `${top}/@acme`)), top).toBe(false);
    expect(JSON.stringify([...snapshot(out, TIME_DEPENDENT).keys()])).not.toContain('@acme');
    expect(existsSync(join(priv, 'index/@acme/guide.json'))).toBe(true);
    expect(shardTarget(priv, 'index/@acme')).toContain(join('.private.builds', 'objects'));
  });
});

describe('tag pages', () => {
  it('keeps the pages of tags whose libraries did not change, and renders the others', async () => {
    const site = await loadSiteEmitter();
    const reg = registry();
    const tagged = (version: string, tags: string) => ({ scope: 'acme', name: 'style', version, files: { '.mdlibs.toml': `[library]\nname = "@acme/style"\nversion = "${version}"\ndescription = "Style"\nlicense = "MIT"\ntags = [${tags}]\n` } });
    writeLibrary(reg, tagged('1.1.0', '"style"'));
    commitAll(reg, 'style tags');
    const out = join(tempDir('mdlibs-tags-out-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: out, site });
    const docs = statSync(join(out, 'tags/docs/index.html')).ino;
    const style = statSync(join(out, 'tags/style/index.html')).ino;
    writeLibrary(reg, tagged('1.2.0', '"style", "writing"'));
    commitAll(reg, 'style 1.2.0');
    await buildRegistry({ registryDir: reg, outDir: out, site });
    expect(statSync(join(out, 'tags/docs/index.html')).ino).toBe(docs); // same libraries, same page: linked
    expect(statSync(join(out, 'tags/style/index.html')).ino).not.toBe(style);
    expect(readFileSync(join(out, 'tags/style/index.html'), 'utf8')).toContain('1.2.0');
    expect(readFileSync(join(out, 'tags/writing/index.html'), 'utf8')).toContain('@acme/style');
  });
});

describe('stored listing digests', () => {
  async function tagged() {
    const site = await loadSiteEmitter();
    const reg = registry();
    // @acme/style alone has the tag "style": its pages stay the same when beta/omega changes
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0', files: { '.mdlibs.toml': '[library]\nname = "@acme/style"\nversion = "1.1.0"\ndescription = "Style"\nlicense = "MIT"\ntags = ["style"]\n' } });
    commitAll(reg, 'style tags');
    const out = join(tempDir('mdlibs-digests-out-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: out, site });
    return { site, reg, out, file: join(out, 'assets/listing-digests.json'), tag: 'style' };
  }
  const bump = (reg: string, version: string) => {
    writeLibrary(reg, { scope: 'beta', name: 'omega', version });
    commitAll(reg, `omega ${version}`);
  };

  it('are what the next build compares listings with (not the previous summary), and change when a listing does', async () => {
    const { site, reg, out, file, tag } = await tagged();
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { tags: Record<string, string>; scopes: Record<string, string> };
    expect(Object.keys(stored.scopes).sort()).toEqual(['acme', 'beta']);
    expect(Object.keys(stored.tags).sort()).toEqual(['docs', 'style']);
    const page = `tags/${tag}/index.html`;
    const ino = statSync(join(out, page)).ino;
    // a stored digest that no longer matches makes the tag's pages render anew, though its libraries are the same
    writeFileSync(file, JSON.stringify({ ...stored, tags: { ...stored.tags, [tag]: 'stale' } }));
    bump(reg, '1.1.0');
    await buildRegistry({ registryDir: reg, outDir: out, site });
    expect(statSync(join(out, page)).ino).not.toBe(ino);
    const again = JSON.parse(readFileSync(join(out, 'assets/listing-digests.json'), 'utf8')) as typeof stored;
    expect(again.tags[tag]).toBe(stored.tags[tag]);
    expect(again.scopes.beta).not.toBe(stored.scopes.beta); // omega's entry changed
    expect(again.scopes.acme).toBe(stored.scopes.acme);
  });

  it('take over the partial digests of a scope whose index files did not change, and make those of the other scopes anew', async () => {
    const { site, reg, out, file, tag } = await tagged();
    type Partials = Record<string, { entries: string; tags: Record<string, string> }>;
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { partials: Partials };
    expect(Object.keys(stored.partials).sort()).toEqual(['acme', 'beta']);
    const acme = stored.partials.acme as Partials[string];
    const beta = stored.partials.beta as Partials[string];
    expect(Object.keys(acme.tags).sort()).toEqual(['docs', 'style']);
    const page = `tags/${tag}/index.html`;
    const ino = statSync(join(out, page)).ino;
    writeFileSync(file, JSON.stringify({ ...stored, partials: { acme: { ...acme, tags: { ...acme.tags, [tag]: 'stale' } }, beta: { ...beta, entries: 'stale' } } }));
    bump(reg, '1.1.0'); // @beta changes, @acme does not
    await buildRegistry({ registryDir: reg, outDir: out, site });
    const again = JSON.parse(readFileSync(file, 'utf8')) as { partials: Partials };
    expect(again.partials.acme?.tags[tag]).toBe('stale'); // taken over, its entries not serialized again
    expect(again.partials.beta?.entries).not.toBe('stale'); // made anew
    expect(statSync(join(out, page)).ino).not.toBe(ino); // the tag's digest is made of the partials: its pages were rendered again
  });

  it('fall back to the previous summary when missing or malformed, and the unchanged tag pages are still linked', async () => {
    const { site, reg, out, tag } = await tagged();
    const page = `tags/${tag}/index.html`;
    for (const [i, damage] of [() => rmSync(join(out, 'assets/listing-digests.json')), () => writeFileSync(join(out, 'assets/listing-digests.json'), '{"tags":[1],"scopes":{}}')].entries()) {
      const ino = statSync(join(out, page)).ino;
      damage();
      bump(reg, `1.${i + 1}.0`);
      await buildRegistry({ registryDir: reg, outDir: out, site });
      expect(statSync(join(out, page)).ino, `case ${i}`).toBe(ino);
      expect(existsSync(join(out, 'assets/listing-digests.json')), `case ${i}`).toBe(true);
    }
  });

  it('are not written into a private tree (they would name its scopes outside them)', async () => {
    const site = await loadSiteEmitter();
    const root = tempDir('mdlibs-digests-private-');
    writeRegistry(root, { scopes: { acme: 'public', vault: 'private' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    writeLibrary(root, { scope: 'vault', name: 'keys', version: '1.0.0' });
    const dir = tempDir('mdlibs-digests-private-out-');
    await buildRegistry({ registryDir: root, outDir: join(dir, 'public'), privateOutDir: join(dir, 'private'), site });
    expect(readFileSync(join(dir, 'public/assets/listing-digests.json'), 'utf8')).not.toContain('vault');
    expect(existsSync(join(dir, 'private/assets/listing-digests.json'))).toBe(false);
  });
});

describe('large compressed copies', () => {
  it('are made on the thread pool, written by flush(), and byte-identical to the synchronous ones', async () => {
    const root = tempDir('mdlibs-tw-');
    const w = new TreeWriter(root);
    const text = JSON.stringify(Array.from({ length: 40_000 }, (_, i) => ({ id: i, title: `library ${i % 997}` })));
    expect(text.length).toBeGreaterThan(LARGE_FILE_BYTES);
    w.writeCompressed('search/index.json', text);
    expect(readFileSync(join(root, 'search/index.json'), 'utf8')).toBe(text);
    await w.flush();
    const buf = Buffer.from(text);
    const options = compressionOptions(buf.length);
    expect(options.gzip.level).toBe(5); // large file
    expect(options.brotli.params?.[constants.BROTLI_PARAM_LGWIN]).toBe(21); // 2 MB window at most for a large file
    expect(compressionOptions(3000).brotli.params?.[constants.BROTLI_PARAM_LGWIN]).toBe(12); // the smallest window holding a small one
    // a file over BULK_FILE_BYTES (the search index of a large registry) is compressed faster
    expect([BULK_FILE_BYTES, BULK_FILE_BYTES + 1].map((n) => [compressionOptions(n).gzip.level, compressionOptions(n).brotli.params?.[constants.BROTLI_PARAM_QUALITY]])).toEqual([[5, 5], [4, 4]]);
    expect(readFileSync(join(root, 'search/index.json.gz')).equals(gzipSync(buf, options.gzip))).toBe(true);
    expect(readFileSync(join(root, 'search/index.json.br')).equals(brotliCompressSync(buf, options.brotli))).toBe(true);
    expect(brotliDecompressSync(readFileSync(join(root, 'search/index.json.br'))).toString()).toBe(text);
    expect(w.filesWritten).toBe(3);
  });

  it('writes a file piece by piece in the background by flush(), and flush() rejects when it cannot be written', async () => {
    const root = tempDir('mdlibs-tw-bg-');
    const w = new TreeWriter(root);
    const pieces = Array.from({ length: 2500 }, (_, i) => `"@s/l${i}@1.0.0":{"title":"é ${i}"},`);
    w.writeChunksInBackground('pieces.txt', pieces);
    w.writeChunksInBackground('ascii.txt', ['abc', 'def'], 'latin1');
    await w.flush();
    expect(readFileSync(join(root, 'pieces.txt'), 'utf8')).toBe(pieces.join(''));
    expect(readFileSync(join(root, 'ascii.txt'), 'utf8')).toBe('abcdef');
    expect(w.filesWritten).toBe(2);
    const w2 = new TreeWriter(root);
    mkdirSync(join(root, 'search', 'index.json'), { recursive: true }); // a folder where the file goes
    w2.writeChunksInBackground('search/index.json', ['x']);
    await expect(w2.flush()).rejects.toThrow(/EISDIR/);
  });

  it('flush() rejects when a copy cannot be written', async () => {
    const root = tempDir('mdlibs-tw-');
    const w = new TreeWriter(root);
    w.writeCompressed('search/index.json', 'x'.repeat(LARGE_FILE_BYTES + 1));
    rmSync(join(root, 'search'), { recursive: true });
    await expect(w.flush()).rejects.toThrow(/ENOENT/);
  });
});

describe('search index on a worker', () => {
  it('gives byte for byte the index built on the main thread, with the gzip and brotli copies the tree writer makes', async () => {
    const docs = Array.from({ length: 1500 }, (_, i) => ({
      id: `@s${i % 7}/lib-${i}`, name: `@s${i % 7}/lib-${i}`, scope: `s${i % 7}`, description: `Library ${i} about ${['incidents', 'style', 'apis'][i % 3]}`,
      tags: ['docs', 'ops', 'api'][i % 3] as string, titles: `Guide ${i} · Reference`, headings: `Setup ${i % 11} · Usage`, latest: `1.${i % 5}.0`,
    }));
    const inWorker = await buildSearchIndexAsync(docs, 1000);
    if (typeof inWorker === 'string') throw new Error('expected the worker to make the compressed copies');
    expect(inWorker.text).toBe(buildSearchIndex(docs));
    expect(JSON.parse(inWorker.text).documentCount).toBe(1500);
    const root = tempDir('mdlibs-tw-copies-');
    const w = new TreeWriter(root);
    w.writeCompressed('index.json', inWorker.text);
    await w.flush();
    const { gz, br } = await inWorker.copies;
    expect(Buffer.from(gz).equals(readFileSync(join(root, 'index.json.gz')))).toBe(true);
    expect(Buffer.from(br).equals(readFileSync(join(root, 'index.json.br')))).toBe(true);
    expect(brotliDecompressSync(br).toString()).toBe(inWorker.text);
    expect(await buildSearchIndexAsync(docs.slice(0, 10), 1000)).toBe(buildSearchIndex(docs.slice(0, 10)));
  });
});
