/**
 * The search index worker started with the build (preloadSearchUpdate): it parses the previous
 * index while the registry is read, then updates it exactly as the worker started on demand
 * does (same text, same compressed copies); cancelled, failed or run, it always ends; and a build
 * never leaves one behind, whether it used it, did not need it, or failed. Every Worker made here
 * is tracked until its 'exit' (node:worker_threads wrapped); the build's `updateSearchIndexAsync`
 * can be given a lower `workerFrom` (`forced`), since these registries are far under 1,000.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type * as WorkerThreads from 'node:worker_threads';
import type * as SearchIndex from '../../index-builder/src/emit/search-index.js';
import type { SearchDoc } from '../../index-builder/src/format/protocol.js';
import type { Precompressed } from '../../index-builder/src/emit/tree-writer.js';
import { PATHS } from '../../index-builder/src/format/paths.js';
import { commitAll, gitInit, writeFiles, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { rng } from '../helpers/rng.js';

const tracked = vi.hoisted(() => ({
  workers: [] as { exited: boolean; exit: Promise<number> }[],
  preloads: [] as { file: string; ran: boolean; cancels: number }[],
  forced: { workerFrom: undefined as number | undefined },
  /** Indexes of every document made on the builder's thread (buildSearchIndex). */
  fullIndexes: 0,
}));

vi.mock('node:worker_threads', async (importOriginal) => {
  const real = await importOriginal<typeof WorkerThreads>();
  class Worker extends real.Worker {
    constructor(...args: ConstructorParameters<typeof real.Worker>) {
      super(...args);
      const entry = { exited: false, exit: Promise.resolve(0) };
      entry.exit = new Promise<number>((resolve) => this.once('exit', (code: number) => {
        entry.exited = true;
        resolve(code);
      }));
      tracked.workers.push(entry);
    }
  }
  return { ...real, Worker, default: { ...real, Worker } };
});

vi.mock('../../index-builder/src/emit/search-index.js', async (importOriginal) => {
  const real = await importOriginal<typeof SearchIndex>();
  return {
    ...real,
    buildSearchIndex: (...args: Parameters<typeof real.buildSearchIndex>) => {
      tracked.fullIndexes++;
      return real.buildSearchIndex(...args);
    },
    updateSearchIndexAsync: (...[update, size, workerFrom, preload]: Parameters<typeof real.updateSearchIndexAsync>) => real.updateSearchIndexAsync(update, size, tracked.forced.workerFrom ?? workerFrom, preload),
    preloadSearchUpdate: (file: string): SearchIndex.SearchUpdatePreload | null => {
      const p = real.preloadSearchUpdate(file);
      if (!p) return null;
      const entry = { file, ran: false, cancels: 0 };
      tracked.preloads.push(entry);
      return {
        previousFile: p.previousFile,
        run: (update) => {
          entry.ran = true;
          return p.run(update);
        },
        cancel: () => {
          entry.cancels++;
          p.cancel();
        },
      };
    },
  };
});

const { buildRegistry, buildSearchIndex } = await import('../../index-builder/src/index.js');
const { preloadSearchUpdate, updateSearchIndex, updateSearchIndexAsync } = await import('../../index-builder/src/emit/search-index.js');

/** Every worker made so far has exited within `ms` (a worker left waiting never does). */
async function allExited(ms = 5000): Promise<boolean> {
  await Promise.race([Promise.all(tracked.workers.map((w) => w.exit)), new Promise((resolve) => setTimeout(resolve, ms))]);
  return tracked.workers.every((w) => w.exited);
}

beforeEach(async () => {
  expect(await allExited()).toBe(true); // nothing left over from the test before
  tracked.workers.length = 0;
  tracked.preloads.length = 0;
  tracked.forced.workerFrom = undefined;
});

const WORDS = ['incident', 'runbook', 'style', 'guide', 'api', 'reference', 'deploy', 'pipeline', 'postmortem', 'prompt', 'agent', 'template', 'écrire', 'naïve'];

function makeDoc(r: () => number, id: string, rev: number): SearchDoc {
  const words = (n: number) => Array.from({ length: n }, () => WORDS[Math.floor(r() * WORDS.length)] as string).join(' ');
  return { id, name: id, scope: id.slice(1, id.indexOf('/')), description: `${words(4)} ${rev}`, tags: words(2), titles: words(3), headings: words(5), latest: `1.${rev}.0` };
}

/** A previous index of 300 documents on disk, and an update of it (two dropped, one changed, one new). */
function previousAndUpdate(): { file: string; docs: SearchDoc[]; update: SearchIndex.SearchIndexUpdate } {
  const r = rng(31);
  const docs = Array.from({ length: 300 }, (_, i) => makeDoc(r, `@s${i % 6}/lib-${i}`, 0));
  const file = join(tempDir('mdlibs-preload-'), 'index.json');
  writeFileSync(file, buildSearchIndex(docs));
  return { file, docs, update: { previousFile: file, drop: ['@s3/lib-3', '@s1/lib-7'], add: [makeDoc(r, '@s3/lib-3', 2), makeDoc(r, '@s0/aaa-new', 1)] } };
}

const precompressed = (made: string | Precompressed): Precompressed => {
  if (typeof made === 'string') throw new Error('expected the worker (text and compressed copies)');
  return made;
};

describe('the preloaded search index worker', () => {
  it('gives the same text and compressed copies as the worker started on demand, and as this thread', async () => {
    const { file, update } = previousAndUpdate();
    const preload = preloadSearchUpdate(file);
    if (!preload) throw new Error('minisearch should resolve here');
    expect(preload.previousFile).toBe(file);
    const early = await preload.run(update);
    const onDemand = precompressed(await updateSearchIndexAsync(update, 300, 0));
    const onThread = updateSearchIndex(update);
    expect(early.text).toBe(onThread);
    expect(onDemand.text).toBe(onThread);
    const [a, b] = await Promise.all([early.copies, onDemand.copies]);
    expect(Buffer.from(a.gz).equals(Buffer.from(b.gz))).toBe(true);
    expect(Buffer.from(a.br).equals(Buffer.from(b.br))).toBe(true);
    expect(gunzipSync(a.gz).toString()).toBe(onThread);
    expect(brotliDecompressSync(a.br).toString()).toBe(onThread);
    await expect(preload.run(update)).rejects.toThrow(/one job/);
    preload.cancel(); // after run: harmless
    preload.cancel();
    expect(await allExited()).toBe(true);
    expect(tracked.workers).toHaveLength(2);
  });

  it('is used by updateSearchIndexAsync for its own file only, and cancelled when the update runs on this thread or on another file', async () => {
    const { file, update } = previousAndUpdate();
    const expected = updateSearchIndex(update);
    const used = preloadSearchUpdate(file);
    expect(precompressed(await updateSearchIndexAsync(update, 300, 0, used)).text).toBe(expected);
    expect(tracked.workers).toHaveLength(1); // no second worker
    expect(tracked.preloads[0]).toMatchObject({ ran: true, cancels: 0 });

    const other = preloadSearchUpdate(join(tempDir('mdlibs-preload-other-'), 'index.json'));
    expect(precompressed(await updateSearchIndexAsync(update, 300, 0, other)).text).toBe(expected);
    expect(tracked.preloads[1]).toMatchObject({ ran: false, cancels: 1 });

    const small = preloadSearchUpdate(file);
    expect(await updateSearchIndexAsync(update, 300, 1000, small)).toBe(expected); // under workerFrom: this thread
    expect(tracked.preloads[2]).toMatchObject({ ran: false, cancels: 1 });
    expect(await allExited()).toBe(true);
  });

  it('settles when cancelled before run, cancelled while running, or run on a previous file missing or not JSON', async () => {
    const { file, update } = previousAndUpdate();
    const early = preloadSearchUpdate(file);
    early?.cancel();
    early?.cancel();
    expect(await allExited()).toBe(true);
    await expect(early?.run(update)).rejects.toThrow(/stopped/);

    const midway = preloadSearchUpdate(file);
    const running = midway?.run(update);
    midway?.cancel();
    await expect(running).rejects.toThrow(/stopped/);

    const missing = preloadSearchUpdate(join(tempDir('mdlibs-preload-missing-'), 'index.json'));
    await expect(missing?.run(update)).rejects.toThrow(/ENOENT/);
    const bad = join(tempDir('mdlibs-preload-bad-'), 'index.json');
    writeFileSync(bad, readFileSync(file, 'utf8').slice(0, 1000));
    const invalid = preloadSearchUpdate(bad);
    await expect(invalid?.run(update)).rejects.toThrow(SyntaxError);
    // failed and never run: nothing unhandled, and it ends
    preloadSearchUpdate(bad)?.cancel();
    preloadSearchUpdate(bad);
    expect(await allExited()).toBe(true);
  });

  it('posts plain copies of the documents (a document that cannot be cloned as it is, a Proxy, gives the same index)', async () => {
    const { file, update } = previousAndUpdate();
    const proxied = { ...update, add: update.add.map((d) => new Proxy(d, {})) };
    const preload = preloadSearchUpdate(file);
    expect((await preload?.run(proxied))?.text).toBe(updateSearchIndex(update));
  });
});

/** A git registry of six public libraries of @acme, committed, built once into `out`. */
async function builtOnce(): Promise<{ reg: string; out: string }> {
  const reg = tempDir('mdlibs-preload-reg-');
  writeRegistry(reg, { scopes: { acme: 'public', secret: 'private' } });
  gitInit(reg);
  for (const n of ['guide', 'style', 'tools', 'runbooks', 'prompts', 'adrs']) writeLibrary(reg, { scope: 'acme', name: n, version: '1.0.0' });
  commitAll(reg, 'initial');
  const out = join(tempDir('mdlibs-preload-out-'), 'public');
  await buildRegistry({ registryDir: reg, outDir: out });
  return { reg, out };
}

describe('a build with the preloaded worker', () => {
  it('updates the index with it (reported as updated) and writes the bytes of a fresh build', async () => {
    const { reg, out } = await builtOnce();
    tracked.forced.workerFrom = 0;
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0', description: 'Style, now about incident reviews' });
    commitAll(reg, 'style 1.1.0');
    tracked.workers.length = 0;
    tracked.preloads.length = 0;
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'updated' });
    expect(tracked.preloads).toEqual([expect.objectContaining({ ran: true })]);
    expect(tracked.workers).toHaveLength(1); // the update ran on the preloaded worker
    expect(await allExited()).toBe(true);
    const fresh = join(tempDir('mdlibs-preload-fresh-'), 'public');
    expect((await buildRegistry({ registryDir: reg, outDir: fresh })).searchIndex).toEqual({ public: 'built' });
    for (const suffix of ['', '.gz', '.br']) expect(readFileSync(join(out, PATHS.searchIndex + suffix)).equals(readFileSync(join(fresh, PATHS.searchIndex + suffix))), suffix).toBe(true);
  });

  it('builds afresh when the preloaded worker cannot read the previous index (not JSON)', async () => {
    const { reg, out } = await builtOnce();
    tracked.forced.workerFrom = 0;
    const file = join(out, PATHS.searchIndex);
    writeFileSync(file, readFileSync(file, 'utf8').slice(0, 200));
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0' });
    commitAll(reg, 'style 1.1.0');
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'built' });
    expect(tracked.preloads.at(-1)).toMatchObject({ ran: true });
    const fresh = join(tempDir('mdlibs-preload-fresh2-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: fresh });
    expect(readFileSync(join(out, PATHS.searchIndex), 'utf8')).toBe(readFileSync(join(fresh, PATHS.searchIndex), 'utf8'));
    expect(await allExited()).toBe(true);
  });

  it('cancels it when the index is reused, or rebuilt (under workerFrom), with the same report', async () => {
    const { reg, out } = await builtOnce();
    tracked.preloads.length = 0;
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'reused' });
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0' });
    commitAll(reg, 'style 1.1.0');
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'updated' }); // on this thread
    expect(tracked.preloads).toEqual([expect.objectContaining({ ran: false }), expect.objectContaining({ ran: false })]);
    expect(tracked.preloads.every((p) => p.cancels > 0)).toBe(true);
    expect(await allExited()).toBe(true);
  });

  it('drops the update started before git status found a committed folder dirty, and writes the bytes of a fresh build', async () => {
    const { reg, out } = await builtOnce();
    tracked.forced.workerFrom = 0;
    writeLibrary(reg, { scope: 'acme', name: 'style', version: '1.1.0', description: 'Style, now about incident reviews' });
    commitAll(reg, 'style 1.1.0');
    // in HEAD, and dirty: validated and assembled first by its tree id, then again by its content
    writeFiles(join(reg, 'libraries/@acme/style/1.1.0'), { 'docs/extra.md': '# Extra heading\n\nUncommitted.\n' });
    tracked.workers.length = 0;
    tracked.preloads.length = 0;
    tracked.fullIndexes = 0;
    expect((await buildRegistry({ registryDir: reg, outDir: out })).searchIndex).toEqual({ public: 'updated' });
    expect(tracked.preloads).toEqual([expect.objectContaining({ ran: true })]);
    expect(tracked.preloads[0]?.cancels).toBeGreaterThan(0); // its update dropped
    expect(tracked.fullIndexes).toBe(0); // and not replaced by an index of every document
    expect(tracked.workers).toHaveLength(2); // the second assembly's update on a worker of its own
    expect(await allExited()).toBe(true);
    const fresh = join(tempDir('mdlibs-preload-fresh3-'), 'public');
    await buildRegistry({ registryDir: reg, outDir: fresh });
    for (const rel of [PATHS.searchIndex, `${PATHS.searchIndex}.br`, 'index/@acme/style.json', 'build-record.json']) expect(readFileSync(join(out, rel)).equals(readFileSync(join(fresh, rel))), rel).toBe(true);
  });

  it('leaves no worker alive when the build fails validation after starting it', async () => {
    const { reg, out } = await builtOnce();
    tracked.workers.length = 0;
    tracked.preloads.length = 0;
    // a published version edited: MDL_VERSION_CHANGED, found after the preload started
    writeFiles(join(reg, 'libraries/@acme/guide/1.0.0'), { 'README.md': '# guide\n\nRewritten.\n' });
    commitAll(reg, 'edit a published version');
    await expect(buildRegistry({ registryDir: reg, outDir: out })).rejects.toMatchObject({ code: 'MDL_VALIDATION_FAILED' });
    expect(tracked.preloads).toHaveLength(1);
    expect(tracked.workers).toHaveLength(1);
    expect(await allExited()).toBe(true);
  });
});
