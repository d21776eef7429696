/**
 * Instant search over the prebuilt MiniSearch index, loaded in shards (see
 * index-builder/src/site/search-shards.ts): the base file plus one shard per first character
 * of the query's words, scored by the builder's CompactSearchIndex (MiniSearch's scores in typed
 * arrays, as the server uses it: only the shown results are ranked). Prefix and fuzzy
 * matching, scope and tag filters, keyboard navigation.
 */
import { CompactSearchIndex, tokenizeQuery, type CompactSearchOptions, type MiniSearchJson } from '../../index-builder/src/search/compact-index.js';

type Stored = { name: string; scope?: string; description?: string; tags?: string; latest?: string } & Record<string, unknown>;

interface SearchBase {
  format: string;
  options: { fields: string[]; storeFields: string[]; searchOptions: { boost?: Record<string, number>; prefix?: boolean; fuzzy?: number | boolean; maxFuzzy?: number } };
  index: Omit<MiniSearchJson, 'documentIds' | 'index' | 'storedFields'> & { storedFields: Record<string, Stored> };
  shards: Record<string, { file: string; terms: number }>;
}
type Entry = [string, Record<string, Record<string, number>>];

const MAX_SHOWN = 50;

/** Mirrors shardKey() of the builder. */
export function shardKey(term: string): string {
  const c = term.charAt(0);
  return /^[a-z0-9]$/.test(c) ? c : '_';
}

function keysOf(query: string): Set<string> {
  return new Set(tokenizeQuery(query).map(shardKey));
}

/** The builder's search options (base.json) as the compact index takes them; MiniSearch's defaults where absent. */
function queryOptions(base: SearchBase): CompactSearchOptions {
  const o = base.options.searchOptions;
  const fuzzy = o.fuzzy === true ? 0.2 : o.fuzzy || false;
  return { fields: base.options.fields, boost: o.boost ?? {}, prefix: () => o.prefix === true, fuzzy: () => fuzzy, maxFuzzy: o.maxFuzzy ?? 6 };
}

class ShardedIndex {
  private base: Promise<SearchBase> | null = null;
  private readonly shards = new Map<string, Promise<Entry[]>>();
  private engine: CompactSearchIndex | null = null;
  private engineKeys = '';
  private documentIds: Record<string, string> | null = null;
  private storedByName: Map<string, Stored> | null = null;

  constructor(private readonly root: string, private readonly basePath: string) {}

  private fetchJson<T>(rel: string): Promise<T> {
    return fetch(this.root + rel).then((r) => {
      if (!r.ok) throw new Error(`${rel}: HTTP ${r.status}`);
      return r.json() as Promise<T>;
    });
  }

  loadBase(): Promise<SearchBase> {
    this.base ??= this.fetchJson<SearchBase>(this.basePath);
    return this.base;
  }

  /** Stored fields (name, description, tags, latest) of every library, by name; document ids on the way. */
  async stored(): Promise<Map<string, Stored>> {
    const base = await this.loadBase();
    if (!this.storedByName || !this.documentIds) {
      const byName = new Map<string, Stored>();
      const ids: Record<string, string> = {};
      const all = base.index.storedFields;
      for (const short in all) {
        const f = all[short] as Stored;
        byName.set(f.name, f);
        ids[short] = f.name;
      }
      this.storedByName = byName;
      this.documentIds = ids;
    }
    return this.storedByName;
  }

  /**
   * A shard, fetched in parallel with the base: its path follows from the key
   * (`search/web/shard-<key>.json`, as search-shards.ts writes it); 404 means no word starts so.
   */
  private shard(key: string): Promise<Entry[]> {
    let p = this.shards.get(key);
    if (!p) {
      const rel = `${this.basePath.replace(/[^/]*$/, '')}shard-${key}.json`;
      p = fetch(this.root + rel).then((r) => {
        if (r.status === 404) return [];
        if (!r.ok) throw new Error(`${rel}: HTTP ${r.status}`);
        return r.json() as Promise<Entry[]>;
      });
      p.catch(() => this.shards.delete(key));
      this.shards.set(key, p);
    }
    return p;
  }

  /** An engine holding (at least) the shards for the words of `query`, and its options. */
  async engineFor(query: string): Promise<{ engine: CompactSearchIndex; options: CompactSearchOptions }> {
    const keys = keysOf(query);
    const pending = [...keys].map((k) => this.shard(k));
    const base = await this.loadBase();
    await Promise.all(pending);
    const options = queryOptions(base);
    const have = new Set(this.engineKeys.split(',').filter(Boolean));
    if (this.engine && [...keys].every((k) => have.has(k))) return { engine: this.engine, options };
    for (const k of keys) have.add(k);
    const all = [...have].sort();
    const parts = await Promise.all(all.map((k) => this.shard(k)));
    await this.stored();
    this.engine = CompactSearchIndex.fromObject({ ...base.index, documentIds: this.documentIds ?? {}, index: parts.flat() });
    this.engineKeys = all.join(',');
    return { engine: this.engine, options };
  }
}

interface Filters {
  q: string;
  scope: string;
  tag: string;
}

function resultItem(root: string, r: Stored): HTMLLIElement {
  const name = String(r.name);
  const li = document.createElement('li');
  li.className = 'lib-card';
  const head = document.createElement('div');
  head.className = 'lib-card-head';
  const a = document.createElement('a');
  a.className = 'lib-name';
  a.href = `${root}libraries/${name}/index.html`;
  a.textContent = name;
  const v = document.createElement('span');
  v.className = 'version';
  v.textContent = String(r.latest ?? '');
  head.append(a, ' ', v);
  const p = document.createElement('p');
  p.className = 'lib-desc';
  p.textContent = String(r.description ?? '');
  li.append(head, p);
  const tags = String(r.tags ?? '').split(' ').filter(Boolean);
  if (tags.length) {
    const ul = document.createElement('ul');
    ul.className = 'tags';
    for (const t of tags.slice(0, 6)) {
      const tli = document.createElement('li');
      const ta = document.createElement('a');
      ta.className = 'tag';
      ta.href = `${root}tags/${t}/index.html`;
      ta.textContent = t;
      tli.append(ta);
      ul.append(tli);
    }
    li.append(ul);
  }
  return li;
}

export function initSearch(root: string): void {
  const section = document.querySelector<HTMLElement>('section.search[data-search-base]');
  const input = document.getElementById('q') as HTMLInputElement | null;
  const results = document.getElementById('results') as HTMLOListElement | null;
  const count = document.getElementById('result-count');
  const scopeSel = document.getElementById('filter-scope') as HTMLSelectElement | null;
  const tagSel = document.getElementById('filter-tag') as HTMLSelectElement | null;
  if (!section || !input || !results || !count || !scopeSel || !tagSel) return;
  const index = new ShardedIndex(root, section.dataset.searchBase ?? '');
  const others = document.querySelector<HTMLElement>('.home-sections');
  let seq = 0;

  const params = new URLSearchParams(location.search);
  input.value = params.get('q') ?? '';
  const setSelect = (sel: HTMLSelectElement, v: string | null) => {
    if (!v) return;
    if (![...sel.options].some((o) => o.value === v)) sel.add(new Option(v, v));
    sel.value = v;
  };
  setSelect(scopeSel, params.get('scope'));
  setSelect(tagSel, params.get('tag'));

  const current = (): Filters => ({ q: input.value.trim(), scope: scopeSel.value, tag: tagSel.value });

  const syncUrl = (f: Filters) => {
    const u = new URL(location.href);
    for (const [k, v] of Object.entries(f)) if (v) u.searchParams.set(k, v); else u.searchParams.delete(k);
    history.replaceState(null, '', u);
  };

  const run = async () => {
    const started = performance.now();
    const f = current();
    const mine = ++seq;
    syncUrl(f);
    if (!f.q && !f.scope && !f.tag) {
      results.hidden = true;
      results.replaceChildren();
      count.textContent = '';
      if (others) others.hidden = false;
      delete results.dataset.query;
      return;
    }
    let total: number;
    let shown: Stored[];
    try {
      // engineFor starts the shard fetches alongside the base's: both wait together
      const [stored, found] = await Promise.all([index.stored(), f.q ? index.engineFor(f.q) : Promise.resolve(null)]);
      const narrowed = Boolean(f.scope || f.tag);
      const keep = (name: string): boolean => {
        if (f.scope && !name.startsWith(`@${f.scope}/`)) return false;
        return !f.tag || String(stored.get(name)?.tags ?? '').split(' ').includes(f.tag);
      };
      if (f.q && found) {
        const r = found.engine.search(f.q, found.options, { limit: MAX_SHOWN, ...(narrowed ? { filter: keep } : {}) });
        total = r.total;
        shown = r.hits.map((h) => stored.get(h.id)).filter((x): x is Stored => x !== undefined);
      } else {
        const all = [...stored.values()].filter((x) => keep(x.name)).sort((a, b) => (a.name < b.name ? -1 : 1));
        total = all.length;
        shown = all.slice(0, MAX_SHOWN);
      }
    } catch {
      if (mine !== seq) return;
      count.textContent = 'Search is unavailable right now (the search index did not load).';
      return;
    }
    if (mine !== seq) return;
    if (others) others.hidden = true;
    results.replaceChildren(...shown.map((r) => resultItem(root, r)));
    results.hidden = total === 0;
    const what = f.q ? ` for “${f.q}”` : '';
    count.textContent = total === 0 ? `No libraries found${what}.` : `${total} ${total === 1 ? 'library' : 'libraries'}${what}${total > MAX_SHOWN ? ` (showing the first ${MAX_SHOWN})` : ''}`;
    results.dataset.query = f.q;
    results.dataset.count = String(total);
    results.dataset.ms = (performance.now() - started).toFixed(1);
    document.dispatchEvent(new CustomEvent('mdlibs:results', { detail: { query: f.q, count: total } }));
  };

  const links = () => [...results.querySelectorAll<HTMLAnchorElement>('a.lib-name')];
  input.addEventListener('input', () => void run());
  scopeSel.addEventListener('change', () => void run());
  tagSel.addEventListener('change', () => void run());
  input.addEventListener('focus', () => void index.loadBase().catch(() => undefined), { once: true });
  input.form?.addEventListener('submit', (e) => {
    e.preventDefault();
    links()[0]?.click();
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown') {
      const first = links()[0];
      if (first) {
        e.preventDefault();
        first.focus();
      }
    } else if (e.key === 'Escape' && input.value) {
      input.value = '';
      void run();
    }
  });
  results.addEventListener('keydown', (e) => {
    const all = links();
    const i = all.indexOf(document.activeElement as HTMLAnchorElement);
    if (i < 0) return;
    let next: HTMLElement | undefined;
    if (e.key === 'ArrowDown') next = all[Math.min(i + 1, all.length - 1)];
    else if (e.key === 'ArrowUp') next = i === 0 ? input : all[i - 1];
    else if (e.key === 'Home') next = all[0];
    else if (e.key === 'End') next = all[all.length - 1];
    else if (e.key === 'Escape') next = input;
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });
  if (input.value || scopeSel.value || tagSel.value) void run();
}
