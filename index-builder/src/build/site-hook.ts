/** The contract between the builder and the static site generator (WEB-1). */
import type { TreeWriter } from '../emit/tree-writer.js';
import type { ConfigJson, LibraryIndex, SummaryIndex, TeamsJson } from '../format/protocol.js';
import type { Visibility } from '../format/source-schema.js';

export interface SiteInput {
  /** Writes into the staging tree of this output. */
  writer: TreeWriter;
  /** The tree served before this build (for reusing unchanged pages), or null. */
  previousDir: string | null;
  /** Registry repo root: README sources live at libraries/@scope/name/<version>/README.md. */
  registryDir: string;
  visibility: Visibility;
  config: ConfigJson;
  libraries: readonly LibraryIndex[];
  summary: SummaryIndex;
  teams: TeamsJson;
  /** Libraries whose index file changed in this build (others may reuse their pages). */
  changed: ReadonlySet<string>;
  /**
   * Scopes whose index files are all the same as in the previous tree, and whose libraries are
   * the same ones: the site may reuse their whole `libraries/@scope` shard (writer.reuseShard).
   */
  unchangedScopes: ReadonlySet<string>;
  /**
   * Writes `search/index.json` into the staging tree (once, however often it is called) and
   * settles when it is there: read it only after this. Rejects when building it failed. A full
   * index is built (on a worker) only from the first call, so a site that calls this after its
   * pages keeps that worker's memory apart from theirs; an update of the previous index was
   * started by the builder already. The builder calls it after the site in any case.
   */
  searchIndex: () => Promise<void>;
}

/** Renders the pages; a promise when part of the work waits (for `searchIndex()`). */
export type SiteEmitter = (input: SiteInput) => void | Promise<void>;
