/**
 * The browser search shards are cut from the builder's canonical index text without parsing its
 * postings (sliceCanonicalIndex): the result is exactly what parsing the whole index gives, for
 * real indexes and for terms with quotes, backslashes, brackets, braces and non-ASCII letters;
 * text laid out any other way is refused (null) and then parsed as a whole.
 */
import { describe, expect, it } from 'vitest';
import { buildSearchIndex, type SearchDoc } from '../../index-builder/src/index.js';
import type { MiniSearchJson } from '../../index-builder/src/search/compact-index.js';
import { shardSearchIndex, sliceCanonicalIndex } from '../../index-builder/src/site/search-shards.js';

/** The shards the slow way: parse everything, group the parsed entries, serialize them again. */
function byParsing(json: string) {
  const ms = JSON.parse(json) as MiniSearchJson;
  return { head: (({ index: _i, ...rest }) => rest)(ms), entries: ms.index.map((e) => ({ term: e[0], text: JSON.stringify(e) })) };
}

const docs: SearchDoc[] = Array.from({ length: 120 }, (_, i) => ({
  id: `@s${i % 4}/lib-${i}`, name: `@s${i % 4}/lib-${i}`, scope: `s${i % 4}`, description: `Écrire ${i} naïve "quoted" runbook {braces} [brackets] back\\slash 東京 🚀`,
  tags: ['docs', 'ops'][i % 2] as string, titles: `Guide ${i} · Référence`, headings: `Setup ${i % 7} · Usage`, latest: `1.${i % 3}.0`,
}));

describe('browser search shards from the canonical index text', () => {
  it('slices exactly what parsing gives, and shards it the same way', () => {
    const json = buildSearchIndex(docs);
    const sliced = sliceCanonicalIndex(json);
    expect(sliced).not.toBeNull();
    expect(sliced).toEqual(byParsing(json));
    expect(sliced?.entries.length).toBeGreaterThan(100);
  });

  it('handles terms no tokenizer makes (quotes, backslashes, brackets, braces, astral letters) and an empty index', () => {
    const base = JSON.parse(buildSearchIndex(docs.slice(0, 3))) as MiniSearchJson;
    const odd = ['a"b', 'c\\\\d', 'e]f', 'g{h}', 'i,"index":[', 'ü', '𝒜x', '"'].sort((a, b) => (a < b ? -1 : 1));
    const withOdd = { ...base, index: [...base.index, ...odd.map((t): [string, Record<string, Record<string, number>>] => [t, { 0: { 1: 2 } }])].sort((a, b) => (a[0] < b[0] ? -1 : 1)) };
    const json = JSON.stringify(withOdd);
    expect(sliceCanonicalIndex(json)).toEqual(byParsing(json));
    const empty = JSON.stringify({ ...base, index: [] });
    expect(sliceCanonicalIndex(empty)).toEqual({ head: byParsing(empty).head, entries: [] });
  });

  it('refuses text laid out otherwise, and shardSearchIndex then parses it to the same shards', () => {
    const json = buildSearchIndex(docs);
    const ms = JSON.parse(json) as MiniSearchJson;
    const { serializationVersion, ...others } = ms;
    const reordered = JSON.stringify({ serializationVersion, ...others }); // index no longer last but one
    expect(sliceCanonicalIndex(reordered)).toBeNull();
    const spaced = JSON.stringify(ms, null, 1);
    expect(sliceCanonicalIndex(spaced)).toBeNull();
    const at = json.indexOf(',"index":[');
    const strangePostings = json.slice(0, at) + json.slice(at).replace('":1', '":true'); // a value that is not a number
    expect(sliceCanonicalIndex(strangePostings)).toBeNull();
    const fast = shardSearchIndex(json);
    for (const other of [reordered, spaced]) {
      const slow = shardSearchIndex(other);
      expect(slow.base).toEqual(fast.base);
      expect([...slow.shards]).toEqual([...fast.shards]);
    }
  });
});
