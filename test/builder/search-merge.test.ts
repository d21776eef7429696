/**
 * The prebuilt search index in canonical form, updated per library (search/merge-index.ts): the
 * index a build reaches by updating the previous one is byte for byte the index a fresh build of
 * the same documents writes, on this thread and on the worker; it searches like MiniSearch's own
 * index; and a previous index that is not canonical is refused rather than merged.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build as esbuild } from 'esbuild';
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { buildRegistry, buildSearchIndex, buildSearchIndexAsync, loadSearchIndex, SEARCH_OPTIONS, type SearchDoc, type SiteEmitter } from '../../index-builder/src/index.js';
import { canonicalText, updateSearchIndex, updateSearchIndexAsync } from '../../index-builder/src/emit/search-index.js';
import { mergeSearchIndexes } from '../../index-builder/src/search/merge-index.js';
import type { MiniSearchJson } from '../../index-builder/src/search/compact-index.js';
import { PATHS } from '../../index-builder/src/format/paths.js';
import { browserSearchFiles } from '../../index-builder/src/site/search-shards.js';
import { commitAll, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { rng } from '../helpers/rng.js';

const WORDS = ['incident', 'runbook', 'style', 'guide', 'api', 'reference', 'deploy', 'pipeline', 'postmortem', 'prompt', 'agent', 'template', 'adr', 'decision', 'écrire', 'naïve', 'setup', 'usage', 'security', 'review'];

function makeDoc(r: () => number, id: string, rev: number): SearchDoc {
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)] as string).join(' ');
  const scope = id.slice(1, id.indexOf('/'));
  return { id, name: id, scope, description: `${words(4)} ${rev}`, tags: words(Math.floor(r() * 3)), titles: words(1 + Math.floor(r() * 5)), headings: r() < 0.1 ? '' : words(Math.floor(r() * 9)), latest: `1.${rev}.0` };
}

const ms = (docs: readonly SearchDoc[]) => {
  const m = new MiniSearch<SearchDoc>({ fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields] });
  m.addAll([...docs].sort((a, b) => (a.id < b.id ? -1 : 1)));
  return m;
};

describe('canonical search index', () => {
  it('is MiniSearch\'s own index with its terms sorted: same documents, lengths, averages (bit for bit) and results', () => {
    const r = rng(7);
    const docs = Array.from({ length: 300 }, (_, i) => makeDoc(r, `@s${i % 5}/lib-${String(i).padStart(3, '0')}`, i % 4));
    const own = ms(docs).toJSON() as unknown as MiniSearchJson;
    const canonical = JSON.parse(buildSearchIndex(docs)) as MiniSearchJson;
    expect(canonical.documentIds).toEqual(own.documentIds);
    expect(canonical.fieldLength).toEqual(own.fieldLength);
    expect(canonical.averageFieldLength).toEqual(own.averageFieldLength);
    expect(canonical.storedFields).toEqual(own.storedFields);
    expect(canonical.index.map(([t]) => t)).toEqual(own.index.map(([t]) => t).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
    expect(new Map(canonical.index)).toEqual(new Map(own.index));
    const a = loadSearchIndex(buildSearchIndex(docs));
    const b = ms(docs);
    for (const q of ['incident', 'guide api', 'deplo', 'postmortme', 'naive', 'écrire']) {
      expect(a.search(q).map((x) => [x.id, x.score]), q).toEqual(b.search(q, SEARCH_OPTIONS.searchOptions).map((x) => [x.id, x.score]));
    }
  });

  it('is written term by term byte for byte as the stringified merge of toJSON(), for any terms, and leaves the index whole', () => {
    const r = rng(23);
    const odd = ['日本語 ドキュメント', '𝒳 𝒴 astral', 'ｆｕｌｌ width', 'Ärger über', 'z', '"quoted" \\back\\slash', 'emoji 🙂 text', 'tab\tand\nnewline'];
    const docs = Array.from({ length: 400 }, (_, i) => {
      const d = makeDoc(r, `@s${i % 7}/lib-${String(i).padStart(3, '0')}`, i % 3);
      return i % 5 === 0 ? { ...d, titles: `${d.titles} ${odd[i % odd.length] as string}`, headings: '' } : d;
    });
    const m = ms(docs);
    const reference = JSON.stringify(mergeSearchIndexes(null, [], m.toJSON() as unknown as MiniSearchJson));
    expect(canonicalText(m)).toBe(reference);
    expect(buildSearchIndex(docs)).toBe(reference);
    expect(JSON.stringify(m.toJSON())).toBe(JSON.stringify(ms(docs).toJSON())); // the postings were put back
    expect(m.search('ドキュメント').length).toBeGreaterThan(0);
  });

  it('updated through random changes (added, removed, changed, first, middle, last) equals a fresh build byte for byte at every step', () => {
    for (const seed of [1, 2, 3]) {
      const r = rng(seed);
      const current = new Map<string, SearchDoc>();
      let serial = 0;
      const newId = () => `@s${Math.floor(r() * 4)}/lib-${(serial++ * 7919 % 1000).toString().padStart(3, '0')}-${seed}`;
      for (let i = 0; i < 60; i++) {
        const id = newId();
        current.set(id, makeDoc(r, id, 0));
      }
      const dir = tempDir('mdlibs-merge-');
      const file = join(dir, 'index.json');
      writeFileSync(file, buildSearchIndex([...current.values()]));
      for (let step = 0; step < 25; step++) {
        const drop: string[] = [];
        const add: SearchDoc[] = [];
        const ids = [...current.keys()].sort();
        const changes = 1 + Math.floor(r() * 4);
        for (let c = 0; c < changes; c++) {
          const kind = r();
          if (kind < 0.35 || current.size < 5) {
            const id = r() < 0.3 ? `@a/${serial++}-first` : r() < 0.5 ? `@zz/${serial++}-last` : newId();
            const d = makeDoc(r, id, step);
            current.set(id, d);
            add.push(d);
          } else if (kind < 0.6) {
            const id = ids[Math.floor(r() * ids.length)] as string;
            if (!current.has(id) || drop.includes(id)) continue;
            current.delete(id);
            drop.push(id);
          } else {
            const id = ids[Math.floor(r() * ids.length)] as string;
            if (!current.has(id) || drop.includes(id)) continue;
            const d = makeDoc(r, id, step + 1);
            current.set(id, d);
            drop.push(id);
            add.push(d);
          }
        }
        const updated = updateSearchIndex({ previousFile: file, drop, add });
        expect(updated, `seed ${seed} step ${step}`).toBe(buildSearchIndex([...current.values()]));
        writeFileSync(file, updated);
      }
    }
  });

  it('gives the same bytes on the worker as on this thread, built or updated', async () => {
    const r = rng(11);
    const docs = Array.from({ length: 1200 }, (_, i) => makeDoc(r, `@s${i % 9}/lib-${i}`, 0));
    const made = await buildSearchIndexAsync(docs, 1000);
    const built = typeof made === 'string' ? made : made.text;
    expect(typeof made).toBe('object'); // on the worker, with compressed copies
    expect(built).toBe(buildSearchIndex(docs));
    const file = join(tempDir('mdlibs-merge-w-'), 'index.json');
    writeFileSync(file, built);
    const changed = makeDoc(r, '@s3/lib-3', 5);
    const fresh = makeDoc(r, '@s0/aaa-new', 1);
    const update = { previousFile: file, drop: ['@s3/lib-3', '@s1/lib-10'], add: [changed, fresh] };
    const next = docs.filter((d) => d.id !== '@s3/lib-3' && d.id !== '@s1/lib-10').concat([changed, fresh]);
    const updatedOnWorker = await updateSearchIndexAsync(update, docs.length, 1000);
    const onWorker = typeof updatedOnWorker === 'string' ? updatedOnWorker : updatedOnWorker.text;
    expect(typeof updatedOnWorker).toBe('object');
    expect(onWorker).toBe(updateSearchIndex(update));
    expect(onWorker).toBe(buildSearchIndex(next));

    // a previous index the worker cannot merge: the promise rejects (the builder then builds afresh)
    const bad = JSON.parse(built) as MiniSearchJson;
    bad.index.reverse();
    writeFileSync(file, JSON.stringify(bad));
    await expect(updateSearchIndexAsync(update, docs.length, 1000)).rejects.toThrow(/not sorted/);
  });

  it('makes the site\'s search files on the worker from the updated index, as the site would make them, or says it could not', async () => {
    const r = rng(12);
    const docs = Array.from({ length: 1100 }, (_, i) => makeDoc(r, `@s${i % 7}/lib-${i}`, 0));
    const dir = tempDir('mdlibs-merge-f-');
    const file = join(dir, 'index.json');
    writeFileSync(file, buildSearchIndex(docs));
    // the worker loads an ES module: the site's source bundled, as dist/ has it compiled
    const bundle = join(dir, 'search-shards.mjs');
    await esbuild({ entryPoints: [join(import.meta.dirname, '../../index-builder/src/site/search-shards.ts')], bundle: true, format: 'esm', platform: 'node', outfile: bundle, logLevel: 'silent' });
    const update = { previousFile: file, drop: ['@s2/lib-2'], add: [makeDoc(r, '@s2/lib-2', 3)] };
    const made = await updateSearchIndexAsync(update, docs.length, 1000, null, { module: pathToFileURL(bundle).href, name: 'browserSearchFiles' });
    if (typeof made === 'string') throw new Error('expected the update to run on the worker');
    expect(made.text).toBe(updateSearchIndex(update));
    const files = await made.derived;
    const expected = browserSearchFiles(made.text);
    expect(files?.map((f) => f.rel)).toEqual(expected.map((f) => f.rel));
    expect(files).toEqual(expected);
    for (const f of files ?? []) expect(f.sha256, f.rel).toBe(createHash('sha256').update(f.text).digest('hex'));
    // no such export: the index is made all the same, and `derived` rejects (the site then makes its files itself)
    const without = await updateSearchIndexAsync(update, docs.length, 1000, null, { module: pathToFileURL(bundle).href, name: 'nothing' });
    if (typeof without === 'string') throw new Error('expected the update to run on the worker');
    expect(without.text).toBe(made.text);
    await expect(without.derived).rejects.toThrow(/could not make the site's search files/);
    // none asked for: none made
    const plain = await updateSearchIndexAsync(update, docs.length, 1000);
    expect(typeof plain === 'string' ? 'string' : plain.derived).toBeNull();
  });

  it('refuses a previous index that is not canonical (terms or ids out of order) or a document both kept and added', () => {
    const r = rng(5);
    const docs = Array.from({ length: 20 }, (_, i) => makeDoc(r, `@s/lib-${String(i).padStart(2, '0')}`, 0));
    const canonical = JSON.parse(buildSearchIndex(docs)) as MiniSearchJson;
    const own = ms(docs).toJSON() as unknown as MiniSearchJson;
    const small = ms([makeDoc(r, '@s/new', 0)]).toJSON() as unknown as MiniSearchJson;
    const sortedTerms = own.index.map(([t]) => t).join('\n') === canonical.index.map(([t]) => t).join('\n');
    if (!sortedTerms) expect(() => mergeSearchIndexes(own, [], small)).toThrow(/not sorted/);
    const swapped = { ...canonical, documentIds: { ...canonical.documentIds, 0: canonical.documentIds[1] as string, 1: canonical.documentIds[0] as string } };
    expect(() => mergeSearchIndexes(swapped, [], small)).toThrow(/not in document order/);
    const again = ms([docs[3] as SearchDoc]).toJSON() as unknown as MiniSearchJson;
    expect(() => mergeSearchIndexes(canonical, [], again)).toThrow(/both kept and added/);
  });
});

/** A git registry of six public libraries of @acme, committed, and where its output goes. */
function sixLibraries(): { reg: string; out: string } {
  const reg = tempDir('mdlibs-search-reg-');
  writeRegistry(reg, { scopes: { acme: 'public' } });
  gitInit(reg);
  for (const n of ['guide', 'style', 'tools', 'runbooks', 'prompts', 'adrs']) writeLibrary(reg, { scope: 'acme', name: n, version: '1.0.0' });
  commitAll(reg, 'initial');
  return { reg, out: join(tempDir('mdlibs-search-out-'), 'public') };
}

describe('search index in the builder', () => {
  it('is updated when one library changes, reused when none does, and equals a fresh build of the same registry', async () => {
    const reg = tempDir('mdlibs-search-reg-');
    writeRegistry(reg, { scopes: { acme: 'public', beta: 'public' } });
    gitInit(reg);
    for (const n of ['guide', 'style', 'tools', 'runbooks', 'prompts', 'adrs']) writeLibrary(reg, { scope: 'acme', name: n, version: '1.0.0' });
    for (const n of ['alpha', 'omega', 'delta', 'gamma']) writeLibrary(reg, { scope: 'beta', name: n, version: '1.0.0' });
    commitAll(reg, 'initial');
    const out = join(tempDir('mdlibs-search-out-'), 'public');
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'built' });
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'reused' });

    writeLibrary(reg, { scope: 'beta', name: 'alpha', version: '1.1.0', description: 'Alpha, now about incident reviews' });
    writeLibrary(reg, { scope: 'acme', name: 'aardvark', version: '0.1.0' });
    commitAll(reg, 'alpha 1.1.0, new aardvark');
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'updated' });
    const updated = readFileSync(join(out, PATHS.searchIndex), 'utf8');
    expect(loadSearchIndex(updated).search('incident reviews')[0]?.id).toBe('@beta/alpha');

    const freshOut = join(tempDir('mdlibs-search-fresh-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: freshOut });
    expect(updated).toBe(readFileSync(join(freshOut, PATHS.searchIndex), 'utf8'));
  });

  it('is written before the site is called when made on this thread (all documents, or linked), and left to the site to wait for when updated', async () => {
    const { reg, out } = sixLibraries();
    const seen: { ready: boolean; there: boolean; after: boolean }[] = [];
    const site: SiteEmitter = async (input) => {
      const there = existsSync(join(input.writer.root, PATHS.searchIndex));
      await input.searchIndex();
      seen.push({ ready: input.searchIndexReady, there, after: existsSync(join(input.writer.root, PATHS.searchIndex)) });
    };
    expect((await buildRegistry({ registryDir: reg, outDir: out, site })).searchIndex).toEqual({ public: 'built' });
    expect((await buildRegistry({ registryDir: reg, outDir: out, site })).searchIndex).toEqual({ public: 'reused' });
    writeLibrary(reg, { scope: 'acme', name: 'guide', version: '1.1.0', description: 'Guide, now about incident reviews' });
    commitAll(reg, 'guide 1.1.0');
    expect((await buildRegistry({ registryDir: reg, outDir: out, site })).searchIndex).toEqual({ public: 'updated' });
    expect(seen).toEqual([{ ready: true, there: true, after: true }, { ready: true, there: true, after: true }, { ready: false, there: false, after: true }]);
  });

  it('updates the document of a library whose meta.toml alone changed (its latest version yanked), keeps the other documents\' hashes, and equals a fresh build', async () => {
    const reg = tempDir('mdlibs-search-reg3-');
    writeRegistry(reg, { scopes: { acme: 'public' } });
    gitInit(reg);
    for (const n of ['guide', 'style', 'tools', 'runbooks', 'prompts']) writeLibrary(reg, { scope: 'acme', name: n, version: '1.0.0' });
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0', description: 'Style, now about incident reviews' });
    commitAll(reg, 'initial');
    const out = join(tempDir('mdlibs-search-out3-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: out });
    const record = () => JSON.parse(readFileSync(join(out, 'build-record.json'), 'utf8')) as { searchDocs: Record<string, string> };
    const before = record().searchDocs;

    writeFileSync(join(reg, 'libraries/@acme/style/meta.toml'), '[yanked]\n"1.1.0" = "wrong advice"\n');
    commitAll(reg, 'yank style 1.1.0');
    const r = await buildRegistry({ registryDir: reg, outDir: out });
    expect(r.builtVersions).toEqual([]);
    expect(r.searchIndex).toEqual({ public: 'updated' });
    const after = record().searchDocs;
    expect(after['@acme/style']).not.toBe(before['@acme/style']);
    expect({ ...after, '@acme/style': null }).toEqual({ ...before, '@acme/style': null });
    const index = readFileSync(join(out, PATHS.searchIndex), 'utf8');
    expect(loadSearchIndex(index).search('incident reviews').map((h) => h.id)).not.toContain('@acme/style');

    const freshOut = join(tempDir('mdlibs-search-fresh3-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: freshOut });
    expect(index).toBe(readFileSync(join(freshOut, PATHS.searchIndex), 'utf8'));
    expect(readFileSync(join(out, 'build-record.json'), 'utf8')).toBe(readFileSync(join(freshOut, 'build-record.json'), 'utf8'));
  });

  it('builds afresh when the previous index cannot be merged (not canonical), and the result is still the fresh one', async () => {
    const { reg, out } = sixLibraries();
    await buildRegistry({ registryDir: reg, outDir: out });
    // the previous index rewritten with its terms reversed: valid MiniSearch JSON, not canonical
    const file = join(out, PATHS.searchIndex);
    const previous = JSON.parse(readFileSync(file, 'utf8')) as MiniSearchJson;
    previous.index.reverse();
    writeFileSync(file, JSON.stringify(previous));
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0' });
    commitAll(reg, 'style 1.1.0');
    const r = await buildRegistry({ registryDir: reg, outDir: out });
    expect(r.searchIndex).toEqual({ public: 'built' });
    const freshOut = join(tempDir('mdlibs-search-fresh2-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: freshOut });
    expect(readFileSync(join(out, PATHS.searchIndex), 'utf8')).toBe(readFileSync(join(freshOut, PATHS.searchIndex), 'utf8'));
  });
});
