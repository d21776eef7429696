/** Builds the prebuilt MiniSearch index (PROTO-3) from one document per library. */
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

export function buildSearchIndex(docs: readonly SearchDoc[]): string {
  const ms = new MiniSearch<SearchDoc>({ fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields] });
  ms.addAll([...docs].sort((a, b) => (a.id < b.id ? -1 : 1)));
  return JSON.stringify(ms);
}

/** Loads a prebuilt index with the options it was built with. */
export function loadSearchIndex(json: string): MiniSearch<SearchDoc> {
  return MiniSearch.loadJSON<SearchDoc>(json, { fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields], searchOptions: { ...SEARCH_OPTIONS.searchOptions, boost: { ...SEARCH_OPTIONS.searchOptions.boost } } });
}
