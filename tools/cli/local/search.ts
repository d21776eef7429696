/** `search --local`: MiniSearch over the markdown documents in a folder (CLI-1). */
import MiniSearch from 'minisearch';
import type { LocalDoc } from './docs.js';

export interface LocalHit {
  path: string;
  title: string;
  score: number;
}

export function searchDocs(docs: readonly LocalDoc[], q: string, titleOnly: boolean, limit: number): LocalHit[] {
  const ms = new MiniSearch<{ id: string; title: string; headings: string; body: string; tags: string; description: string }>({
    fields: titleOnly ? ['title'] : ['title', 'headings', 'tags', 'description', 'body'],
    storeFields: ['title'],
    searchOptions: { prefix: true, fuzzy: 0.2, boost: { title: 3, headings: 2, tags: 2 } },
  });
  ms.addAll(docs.map((d) => ({ id: d.path, title: d.title, headings: d.headings.join(' '), body: d.body, tags: d.tags.join(' '), description: d.description ?? '' })));
  return ms.search(q).slice(0, limit).map((h) => ({ path: String(h.id), title: String(h.title ?? ''), score: Math.round(h.score * 100) / 100 }));
}
