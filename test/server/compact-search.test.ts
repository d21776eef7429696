/** The typed-array search (server and web UI) gives MiniSearch's scores for the builder's prebuilt index. */
import MiniSearch from 'minisearch';
import { describe, expect, it } from 'vitest';
import { buildSearchIndex, loadSearchIndex, SEARCH_OPTIONS, type SearchDoc } from '../../index-builder/src/index.js';
import { CompactSearchIndex, type CompactSearchOptions } from '../../index-builder/src/search/compact-index.js';
import { QUERY_OPTIONS } from '../../static-server/src/tree/tree-snapshot.js';

/** Deterministic corpus: words from a small vocabulary (many documents share terms, as in the bench registry). */
function corpus(n: number, seed: number): SearchDoc[] {
  let x = seed;
  const rnd = () => (x = (x * 1103515245 + 12345) % 2147483648) / 2147483648;
  const vocab = 'deploy deployment deploys pipeline pipelines incident incidents postmortem runbook runbooks security secure api apis guide guides handbook template templates prompt prompts agent review style writing oncall observability data database cache caching release releases roadmap sprint privacy reader format émigré naïve 東京'.split(' ');
  const words = (k: number) => Array.from({ length: k }, () => vocab[Math.floor(rnd() * vocab.length)]).join(' ');
  return Array.from({ length: n }, (_, i) => {
    const scope = ['acme', 'infra', 'docs'][i % 3] as string;
    const name = `@${scope}/lib-${String(i).padStart(4, '0')}`;
    return { id: name, name, scope, description: words(6), tags: words(2), titles: words(5), headings: words(12), latest: '1.0.0' };
  });
}

const QUERIES = [
  'deploy', 'deploi', 'pipline', 'incident postmortem', 'se', 'secur', 'API', 'guide guide', 'data-base cache!', 'émigré', '東京',
  'handbook template prompt agent review style writing oncall observability data', 'zzz', '', '   ', 'a', 'lib-0007', 'acme', 'runbooks runbook',
  // more than 32 distinct terms: quality counts all of them
  Array.from({ length: 36 }, (_, i) => `w${i}`).concat(['deploy', 'cache']).join(' '),
];

/** The web UI's options: the builder's search options as base.json carries them (prefix for every term, fuzzy 0.2, MiniSearch's maxFuzzy 6). */
const WEB_OPTIONS: CompactSearchOptions = { fields: SEARCH_OPTIONS.fields, boost: SEARCH_OPTIONS.searchOptions.boost, prefix: () => true, fuzzy: () => 0.2, maxFuzzy: 6 };

function expectSameAsMiniSearch(ms: MiniSearch<SearchDoc>, cs: CompactSearchIndex, q: string, o: CompactSearchOptions = QUERY_OPTIONS): void {
  const want = ms.search(q, { ...o, fields: [...o.fields] });
  const got = cs.search(q, o);
  expect(got.total, q).toBe(want.length);
  const wantScore = new Map(want.map((h) => [String(h.id), h.score]));
  for (const h of got.hits) expect(h.score, `${q}: ${h.id}`).toBe(wantScore.get(h.id));
  // same order, except that equal scores are in name order here
  expect(got.hits.map((h) => h.score), q).toEqual(want.map((h) => h.score));
  for (let i = 1; i < got.hits.length; i++) {
    const [a, b] = [got.hits[i - 1], got.hits[i]] as [{ id: string; score: number }, { id: string; score: number }];
    if (a.score === b.score) expect(a.id < b.id, q).toBe(true);
  }
}

describe('compact search index', () => {
  const docs = corpus(600, 7);
  const json = buildSearchIndex(docs);
  const ms = loadSearchIndex(json);
  const cs = CompactSearchIndex.fromJson(json);

  it.each(QUERIES)('scores %j exactly as MiniSearch does (prefix, fuzzy, boosts, quality)', (q) => {
    expectSameAsMiniSearch(ms, cs, q);
  });

  it('scores exactly as MiniSearch does with the web UI options too', () => {
    for (const q of QUERIES) expectSameAsMiniSearch(ms, cs, q, WEB_OPTIONS);
  });

  it('the best k are the first k of the full ranking, and total still counts every match', () => {
    for (const q of ['deploy', 'guide cache', 'se']) {
      const all = cs.search(q, QUERY_OPTIONS);
      expect(all.total).toBeGreaterThan(50);
      for (const k of [0, 1, 7, 20, all.total, all.total + 5]) {
        const top = cs.search(q, QUERY_OPTIONS, { limit: k });
        expect(top.total).toBe(all.total);
        expect(top.hits).toEqual(all.hits.slice(0, k));
      }
    }
  });

  it('a filter drops hits before they are counted and ranked', () => {
    const all = cs.search('deploy', QUERY_OPTIONS);
    const infra = cs.search('deploy', QUERY_OPTIONS, { limit: 10, filter: (_id, scope) => scope === 'infra' });
    const want = all.hits.filter((h) => h.scope === 'infra');
    expect(infra.total).toBe(want.length);
    expect(infra.hits).toEqual(want.slice(0, 10));
  });

  it('documents removed from a MiniSearch index before it was serialized are not found', () => {
    const m = new MiniSearch<SearchDoc>({ fields: [...SEARCH_OPTIONS.fields], storeFields: [...SEARCH_OPTIONS.storeFields] });
    m.addAll(docs.slice(0, 100));
    for (const d of docs.slice(0, 100).filter((_, i) => i % 4 === 0)) m.discard(d.id);
    const j = JSON.stringify(m);
    const back = loadSearchIndex(j);
    const c = CompactSearchIndex.fromJson(j);
    const got = c.search('deploy guide', QUERY_OPTIONS);
    expect(got.hits.some((h) => Number(h.id.slice(-4)) % 4 === 0)).toBe(false);
    expect(got.total).toBe(back.search('deploy guide', { ...QUERY_OPTIONS, fields: [...QUERY_OPTIONS.fields] }).length);
  });

  it('refuses an index it does not know how to read', () => {
    expect(() => CompactSearchIndex.fromJson(JSON.stringify({ ...JSON.parse(json), serializationVersion: 99 }))).toThrow(/serialization version 99/);
  });
});
