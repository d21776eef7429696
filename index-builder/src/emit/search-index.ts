/** Builds the prebuilt MiniSearch index (PROTO-3) from one document per library. */
import { readFileSync } from 'node:fs';
import type { DerivedFile, SearchFilesMaker } from '../build/site-hook.js';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import MiniSearch from 'minisearch';
import { SEARCH_OPTIONS, type SearchDoc, type SummaryEntry } from '../format/protocol.js';
import { isLazyMember, type RecordVersion } from '../output/record.js';
import type { MiniSearchJson } from '../search/compact-index.js';
import { mergeSearchIndexes } from '../search/merge-index.js';
import { BULK_FILE_BYTES, compressionOptions, LARGE_FILE_BYTES, type Precompressed } from './tree-writer.js';

/**
 * The search document of a library: `lib` as its summary entry has it, `latest` (the latest
 * version, else the highest), and the titles and headings of `head`. Those of a record entry not
 * parsed yet are read when the document's are (a library carried over keeps its previous
 * document's hash: they are not read at all then).
 */
export function searchDoc(lib: Pick<SummaryEntry, 'name' | 'scope' | 'description' | 'tags'>, latest: string, head: RecordVersion): SearchDoc {
  const tags = lib.tags.join(' ');
  if (!isLazyMember(head, 'search')) return { id: lib.name, name: lib.name, scope: lib.scope, description: lib.description, tags, titles: head.search.titles, headings: head.search.headings, latest };
  // the same members in the same order, two of them read from `head` when they are
  const doc = { id: lib.name, name: lib.name, scope: lib.scope, description: lib.description, tags } as SearchDoc;
  LAZY_DOCS.set(doc, head);
  Object.defineProperty(doc, 'titles', TITLES_PROPERTY);
  Object.defineProperty(doc, 'headings', HEADINGS_PROPERTY);
  doc.latest = latest;
  return doc;
}

/** The record entry of each search document whose titles and headings are read from it; one pair of getters for all (one shape: see record-file.ts TAILS). */
const LAZY_DOCS = new WeakMap<SearchDoc, RecordVersion>();
const TITLES_PROPERTY: PropertyDescriptor = {
  get(this: SearchDoc) {
    return (LAZY_DOCS.get(this) as RecordVersion).search.titles;
  },
  enumerable: true,
  configurable: true,
};
const HEADINGS_PROPERTY: PropertyDescriptor = {
  get(this: SearchDoc) {
    return (LAZY_DOCS.get(this) as RecordVersion).search.headings;
  },
  enumerable: true,
  configurable: true,
};

const indexOptions = () => ({ fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields] });
const sortedDocs = (docs: readonly SearchDoc[]) => [...docs].sort((a, b) => (a.id < b.id ? -1 : 1));

/** A fresh MiniSearch index of `docs`, added in id order. */
function indexOf(docs: readonly SearchDoc[]): MiniSearch<SearchDoc> {
  const ms = new MiniSearch<SearchDoc>(indexOptions());
  ms.addAll(sortedDocs(docs));
  return ms;
}

/** The canonical search index of `docs` (search/merge-index.ts). */
export function buildSearchIndex(docs: readonly SearchDoc[]): string {
  return canonicalText(indexOf(docs));
}

/** MiniSearch's postings: term -> field id -> short document id -> term frequency (its `_index`, a radix tree). */
interface TermIndex {
  keys(): Iterable<string>;
  get(term: string): Map<number, Map<number, number>> | undefined;
}

/**
 * `JSON.stringify(mergeSearchIndexes(null, [], ms.toJSON()))` for an index of documents added in
 * id order, written term by term from MiniSearch's own maps: `toJSON()` copies every posting
 * into a new object first (45 MB at 10,000 libraries, on top of the 37 MB index), which made
 * the full index the peak of a full build's memory. The head (ids, lengths, stored fields) still
 * comes from `toJSON()` and `mergeSearchIndexes`, called while the postings are set aside; a
 * MiniSearch whose internals differ from 7.x gets the plain path. Byte-identical (tested).
 */
export function canonicalText(ms: MiniSearch<SearchDoc>): string {
  const internals = ms as unknown as { _index: unknown };
  const terms = internals._index as TermIndex | null;
  if (!terms || typeof terms.keys !== 'function' || typeof terms.get !== 'function') return JSON.stringify(mergeSearchIndexes(null, [], ms.toJSON() as unknown as MiniSearchJson));
  let head: MiniSearchJson;
  internals._index = [];
  try {
    head = mergeSearchIndexes(null, [], ms.toJSON() as unknown as MiniSearchJson);
  } finally {
    internals._index = terms;
  }
  const { index: none, serializationVersion, ...rest } = head;
  if (none.length) throw new Error('canonicalText: the postings were not set aside');
  const parts = [`${JSON.stringify(rest).slice(0, -1)},"index":[`];
  const byNumber = (a: number, b: number) => a - b;
  const sorted = [...terms.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let n = 0; n < sorted.length; n++) {
    const term = sorted[n] as string;
    const fields = terms.get(term) as Map<number, Map<number, number>>;
    // JSON.stringify writes integer keys in ascending order: so do we
    let text = `${n ? ',' : ''}[${JSON.stringify(term)},{`;
    let f = 0;
    for (const field of [...fields.keys()].sort(byNumber)) {
      const docs = fields.get(field) as Map<number, number>;
      const ids = [...docs.keys()];
      for (let i = 1; i < ids.length; i++) {
        if ((ids[i - 1] as number) > (ids[i] as number)) {
          ids.sort(byNumber);
          break;
        }
      }
      text += `${f++ ? ',' : ''}"${field}":{${ids.map((id) => `"${id}":${docs.get(id) as number}`).join(',')}}`;
    }
    parts.push(`${text}}]`);
  }
  parts.push(`],"serializationVersion":${serializationVersion}}`);
  return parts.join('');
}

/**
 * What changed since the previous build's canonical index: the documents to `drop` (gone, or
 * changed) and to `add` (new, or changed). The result equals `buildSearchIndex` of the new set.
 */
export interface SearchIndexUpdate {
  /** The previous build's search/index.json. */
  previousFile: string;
  drop: string[];
  add: SearchDoc[];
}

export function updateSearchIndex(update: SearchIndexUpdate): string {
  const previous = JSON.parse(readFileSync(update.previousFile, 'utf8')) as MiniSearchJson;
  return JSON.stringify(mergeSearchIndexes(previous, update.drop, indexOf(update.add).toJSON() as unknown as MiniSearchJson));
}

/**
 * The same on a worker thread, so the build goes on meanwhile (at 10,000 libraries a fresh index
 * takes ~1.1 s of CPU). The worker runs MiniSearch's CommonJS build of the same package version
 * and `mergeSearchIndexes` from its source text: the JSON is byte-identical (tested).
 * Small jobs (under `workerFrom` documents in the index: starting a worker costs ~40 ms) and
 * places where minisearch cannot be resolved from here (a bundle) run on this thread.
 */
export function buildSearchIndexAsync(docs: readonly SearchDoc[], workerFrom = 1000): Promise<string | Precompressed> {
  if (docs.length < workerFrom) return Promise.resolve().then(() => buildSearchIndex(docs));
  return startWorker(null)?.run({ drop: [], add: docs }) ?? Promise.resolve().then(() => buildSearchIndex(docs));
}

/**
 * `updateSearchIndex` on a worker when the index has at least `workerFrom` documents (`size`):
 * the worker of `preload` when it was started for the same previous file (else it is cancelled),
 * else a worker that also makes the files of `files` (SearchUpdate.derived).
 */
export function updateSearchIndexAsync(update: SearchIndexUpdate, size: number, workerFrom = 1000, preload: SearchUpdatePreload | null = null, files: SearchFilesMaker | null = null): Promise<string | SearchUpdate> {
  const worker = size < workerFrom ? null : preload?.previousFile === update.previousFile ? preload : startWorker(update.previousFile, files);
  if (worker !== preload) preload?.cancel();
  return worker?.run(update) ?? Promise.resolve().then(() => updateSearchIndex(update));
}

/** An index made on a worker: its text, its compressed copies, and the files derived from it there (null: none asked for). */
export interface SearchUpdate extends Precompressed {
  /** Rejects when making them failed (the caller may make them itself). */
  derived: Promise<DerivedFile[]> | null;
}

/**
 * A search index worker started before its job is known: it loads minisearch and parses the
 * previous index (11 MB of JSON at 10,000 libraries) at once, then waits for `run`. Whoever
 * starts one cancels it when it is not run (and may after: that is harmless). While it waits it
 * does not keep the process alive.
 */
export interface SearchUpdatePreload {
  /** The previous build's search/index.json, as `SearchIndexUpdate.previousFile`. */
  readonly previousFile: string;
  /** Once: the previous index with `drop` removed and `add` merged in, as `updateSearchIndexAsync`. */
  run(update: { drop: readonly string[]; add: readonly SearchDoc[] }): Promise<SearchUpdate>;
  /** Terminates the worker (mid-parse too); a `run` not answered yet rejects. Idempotent. */
  cancel(): void;
}

/**
 * A worker waiting for an update of `previousFile`, or null where minisearch cannot be resolved
 * (`updateSearchIndexAsync` runs on this thread there). With `files`, it loads that module while
 * it waits, and makes its files from the updated index (SearchUpdate.derived).
 */
export function preloadSearchUpdate(previousFile: string, files: SearchFilesMaker | null = null): SearchUpdatePreload | null {
  return startWorker(previousFile, files);
}

/**
 * Starts a worker that parses `previousFile` (null: a fresh index) and waits for the documents to
 * add. It also makes the gzip and brotli copies (`compressionOptions`, the tree writer's own, made
 * side by side on the thread pool) so that they do not wait for this thread (busy with the site's
 * pages then).
 */
function startWorker<F extends string | null>(previousFile: F, files: SearchFilesMaker | null = null): (Omit<SearchUpdatePreload, 'previousFile'> & { readonly previousFile: F }) | null {
  let lib: string;
  try {
    lib = createRequire(import.meta.url).resolve('minisearch');
  } catch {
    return null;
  }
  const source = `${WORKER}\nconst mergeSearchIndexes = (${mergeSearchIndexes.toString()});\nconst compressionOptions = (${compressionOptions.toString()});\nrun();`;
  const worker = new Worker(source, { eval: true, workerData: { lib, options: indexOptions(), largeBytes: LARGE_FILE_BYTES, bulkBytes: BULK_FILE_BYTES, previousFile, files } });
  worker.unref(); // until `run`: a preload left waiting must not hold the process open
  // its answers: the index (the site's search files wait for it), the files derived from it, its compressed copies
  let onText: (text: string) => void = () => undefined;
  let onCopies: (copies: { gz: Uint8Array; br: Uint8Array }) => void = () => undefined;
  let onDerived: (d: { files?: DerivedFile[]; failed?: string }) => void = () => undefined;
  const text = new Promise<string>((resolve) => (onText = resolve));
  const copies = new Promise<{ gz: Uint8Array; br: Uint8Array }>((resolve) => (onCopies = resolve));
  const derived = new Promise<DerivedFile[]>((resolve, reject) => (onDerived = (d) => (d.files ? resolve(d.files) : reject(new Error(`the search index worker could not make the site's search files: ${d.failed ?? ''}`)))));
  worker.on('message', (m: { text?: string; copies?: { gz: Uint8Array; br: Uint8Array }; derived?: { files?: DerivedFile[]; failed?: string } }) => {
    if (m.text !== undefined) onText(m.text);
    else if (m.copies) onCopies(m.copies);
    else if (m.derived) onDerived(m.derived);
  });
  const stopped = new Promise<never>((_, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the search index worker stopped (exit code ${code}) before it answered`)));
  });
  stopped.catch(() => undefined); // a preload that failed (its previous file unreadable) and is never run
  let ran = false;
  return {
    previousFile,
    run(update) {
      if (ran) return Promise.reject(new Error('a search index worker runs one job'));
      ran = true;
      try {
        // plain copies of the documents, read by the spread (through getters, or a Proxy, which
        // postMessage's structured clone refuses)
        worker.postMessage({ docs: sortedDocs(update.add).map((d) => ({ ...d })), drop: [...update.drop] });
      } catch (e) {
        worker.terminate().catch(() => undefined);
        return Promise.reject(e instanceof Error ? e : new Error(String(e)));
      }
      worker.ref();
      const copiesOrFailure = Promise.race([copies, stopped]);
      copiesOrFailure.catch(() => undefined); // reported where it is awaited (TreeWriter.flush)
      const derivedOrFailure = files ? Promise.race([derived, stopped]) : null;
      derivedOrFailure?.catch(() => undefined); // its caller falls back on making them itself
      return Promise.race([text, stopped]).then((t) => ({ text: t, copies: copiesOrFailure, derived: derivedOrFailure }));
    },
    cancel() {
      worker.terminate().catch(() => undefined);
    },
  };
}

const WORKER = `const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
const { gzip, brotliCompress, constants } = require('node:zlib');
const { promisify } = require('node:util');
function run() {
  const MiniSearch = require(workerData.lib);
  // before the job comes: a preloaded worker does this while the build reads the registry
  const previous = workerData.previousFile === null ? null : JSON.parse(readFileSync(workerData.previousFile, 'utf8'));
  const files = workerData.files;
  const maker = files === null ? null : import(files.module).then((m) => m[files.name]);
  maker?.catch(() => undefined);
  parentPort.once('message', ({ docs, drop }) => {
    const ms = new MiniSearch(workerData.options);
    ms.addAll(docs);
    const text = JSON.stringify(mergeSearchIndexes(previous, drop, ms.toJSON()));
    parentPort.postMessage({ text });
    const bytes = Buffer.from(text);
    const options = compressionOptions(bytes.length, workerData.largeBytes, constants, workerData.bulkBytes);
    // both copies at once, on the thread pool (~0.23 s and ~0.37 s of CPU for an 11 MB index)
    Promise.all([promisify(gzip)(bytes, options.gzip), promisify(brotliCompress)(bytes, options.brotli)])
      .then(([gz, br]) => parentPort.postMessage({ copies: { gz, br } }));
    // the site's files made from the index, meanwhile (this thread has nothing else to do)
    maker?.then((make) => make(text))
      .then((made) => parentPort.postMessage({ derived: { files: made } }), (e) => parentPort.postMessage({ derived: { failed: String(e && e.message || e) } }));
  });
}`;

/** Loads a prebuilt index with the options it was built with. */
export function loadSearchIndex(json: string): MiniSearch<SearchDoc> {
  return MiniSearch.loadJSON<SearchDoc>(json, { fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields], searchOptions: { ...SEARCH_OPTIONS.searchOptions, boost: { ...SEARCH_OPTIONS.searchOptions.boost } } });
}
