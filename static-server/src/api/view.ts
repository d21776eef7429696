/**
 * What one caller may see of the two trees: the public tree, plus the private libraries of
 * the scopes it may read (SEC-1). Every API listing goes through here, so a private name
 * never reaches a caller without access.
 */
import type { LibraryIndex, TeamsJson } from '../../../index-builder/src/index.js';
import type { Access } from '../auth/access.js';
import type { TreeSnapshot, VisibleEntry } from '../tree/tree-snapshot.js';

export type { VisibleEntry };

export class View {
  constructor(readonly pub: TreeSnapshot, readonly priv: TreeSnapshot | null, readonly access: Access) {}

  private privateOk(scope: string): boolean {
    return this.priv !== null && this.access.privateScopes.has(scope);
  }

  /** Visible entries sorted by name (the public array itself when no private scope is readable). */
  entries(): readonly VisibleEntry[] {
    if (!this.priv || !this.access.privateScopes.size) return this.pub.entries;
    const priv = this.priv.entries.filter((e) => this.privateOk(e.scope));
    if (!priv.length) return this.pub.entries;
    return [...this.pub.entries, ...priv].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  entry(full: string): VisibleEntry | null {
    const p = this.pub.byName.get(full);
    if (p) return p;
    const q = this.priv?.byName.get(full);
    return q && this.privateOk(q.scope) ? q : null;
  }

  library(full: string): { ix: LibraryIndex; tree: TreeSnapshot } | null {
    const e = this.entry(full);
    if (!e) return null;
    const tree = e.visibility === 'public' ? this.pub : (this.priv as TreeSnapshot);
    const ix = tree.library(full);
    return ix ? { ix, tree } : null;
  }

  /**
   * Search over both trees; private hits only for readable scopes. Entries in relevance order
   * (the best `limit` when given) and the number of matches; `filter` narrows both.
   */
  search(q: string, o: { limit?: number; filter?: (e: VisibleEntry) => boolean } = {}): { total: number; entries: VisibleEntry[] } {
    const only = (tree: TreeSnapshot, readable?: (scope: string) => boolean) => {
      const f = o.filter;
      if (!f && !readable) return undefined;
      return (id: string, scope: string): boolean => {
        if (readable && !readable(scope)) return false;
        if (!f) return true;
        const e = tree.byName.get(id);
        return e !== undefined && f(e);
      };
    };
    const entriesOf = (tree: TreeSnapshot, hits: readonly { id: string }[]) => hits.map((h) => tree.byName.get(h.id)).filter((e): e is VisibleEntry => e !== undefined);
    const limit = o.limit === undefined ? {} : { limit: o.limit };
    const pub = this.pub.searchHits(q, { ...limit, filter: only(this.pub) });
    if (!this.priv || !this.access.privateScopes.size) return { total: pub.total, entries: entriesOf(this.pub, pub.hits) };
    const privTree = this.priv;
    const priv = privTree.searchHits(q, { ...limit, filter: only(privTree, (scope) => this.privateOk(scope)) });
    if (!priv.total) return { total: pub.total, entries: entriesOf(this.pub, pub.hits) };
    const merged = [...pub.hits.map((h) => ({ h, tree: this.pub })), ...priv.hits.map((h) => ({ h, tree: privTree }))]
      .sort((a, b) => b.h.score - a.h.score || (a.h.id < b.h.id ? -1 : 1))
      .slice(0, o.limit ?? Infinity);
    return { total: pub.total + priv.total, entries: merged.map(({ h, tree }) => tree.byName.get(h.id)).filter((e): e is VisibleEntry => e !== undefined) };
  }

  teams(): { team: TeamsJson['scopes'][number]; libraries: number }[] {
    const count = (tree: TreeSnapshot, s: string) => tree.summary.scopes.find((x) => x.name === s)?.libraries ?? 0;
    const out = this.pub.teams.scopes.map((t) => ({ team: t, libraries: count(this.pub, t.name) }));
    if (this.priv) for (const t of this.priv.teams.scopes) if (this.privateOk(t.name)) out.push({ team: t, libraries: count(this.priv, t.name) });
    return out.sort((a, b) => (a.team.name < b.team.name ? -1 : 1));
  }

  team(name: string): { team: TeamsJson['scopes'][number]; libraries: number } | null {
    return this.teams().find((t) => t.team.name === name) ?? null;
  }
}
