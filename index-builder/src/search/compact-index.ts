/**
 * Search over the builder's prebuilt MiniSearch index (PROTO-3) for the server and the web UI,
 * kept in typed arrays and scored the way MiniSearch scores (BM25+ with its parameters, field boosts,
 * prefix and fuzzy term weights, the "quality" factor for query terms matched).
 *
 * Why not MiniSearch itself: on the bench's 10,000-library tree a typical query matches
 * 8,700 libraries, and MiniSearch allocates a result object per document per matching term,
 * which took 29 ms at the median and 64 ms at p95 per query (bench:server, issue 3's target is
 * 5 ms), and its Map-of-Maps postings hold ~150 MB. Here the postings are two flat arrays and a
 * query fills one Float64Array: same scores (tests compare every score with MiniSearch's),
 * a fraction of the time and memory. Term expansion (prefix, fuzzy) uses MiniSearch's own
 * radix tree (`minisearch/SearchableMap`), built in the same order, so it finds the same terms.
 *
 * Ties are broken by document order (the builder adds documents sorted by name), where
 * MiniSearch keeps the order in which documents first matched.
 */
import SearchableMap from 'minisearch/SearchableMap';

/** The serialized MiniSearch index (MiniSearch#toJSON, serializationVersion 1 or 2). */
export interface MiniSearchJson {
  documentCount: number;
  nextId: number;
  documentIds: Record<string, string>;
  fieldIds: Record<string, number>;
  fieldLength: Record<string, number[]>;
  averageFieldLength: number[];
  storedFields: Record<string, Record<string, unknown>>;
  dirtCount?: number;
  index: [string, Record<string, Record<string, number>>][];
  serializationVersion: number;
}

export interface CompactSearchOptions {
  /** Fields searched, in order, with their boosts (1 when absent). */
  fields: readonly string[];
  boost?: Readonly<Record<string, number>>;
  /** Prefix matching for a query term (MiniSearch's `prefix` as a function). */
  prefix: (term: string) => boolean;
  /** Fuzzy matching for a query term: a fraction of its length or an edit distance, or false. */
  fuzzy: (term: string) => number | false;
  maxFuzzy: number;
  weights?: { fuzzy: number; prefix: number };
  bm25?: { k: number; b: number; d: number };
}

export interface CompactHit {
  id: string;
  scope: string;
  score: number;
}

export interface CompactResult {
  /** Matching documents (after the filter). */
  total: number;
  /** The best of them, best first. */
  hits: CompactHit[];
}

const SPACE_OR_PUNCTUATION = /[\n\r\p{Z}\p{P}]+/u;

/** Query terms as MiniSearch's default tokenizer and term processing make them. */
export function tokenizeQuery(query: string): string[] {
  return query.split(SPACE_OR_PUNCTUATION).map((t) => t.toLowerCase()).filter((t) => t.length > 0);
}
const DEFAULT_WEIGHTS = { fuzzy: 0.45, prefix: 0.375 };
const DEFAULT_BM25 = { k: 1.2, b: 0.7, d: 0.5 };

export class CompactSearchIndex {
  /** Short document id -> external id and scope (stored field). */
  private readonly ids: string[] = [];
  private readonly scopes: string[] = [];
  private readonly live: Uint8Array;
  private readonly documentCount: number;
  private readonly fieldCount: number;
  /** fieldLength[fieldId][shortId] */
  private readonly fieldLength: Float64Array[];
  private readonly avgFieldLength: number[];
  /** Term -> term number; postings of (term, field) are docs/freqs[offsets[t * F + f] .. offsets[t * F + f + 1]). */
  private readonly terms = new SearchableMap<number>();
  private readonly offsets: Int32Array;
  private readonly docs: Int32Array;
  /** Term frequencies: whole numbers, exact in 32-bit floats (below 2^24), half the memory of 64-bit. */
  private readonly freqs: Float32Array;
  private readonly fieldIdOf: Record<string, number>;
  /** Scratch space for one query, reused (the server is single-threaded). */
  private readonly score: Float64Array;
  private readonly termScore: Float64Array;
  private readonly matchedTerms: Uint32Array;

  private constructor(js: MiniSearchJson) {
    if (js.serializationVersion !== 1 && js.serializationVersion !== 2) throw new Error(`unsupported MiniSearch serialization version ${js.serializationVersion}`);
    const n = js.nextId;
    this.documentCount = js.documentCount;
    this.fieldIdOf = js.fieldIds;
    this.fieldCount = Math.max(-1, ...Object.values(js.fieldIds)) + 1;
    this.avgFieldLength = js.averageFieldLength;
    this.live = new Uint8Array(n);
    // for-in, not Object.entries: no array per key (this runs over millions of postings)
    for (const k in js.documentIds) {
      const s = Number(k);
      this.live[s] = 1;
      this.ids[s] = js.documentIds[k] as string;
      this.scopes[s] = String(js.storedFields[k]?.scope ?? '');
    }
    this.fieldLength = Array.from({ length: this.fieldCount }, () => new Float64Array(n));
    for (const k in js.fieldLength) {
      const s = Number(k);
      const lengths = js.fieldLength[k] as number[];
      for (let f = 0; f < lengths.length && f < this.fieldCount; f++) (this.fieldLength[f] as Float64Array)[s] = lengths[f] as number;
    }
    const F = this.fieldCount;
    let total = 0;
    for (const [, data] of js.index) {
      for (const f in data) {
        const postings = data[f] as Record<string, number>;
        for (const _d in postings) total++;
      }
    }
    this.offsets = new Int32Array(js.index.length * F + 1);
    this.docs = new Int32Array(total);
    this.freqs = new Float32Array(total);
    let at = 0;
    for (let t = 0; t < js.index.length; t++) {
      const [term, data] = js.index[t] as [string, Record<string, Record<string, number>>];
      this.terms.set(term, t);
      for (let f = 0; f < F; f++) {
        this.offsets[t * F + f] = at;
        const postings = data[f];
        // a serialized index keeps postings of removed documents until vacuumed: drop them here
        if (postings) {
          for (const d in postings) {
            const s = Number(d);
            if (!this.live[s]) continue;
            this.docs[at] = s;
            this.freqs[at] = postings[d] as number;
            at++;
          }
        }
      }
    }
    this.offsets[js.index.length * F] = at;
    this.score = new Float64Array(n);
    this.termScore = new Float64Array(n);
    this.matchedTerms = new Uint32Array(n);
  }

  static fromJson(json: string): CompactSearchIndex {
    return new CompactSearchIndex(JSON.parse(json) as MiniSearchJson);
  }

  /** From the parsed object (the web UI assembles it from the base file and its shards). */
  static fromObject(js: MiniSearchJson): CompactSearchIndex {
    return new CompactSearchIndex(js);
  }

  /**
   * Matching documents best first (ties in document order): all of them, or the best `limit`
   * (selected without sorting the rest). `filter` drops documents before they are counted.
   */
  search(query: string, o: CompactSearchOptions, opts: { limit?: number; filter?: (id: string, scope: string) => boolean } = {}): CompactResult {
    const queryTerms = tokenizeQuery(query);
    const { score, termScore, matchedTerms } = this;
    const n = score.length;
    score.fill(0);
    matchedTerms.fill(0);
    const weights = o.weights ?? DEFAULT_WEIGHTS;
    const bm25 = o.bm25 ?? DEFAULT_BM25;
    const fields = o.fields.map((name) => ({ id: this.fieldIdOf[name], boost: o.boost?.[name] || 1 })).filter((f): f is { id: number; boost: number } => f.id !== undefined);
    // MiniSearch multiplies a score by the number of distinct query terms the document matched:
    // the first 32 distinct terms get a bit each, any further ones a set of documents
    const bit = new Map<string, number>();
    const extra = new Map<string, Set<number>>();
    for (const q of queryTerms) {
      if (bit.has(q) || extra.has(q)) continue;
      if (bit.size < 32) bit.set(q, bit.size);
      else extra.set(q, new Set());
    }
    for (const q of queryTerms) {
      const add = (t: number, weight: number) => this.scoreTerm(t, weight, fields, bm25, termScore);
      const exact = this.terms.get(q);
      if (exact !== undefined) add(exact, 1);
      const fuzzyOpt = o.fuzzy(q);
      let fuzzyMatches: Map<string, [number, number]> | undefined;
      if (fuzzyOpt !== false) {
        const maxDistance = fuzzyOpt < 1 ? Math.min(o.maxFuzzy, Math.round(q.length * fuzzyOpt)) : fuzzyOpt;
        if (maxDistance) fuzzyMatches = this.terms.fuzzyGet(q, maxDistance);
      }
      if (o.prefix(q)) {
        for (const [term, t] of this.terms.atPrefix(q)) {
          const distance = term.length - q.length;
          if (!distance) continue;
          fuzzyMatches?.delete(term);
          add(t, (weights.prefix * term.length) / (term.length + 0.3 * distance));
        }
      }
      if (fuzzyMatches) {
        for (const [term, [t, distance]] of fuzzyMatches) {
          if (!distance) continue;
          add(t, (weights.fuzzy * term.length) / (term.length + distance));
        }
      }
      // the same sums in the same order as MiniSearch: per query term, then added to the total
      const b = bit.get(q);
      const mask = b === undefined ? 0 : 2 ** b;
      const more = extra.get(q);
      for (let s = 0; s < n; s++) {
        const ts = termScore[s] as number;
        if (ts === 0) continue;
        score[s] = (score[s] as number) + ts;
        matchedTerms[s] = (matchedTerms[s] as number) | mask;
        more?.add(s);
        termScore[s] = 0;
      }
    }
    const top = new TopK(opts.limit ?? n, n);
    let total = 0;
    for (let s = 0; s < n; s++) {
      const raw = score[s] as number;
      if (raw === 0) continue;
      if (opts.filter && !opts.filter(this.ids[s] as string, this.scopes[s] as string)) continue;
      total++;
      let quality = popcount(matchedTerms[s] as number);
      if (extra.size) for (const set of extra.values()) if (set.has(s)) quality++;
      top.offer(s, raw * (quality || 1));
    }
    return { total, hits: top.sorted().map(([s, sc]) => ({ id: this.ids[s] as string, scope: this.scopes[s] as string, score: sc })) };
  }

  private scoreTerm(t: number, weight: number, fields: readonly { id: number; boost: number }[], bm25: { k: number; b: number; d: number }, acc: Float64Array): void {
    const F = this.fieldCount;
    const { k, b, d } = bm25;
    for (const field of fields) {
      const from = this.offsets[t * F + field.id] as number;
      const to = this.offsets[t * F + field.id + 1] as number;
      if (from === to) continue;
      const matching = to - from;
      const idf = Math.log(1 + (this.documentCount - matching + 0.5) / (matching + 0.5));
      const lengths = this.fieldLength[field.id] as Float64Array;
      const avg = this.avgFieldLength[field.id] as number;
      const factor = weight * field.boost;
      for (let i = from; i < to; i++) {
        const s = this.docs[i] as number;
        const tf = this.freqs[i] as number;
        const raw = idf * (d + (tf * (k + 1)) / (tf + k * (1 - b + (b * (lengths[s] as number)) / avg)));
        acc[s] = (acc[s] as number) + factor * raw;
      }
    }
  }
}

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v; v &= v - 1) c++;
  return c;
}

/** (document, score) is better than another when its score is higher, or equal with a lower document number. */
const better = (s1: number, d1: number, s2: number, d2: number): boolean => s1 > s2 || (s1 === s2 && d1 < d2);

/** The best `k` of the offered (document, score) pairs: a binary heap with the worst on top. */
class TopK {
  private readonly docs: Int32Array;
  private readonly scores: Float64Array;
  private size = 0;

  constructor(private readonly k: number, capacity: number) {
    const c = Math.max(0, Math.min(k, capacity));
    this.docs = new Int32Array(c);
    this.scores = new Float64Array(c);
  }

  offer(doc: number, score: number): void {
    const { docs, scores } = this;
    if (this.size < docs.length) {
      let i = this.size++;
      // sift up: the parent must be worse than (or equal to) the child
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!better(scores[p] as number, docs[p] as number, score, doc)) break;
        docs[i] = docs[p] as number;
        scores[i] = scores[p] as number;
        i = p;
      }
      docs[i] = doc;
      scores[i] = score;
      return;
    }
    if (this.k <= 0 || !better(score, doc, scores[0] as number, docs[0] as number)) return;
    // replace the worst, sift down
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const w = r < n && better(scores[l] as number, docs[l] as number, scores[r] as number, docs[r] as number) ? r : l;
      if (!better(score, doc, scores[w] as number, docs[w] as number)) break;
      docs[i] = docs[w] as number;
      scores[i] = scores[w] as number;
      i = w;
    }
    docs[i] = doc;
    scores[i] = score;
  }

  /** [document, score] pairs, best first. */
  sorted(): [number, number][] {
    const out: [number, number][] = [];
    for (let i = 0; i < this.size; i++) out.push([this.docs[i] as number, this.scores[i] as number]);
    return out.sort((a, b) => (better(a[1], a[0], b[1], b[0]) ? -1 : 1));
  }
}
