/** The contract between the builder and the static site generator (WEB-1). */
import type { TreeWriter } from '../emit/tree-writer.js';
import type { ConfigJson, LibraryIndex, SummaryEntry, SummaryIndex, TeamsJson } from '../format/protocol.js';
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
  /** The output's libraries, in the registry's order. */
  libraries: readonly SiteLibrary[];
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
   * settles when it is there: read it only after this. Rejects when building it failed. An update
   * of the previous index runs on a worker beside the site's pages; an index of all documents (or
   * one linked from the previous tree) is made on the builder's thread before the site is called.
   */
  searchIndex: () => Promise<void>;
  /** `search/index.json` is written already: the site may read it at once, before its pages. */
  searchIndexReady: boolean;
  /**
   * The files of `SiteEmitter.searchFiles`, made from the search index where it was updated (its
   * worker), once `searchIndex()` has settled; null when they were not made there (the index was
   * built on the builder's thread, or linked from the previous tree): the site makes them itself.
   */
  searchFiles: () => Promise<DerivedFile[]> | null;
}

/** A file derived from the search index's text, with the sha256 (hex) of that text. */
export interface DerivedFile {
  rel: string;
  text: string;
  sha256: string;
}

/**
 * A pure function of the search index's text that gives files of the site (`DerivedFile[]`),
 * named by the URL of its ES module and its export: the builder runs it on the worker that
 * updates the index, so that its CPU is not the builder's thread's (SiteInput.searchFiles).
 */
export interface SearchFilesMaker {
  module: string;
  name: string;
}

/** A library as the site gets it: its summary entry at once, its index file's content when asked (assembled then). */
export interface SiteLibrary {
  name: string;
  entry: SummaryEntry;
  index: () => LibraryIndex;
}

/** Renders the pages; a promise when part of the work waits (for `searchIndex()`). */
export type SiteEmitter = ((input: SiteInput) => void | Promise<void>) & { searchFiles?: SearchFilesMaker };
