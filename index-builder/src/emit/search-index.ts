/** Builds the prebuilt MiniSearch index (PROTO-3) from one document per library. */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import MiniSearch from 'minisearch';
import { SEARCH_OPTIONS, type LibraryIndex, type SearchDoc } from '../format/protocol.js';
import type { RecordVersion } from '../output/record.js';

export function searchDoc(index: LibraryIndex, head: RecordVersion): SearchDoc {
  return {
    id: index.name, name: index.name, scope: index.scope, description: index.description,
    tags: index.tags.join(' '), titles: head.search.titles, headings: head.search.headings,
    latest: index.distTags.latest ?? index.versions[index.versions.length - 1]?.version ?? '',
  };
}

const indexOptions = () => ({ fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields] });
const sortedDocs = (docs: readonly SearchDoc[]) => [...docs].sort((a, b) => (a.id < b.id ? -1 : 1));

export function buildSearchIndex(docs: readonly SearchDoc[]): string {
  const ms = new MiniSearch<SearchDoc>(indexOptions());
  ms.addAll(sortedDocs(docs));
  return JSON.stringify(ms);
}

/**
 * The same index built on a worker thread, so the build goes on meanwhile (at 10,000 libraries
 * MiniSearch takes ~1.1 s of CPU, the largest part of a one-library rebuild). The worker runs
 * MiniSearch's CommonJS build of the same package version: the JSON is byte-identical (tested).
 * Small registries (under `workerFrom` documents: starting a worker costs ~40 ms) and places
 * where minisearch cannot be resolved from here (a bundle) build on this thread.
 */
export function buildSearchIndexAsync(docs: readonly SearchDoc[], workerFrom = 1000): Promise<string> {
  if (docs.length < workerFrom) return Promise.resolve().then(() => buildSearchIndex(docs));
  let lib: string;
  try {
    lib = createRequire(import.meta.url).resolve('minisearch');
  } catch {
    return Promise.resolve().then(() => buildSearchIndex(docs));
  }
  return new Promise<string>((resolve, reject) => {
    const worker = new Worker(WORKER, { eval: true, workerData: { lib, options: indexOptions(), docs: sortedDocs(docs) } });
    worker.once('message', (json: string) => resolve(json));
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the search index worker stopped (exit code ${code}) before it answered`)));
  });
}

const WORKER = `const { parentPort, workerData } = require('node:worker_threads');
const MiniSearch = require(workerData.lib);
const ms = new MiniSearch(workerData.options);
ms.addAll(workerData.docs);
parentPort.postMessage(JSON.stringify(ms));`;

/** Loads a prebuilt index with the options it was built with. */
export function loadSearchIndex(json: string): MiniSearch<SearchDoc> {
  return MiniSearch.loadJSON<SearchDoc>(json, { fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields], searchOptions: { ...SEARCH_OPTIONS.searchOptions, boost: { ...SEARCH_OPTIONS.searchOptions.boost } } });
}
