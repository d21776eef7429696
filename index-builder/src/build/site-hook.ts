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
   * Settles when `search/index.json` is in the staging tree (it is built on a worker while the
   * site renders its pages): read it only after this. Rejects when building it failed.
   */
  searchIndexWritten: Promise<void>;
}

/** Renders the pages; a promise when part of the work waits (for `searchIndexWritten`). */
export type SiteEmitter = (input: SiteInput) => void | Promise<void>;
