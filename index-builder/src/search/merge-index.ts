/**
 * The prebuilt search index (PROTO-3) in canonical form, and its update per library.
 *
 * Canonical form of a serialized MiniSearch index (`toJSON`, serialization version 2) over a set
 * of documents: short ids 0..n-1 in the order of the document ids (`<`), `nextId` = n, no dirt,
 * terms sorted (`<`, UTF-16 code units), `averageFieldLength` the running average MiniSearch
 * computes when it adds the documents in that order. A fresh MiniSearch build of the sorted
 * documents differs from it only in the order of its terms (the order of its radix tree), which
 * MiniSearch ignores when it loads an index; so the canonical JSON is a function of the set of
 * documents alone, however the index was reached.
 *
 * `mergeSearchIndexes` reaches it from the previous build's canonical index: drop the documents
 * that went or changed, add a small index of the new and changed ones, renumber. At 10,000
 * libraries this replaces re-indexing every document (~1.1 s of CPU) by a parse, a pass over the
 * postings and a stringify. The function is self-contained on purpose (no imports, no outer
 * names): the builder also sends its source text to the search worker (see emit/search-index.ts).
 */
import type { MiniSearchJson } from './compact-index.js';

/**
 * The canonical index of (previous minus `drop`) plus `add`. `previous` must be canonical (as
 * written by this function; an empty index is `null`); `add` is any MiniSearch serialization of
 * the added documents (a fresh build: canonical(fresh) = merge(null, none, fresh)), built with
 * the same fields. Throws when `previous` is not canonical or an id is in both.
 */
export function mergeSearchIndexes(previous: MiniSearchJson | null, drop: readonly string[], add: MiniSearchJson): MiniSearchJson {
  type Postings = Record<string, Record<string, number>>;
  const fail = (why: string): never => {
    throw new Error(`mergeSearchIndexes: ${why}`);
  };
  if (add.serializationVersion !== 2 || (previous && previous.serializationVersion !== 2)) fail('only serialization version 2 is supported');
  if (previous && JSON.stringify(previous.fieldIds) !== JSON.stringify(add.fieldIds)) fail('the two indexes have different fields');
  const dropped = new Set(drop);
  const prevIds = previous ? previous.documentIds : {};
  const prevCount = previous ? previous.nextId : 0;
  const addCount = add.nextId;
  // every document id with where it comes from: [id, short id in previous (-1: none), short id in add (-1: none)]
  const all: [string, number, number][] = [];
  for (let s = 0; s < prevCount; s++) {
    const id = prevIds[s];
    if (id === undefined) fail(`short id ${s} of the previous index has no document (not canonical)`);
    else if (!dropped.has(id)) all.push([id, s, -1]);
  }
  for (let s = 0; s < prevCount - 1; s++) if (!((prevIds[s] as string) < (prevIds[s + 1] as string))) fail('the previous index is not in document order (not canonical)');
  for (const [key, id] of Object.entries(add.documentIds)) {
    const s = Number(key);
    all.push([id, -1, s]);
  }
  all.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (let i = 1; i < all.length; i++) if ((all[i - 1] as [string, number, number])[0] === (all[i] as [string, number, number])[0]) fail(`document ${(all[i] as [string, number, number])[0]} is both kept and added`);

  const fromPrev = new Int32Array(prevCount).fill(-1);
  const fromAdd = new Int32Array(addCount).fill(-1);
  const documentIds: Record<string, string> = {};
  const fieldLength: Record<string, number[]> = {};
  const storedFields: Record<string, Record<string, unknown>> = {};
  let shifted = false;
  let addIdentity = true;
  all.forEach(([id, p, a], i) => {
    documentIds[i] = id;
    if (p >= 0) {
      fromPrev[p] = i;
      if (p !== i) shifted = true;
      fieldLength[i] = (previous as MiniSearchJson).fieldLength[p] ?? [];
      const stored = (previous as MiniSearchJson).storedFields[p];
      if (stored !== undefined) storedFields[i] = stored;
    } else {
      fromAdd[a] = i;
      if (a !== i) addIdentity = false;
      fieldLength[i] = add.fieldLength[a] ?? [];
      const stored = add.storedFields[a];
      if (stored !== undefined) storedFields[i] = stored;
    }
  });
  // MiniSearch's running average, in document order: avg_i = (avg_{i-1} * i + length_i) / (i + 1)
  const averageFieldLength: number[] = [];
  all.forEach((_, i) => {
    const lengths = fieldLength[i] as number[];
    lengths.forEach((length, field) => {
      if (length === undefined || length === null) return;
      averageFieldLength[field] = ((averageFieldLength[field] || 0) * i + length) / (i + 1);
    });
  });

  const droppedShorts: string[] = [];
  for (let s = 0; s < prevCount; s++) if ((fromPrev[s] as number) < 0) droppedShorts.push(String(s));
  const nonEmpty = (o: object): boolean => {
    for (const _ in o) return true;
    return false;
  };
  /** Postings with short ids mapped through `map` (a new object), or null when none is left. */
  const remap = (postings: Postings, map: Int32Array): Postings | null => {
    let out: Postings | null = null;
    for (const field of Object.keys(postings)) {
      const docs = postings[field] as Record<string, number>;
      const next: Record<string, number> = {};
      for (const key of Object.keys(docs)) {
        const to = map[Number(key)] as number;
        if (to >= 0) next[to] = docs[key] as number;
      }
      if (nonEmpty(next)) (out ??= {})[field] = next;
    }
    return out;
  };
  /**
   * Postings whose kept documents keep their short ids: the dropped ones are deleted in place. A
   * field is checked for emptiness only when a document was deleted from it (most terms hold
   * none of the dropped documents: checking every field of 100,000 terms took ~45 ms of a
   * one-library rebuild at 10,000 libraries).
   */
  const prune = (postings: Postings): Postings | null => {
    if (!droppedShorts.length) return postings;
    let left = false;
    for (const field of Object.keys(postings)) {
      const docs = postings[field] as Record<string, number>;
      let deleted = false;
      for (const d of droppedShorts) {
        if (d in docs) {
          delete docs[d];
          deleted = true;
        }
      }
      if (!deleted || nonEmpty(docs)) left = true;
      else delete postings[field];
    }
    return left ? postings : null;
  };
  const joinPostings = (a: Postings | null, b: Postings | null): Postings | null => {
    if (!a) return b;
    if (!b) return a;
    for (const field of Object.keys(b)) a[field] = Object.assign(a[field] ?? {}, b[field]);
    return a;
  };

  // a fresh build of the sorted documents (no previous): short ids already final, postings kept as they are
  const fromAddPostings = (p: Postings): Postings | null => (addIdentity && prevCount === 0 ? p : remap(p, fromAdd));
  const prevIndex = previous ? previous.index : [];
  const addIndex = [...add.index].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  const index: MiniSearchJson['index'] = [];
  let j = 0;
  for (let i = 0; i < prevIndex.length; i++) {
    const [term, postings] = prevIndex[i] as [string, Postings];
    if (i > 0 && !((prevIndex[i - 1] as [string, Postings])[0] < term)) fail('the previous index terms are not sorted (not canonical)');
    while (j < addIndex.length && (addIndex[j] as [string, Postings])[0] < term) {
      const [t, p] = addIndex[j++] as [string, Postings];
      const r = fromAddPostings(p);
      if (r) index.push([t, r]);
    }
    let kept = shifted ? remap(postings, fromPrev) : prune(postings);
    if (j < addIndex.length && (addIndex[j] as [string, Postings])[0] === term) kept = joinPostings(kept, fromAddPostings((addIndex[j++] as [string, Postings])[1]));
    if (kept) index.push([term, kept]);
  }
  while (j < addIndex.length) {
    const [t, p] = addIndex[j++] as [string, Postings];
    const r = fromAddPostings(p);
    if (r) index.push([t, r]);
  }
  return {
    documentCount: all.length, nextId: all.length, documentIds, fieldIds: add.fieldIds, fieldLength, averageFieldLength,
    storedFields, dirtCount: 0, index, serializationVersion: 2,
  };
}
