import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry, isMdlibsError, packTarball } from '../../index-builder/src/index.js';
import { TreeWriter } from '../../index-builder/src/emit/tree-writer.js';
import { TarballSpill } from '../../index-builder/src/output/tarball-spill.js';
import { commitAll, gitInit, writeFiles, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

const spills = (out: string) => readdirSync(dirname(out)).filter((n) => n.startsWith(`.${basename(out)}.spill-`));

describe('fresh tarballs between packing and the tree', () => {
  it('keeps each tarball under a name of its own when one is put after another was moved out', () => {
    const out = join(tempDir(), 'out');
    const w = new TreeWriter(tempDir());
    const spill = new TarballSpill(out);
    spill.put('@acme/a@1.0.0', Buffer.from('a'));
    spill.put('@acme/b@1.0.0', Buffer.from('b'));
    expect(spill.moveInto(w, '@acme/a@1.0.0', 'a.tgz')).toBe(true);
    spill.put('@acme/c@1.0.0', Buffer.from('c'));
    expect(spill.moveInto(w, '@acme/b@1.0.0', 'b.tgz')).toBe(true);
    expect(spill.moveInto(w, '@acme/c@1.0.0', 'c.tgz')).toBe(true);
    expect(['a', 'b', 'c'].map((n) => readFileSync(join(w.root, `${n}.tgz`), 'utf8'))).toEqual(['a', 'b', 'c']);
    spill.remove();
  });

  it('wait in a folder beside the output and move into the tree, and the folder goes with what is left in it', () => {
    const out = join(tempDir(), 'out');
    const w = new TreeWriter(tempDir());
    const spill = new TarballSpill(out);
    const bytes = Buffer.from('tarball bytes');
    spill.put('@acme/a@1.0.0', bytes);
    spill.put('@acme/b@1.0.0', Buffer.from('other'));
    const [folder] = spills(out);
    expect(folder).toBeDefined();
    expect(readdirSync(join(dirname(out), folder as string))).toHaveLength(2);
    expect(spill.has('@acme/a@1.0.0')).toBe(true);
    expect(spill.moveInto(w, '@acme/a@1.0.0', 'tarballs/@acme/a/a-1.0.0.tgz')).toBe(true);
    expect(readFileSync(join(w.root, 'tarballs/@acme/a/a-1.0.0.tgz')).equals(bytes)).toBe(true);
    expect(readdirSync(join(dirname(out), folder as string))).toHaveLength(1); // moved, not copied
    expect(spill.moveInto(w, '@acme/a@1.0.0', 'x.tgz')).toBe(false);
    expect(w.bytesWritten).toBe(bytes.length);
    spill.remove(); // with @acme/b still in it
    expect(spills(out)).toEqual([]);
  });

  it('wait on disk when the output\'s parent does not exist yet: the parent is made for them and removed with them when nothing else went in', () => {
    const base = tempDir();
    const out = join(base, 'missing', 'deeper', 'out');
    const spill = new TarballSpill(out);
    spill.put('@acme/a@1.0.0', Buffer.from('on disk'));
    const [folder] = spills(out); // they stayed in memory: a 10,000-library full build peaked ~300 MB higher
    expect(folder).toBeDefined();
    expect(readdirSync(join(dirname(out), folder as string))).toHaveLength(1);
    const w = new TreeWriter(tempDir());
    expect(spill.moveInto(w, '@acme/a@1.0.0', 't/a.tgz')).toBe(true);
    expect(readFileSync(join(w.root, 't/a.tgz'), 'utf8')).toBe('on disk');
    spill.put('@acme/b@1.0.0', Buffer.from('left over'));
    spill.remove();
    expect(readdirSync(base)).toEqual([]); // missing/deeper made for the spill, gone with it

    // a parent that existed before stays, and so does a made one that something else went into
    const kept = new TarballSpill(join(base, 'made', 'out'));
    kept.put('@acme/c@1.0.0', Buffer.from('c'));
    writeFiles(base, { 'made/out/config.json': '{}' });
    kept.remove();
    expect(readdirSync(join(base, 'made'))).toEqual(['out']);
  });

  it('stay in memory when no folder can be made beside the output, and are copied into a tree on another file system', () => {
    const base = tempDir();
    writeFiles(base, { 'file': 'a file where a folder would be' });
    const out = join(base, 'file', 'out');
    const spill = new TarballSpill(out);
    spill.put('@acme/a@1.0.0', Buffer.from('in memory'));
    const w = new TreeWriter(tempDir());
    expect(spill.moveInto(w, '@acme/a@1.0.0', 't/a.tgz')).toBe(true);
    expect(readFileSync(join(w.root, 't/a.tgz'), 'utf8')).toBe('in memory');
    spill.remove();
    expect(readFileSync(join(base, 'file'), 'utf8')).toBe('a file where a folder would be');

    // /dev/shm is a tmpfs here, the temp folders are on disk: rename gives EXDEV, so it copies
    if (!existsSync('/dev/shm')) return;
    const shm = mkdtempSync('/dev/shm/mdlibs-spill-');
    try {
      const other = new TreeWriter(shm);
      const disk = new TarballSpill(join(tempDir(), 'out'));
      disk.put('@acme/b@1.0.0', Buffer.from('across'));
      expect(disk.moveInto(other, '@acme/b@1.0.0', 't/b.tgz')).toBe(true);
      expect(readFileSync(join(shm, 't/b.tgz'), 'utf8')).toBe('across');
      disk.remove();
    } finally {
      rmSync(shm, { recursive: true, force: true });
    }
  });

  it('leave nothing beside the output after a build, failed or not, and the tree holds exactly the packed bytes', async () => {
    const root = tempDir();
    writeRegistry(root);
    gitInit(root);
    for (const name of ['alpha', 'beta']) writeLibrary(root, { scope: 'acme', name, version: '1.0.0' });
    writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.0.0' }); // private, no private output: packed, never emitted
    commitAll(root, 'initial');
    const out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    expect(readdirSync(dirname(out)).sort()).toEqual([`.${basename(out)}.builds`, 'out']);
    const tgz = join(out, 'tarballs/@acme/alpha/alpha-1.0.0.tgz');
    const files = ['.mdlibs.toml', 'README.md', 'docs/guide.md'].map((p) => ({ path: p, bytes: readFileSync(join(root, 'libraries/@acme/alpha/1.0.0', p)) }));
    expect(readFileSync(tgz).equals(packTarball(files).bytes)).toBe(true);
    expect(statSync(tgz).mode & 0o777).toBe(statSync(join(out, 'config.json')).mode & 0o777);

    writeLibrary(root, { scope: 'acme', name: 'gamma', version: '1.0.0' }); // packed before the broken one fails
    writeFiles(root, { 'libraries/@acme/beta/2.0.0/.mdlibs.toml': '[library]\nname = "@acme/beta"\nversion = "2.0.0"\n' }); // no README, no description
    commitAll(root, 'gamma, broken beta');
    const before = readdirSync(dirname(out)).sort();
    const failure = await buildRegistry({ registryDir: root, outDir: out }).then(() => null, (e: unknown) => e);
    expect(isMdlibsError(failure)).toBe(true);
    expect(readdirSync(dirname(out)).sort()).toEqual(before);
    expect(existsSync(join(out, 'tarballs/@acme/gamma'))).toBe(false);

    // the same failed build into an output whose parent does not exist: nothing is left at all
    const elsewhere = tempDir();
    const failed = await buildRegistry({ registryDir: root, outDir: join(elsewhere, 'missing', 'out') }).then(() => null, (e: unknown) => e);
    expect(isMdlibsError(failed)).toBe(true);
    expect(readdirSync(elsewhere)).toEqual([]);
  });
});
