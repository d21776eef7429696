/** The index builder (BUILD-1..5): validate a registry repo and emit the static tree. */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { MdlibsError, type Problem } from '../errors.js';
import { buildSearchIndex, preloadSearchUpdate, searchDoc, updateSearchIndexAsync, type SearchUpdate, type SearchUpdatePreload } from '../emit/search-index.js';
import { buildConfigJson, buildSummary, buildTeamsJson } from '../emit/listings.js';
import { shardTarget, TreeWriter, type Precompressed } from '../emit/tree-writer.js';
import { indexPath, PATHS, summaryPagePath, tarballPath } from '../format/paths.js';
import type { BuildInfo, LibraryIndex, SearchDoc, SummaryEntry } from '../format/protocol.js';
import type { Visibility } from '../format/source-schema.js';
import { cleanTreeIds, readAddedCommits, startGitReading } from '../git/git-state.js';
import { checkOutputPaths, discardStaging, newBuildId, prepareOutput, pruneOldBuilds, swapIn, type ManagedOutput } from '../output/managed-dir.js';
import { BUILDER_FORMAT, emptyRecord, isComplete, mergeRecords, versionId, type BuildRecord, type CarriedLibraryRecord, type RecordVersion, type ScopeCarry } from '../output/record.js';
import { parseRecord, readRecordFile, recordChunks, RecordSpans } from '../output/record-file.js';
import { currentTree } from '../output/current-tree.js';
import { TarballSpill } from '../output/tarball-spill.js';
import { fieldLine, readLibraries, readRegistryConfig, scopeVisibility, type LibraryFolder, type RegistryLayout } from '../read/registry.js';
import { checkConfusables, checkDependencies, type RuleLibrary } from '../validate/registry-rules.js';
import type { LibraryFile } from '../validate/files.js';
import { assembleLibraryIndex, libraryHead, librarySummary, sortVersions } from './library-index.js';
import { createProgress } from './progress.js';
import type { DerivedFile, SearchFilesMaker, SiteEmitter, SiteLibrary } from './site-hook.js';
import { detached } from './heap.js';
import { PhaseClock, type PhaseTime } from './phases.js';
import { buildVersion } from './version.js';

export interface BuildOptions {
  registryDir: string;
  outDir: string;
  /** Where private scopes go (PROTO-5). Without it, private libraries are validated but not emitted. */
  privateOutDir?: string | undefined;
  progress?: boolean;
  now?: () => Date;
  /** Static site generator; omitted: no HTML pages. */
  site?: SiteEmitter | undefined;
}

export interface BuildReport {
  buildId: string;
  libraries: number;
  versions: number;
  /** Versions validated and packed in this build. */
  builtVersions: string[];
  /** Versions taken over from the previous build unchanged. */
  reusedVersions: number;
  /** Libraries whose index file was written anew. */
  rebuiltLibraries: string[];
  /**
   * Scopes whose library folders were not read: each was the Git tree the previous build read,
   * with nothing changed under it in the work tree, and its libraries were taken over from that
   * build's record (BuildRecord.scopes).
   */
  takenOverScopes: string[];
  /**
   * How each output's search index was made: linked from the previous build (same documents),
   * updated from it (a few documents changed), or built from all documents.
   */
  searchIndex: Partial<Record<Visibility, SearchIndexMode>>;
  /** Private libraries not emitted because no private output was given. */
  skippedPrivate: string[];
  /**
   * Wall time by phase, in order: read (the registry's folders, the previous record, git's tree
   * ids), validate (and pack the versions not taken over), assemble (index files and search
   * documents; it ends when `git status` has answered), files (tarballs, index files, summary),
   * site, flush (compressed copies and the search index made beside), swap.
   */
  phases: PhaseTime[];
  bytesWritten: number;
  tarballBytes: number;
  durationMs: number;
  outDir: string;
  privateOutDir: string | null;
}

const sha256 = (s: string | Buffer) => createHash('sha256').update(s).digest('hex');

function contentKey(files: readonly LibraryFile[]): string {
  const h = createHash('sha256');
  for (const f of files) h.update(`${f.path}\0${f.bytes.length}\0`).update(f.bytes);
  return `sha256:${h.digest('hex')}`;
}

export async function buildRegistry(opts: BuildOptions): Promise<BuildReport> {
  checkOutputPaths(opts.registryDir, opts.outDir, opts.privateOutDir);
  const tarballs = new TarballSpill(opts.outDir); // fresh tarballs wait on disk for the tree
  const preloads = new Map<Visibility, SearchUpdatePreload>();
  try {
    return await build(opts, tarballs, preloads);
  } finally {
    for (const p of preloads.values()) p.cancel(); // unused, or the build failed (after a finished run: harmless)
    tarballs.remove();
  }
}

async function build(opts: BuildOptions, tarballs: TarballSpill, preloads: Map<Visibility, SearchUpdatePreload>): Promise<BuildReport> {
  const started = performance.now();
  /** What the site makes of an output's search index (its public tree's only), made where the index is updated. */
  const searchFilesOf = (visibility: Visibility) => (visibility === 'public' ? (opts.site?.searchFiles ?? null) : null);
  const clock = new PhaseClock();
  const now = opts.now ?? (() => new Date());
  const root = resolve(opts.registryDir);
  // git's scan of the work tree runs in its own processes, and the previous records are read on
  // the thread pool, while this thread reads the registry's folders
  const gitReading = startGitReading(root);
  const prevPub = currentTree(opts.outDir);
  const prevPriv = opts.privateOutDir ? currentTree(opts.privateOutDir) : null;
  // a worker for each previous search index starts now: it parses the index (11 MB at 10,000
  // libraries) while this thread reads the registry, and updates it if startSearchIndex decides
  // so (else it is cancelled)
  for (const [visibility, dir] of [['public', prevPub], ['private', prevPriv]] as const) {
    const preload = dir !== null && existsSync(join(dir, PATHS.searchIndex)) ? preloadSearchUpdate(join(dir, PATHS.searchIndex), searchFilesOf(visibility)) : null;
    if (preload) preloads.set(visibility, preload);
  }
  // registry.toml and scopes/ now (the previous records are read on the thread pool meanwhile);
  // the library folders once the previous record and git's trees tell which scopes can be taken over
  const recordFiles = Promise.all([readRecordFile(prevPub), readRecordFile(prevPriv)]);
  recordFiles.catch(() => undefined);
  const files = readRegistryConfig(root);
  const limits = files.config.limits;
  const limitsKey = sha256(JSON.stringify(limits));
  const visibilityOf = (scope: string): Visibility => scopeVisibility(files, scope);

  const git = await gitReading.trees;
  // A scope whose folder is the Git tree the previous build read (BuildRecord.scopes) is taken
  // over: its libraries are not read again, its tarballs are where that build's shard is, and the
  // entries of its versions are copied to the next record without being parsed. Still to be
  // confirmed by `git status` (nothing changed under it in the work tree): else its folders are
  // read again below (and its entries parsed when read).
  // (of each output's record, the scopes still of that output: their index files name it)
  const carryableIn = (visibility: Visibility) => (r: BuildRecord): Set<string> => new Set(r.builder === BUILDER_FORMAT && r.limits === limitsKey && git
    ? Object.entries(r.scopes ?? {}).filter(([scope, c]) => c.tree === git.scopeTrees.get(scope) && visibilityOf(scope) === visibility && isComplete(c) && c.libraries.every((l) => l.entry?.name === `@${scope}/${l.name}`)).map(([scope]) => scope)
    : []);
  // where each previous version entry is in its file: copied from there when the entry is taken over
  const recordSpans = new RecordSpans();
  // the files (52 MB at 10,000 libraries) are not kept: an entry's docs are read again from its
  // file when asked for (record-file.ts lazyTail), and so is a whole entry of a scope taken over
  const [pubFile, privFile] = await recordFiles;
  const prevRecords = { public: parseRecord(pubFile, recordSpans, carryableIn('public')), private: parseRecord(privFile, recordSpans, carryableIn('private')) };
  const prev: BuildRecord | null = mergeRecords(prevRecords.public, prevRecords.private);
  const canReuse = prev !== null && prev.builder === BUILDER_FORMAT && prev.limits === limitsKey;
  const carryable = new Set(canReuse ? (['public', 'private'] as const).flatMap((v) => [...(prevRecords[v] ? carryableIn(v)(prevRecords[v]) : [])]) : []);
  const carried = new Set<string>();
  /** The libraries of the scopes taken over, by `@scope/name`. */
  const carriedLibs = new Map<string, CarriedLibraryRecord>();
  let changedScopes: ReadonlySet<string> = new Set();
  const carry = (scope: string) => {
    if (!carryable.has(scope) || changedScopes.has(scope)) return undefined;
    carried.add(scope);
    const libs = prev?.scopes?.[scope]?.libraries;
    for (const l of libs ?? []) carriedLibs.set(`@${scope}/${l.name}`, l);
    return libs;
  };
  // the tree ids of the version folders in the other scopes (all of them in a first build), asked
  // of git while this thread reads their folders
  const versionTrees = git?.versionTrees(carryable.size ? [...git.scopeTrees.keys()].filter((scope) => !carryable.has(scope)) : 'all');
  versionTrees?.catch(() => undefined); // awaited below, after the folders are read
  let layout: RegistryLayout = readLibraries(files, carry);
  let treeIds = (await versionTrees) ?? null;
  // where each previous version's tarball is (by its tree path): 20,000 lookups at 10,000
  // libraries but for the scopes taken over (the previous tree's shard of such a scope holds
  // every tarball its record lists: `carriedShards`, by scope), made while `git status` still
  // runs (this thread would only wait for it); the tree takes reused tarballs from there
  const prevTarball = new Map<string, string | null>();
  const carriedShards = new Map<string, string>();
  const lookUp = (rel: string): string | null => [prevPub, prevPriv].find((d) => d !== null && existsSync(join(d, rel))) ?? null;
  const prevFile = (rel: string): string | null => {
    const known = prevTarball.get(rel);
    if (known !== undefined) return known;
    const shard = carriedShards.size ? carriedShards.get(rel.slice(10, rel.indexOf('/', 10))) : undefined; // tarballs/@<scope>/
    return shard ?? lookUp(rel);
  };
  const lookUpTarballs = () => {
    prevTarball.clear();
    carriedShards.clear();
    if (!canReuse) return;
    for (const scope of carried) {
      const dir = [prevPub, prevPriv].find((d) => shardTarget(d, 'tarballs', scope) !== null);
      if (dir) carriedShards.set(scope, dir);
    }
    for (const lib of layout.libraries) {
      if (carriedShards.has(lib.scope)) continue;
      for (const v of lib.versions) {
        const rel = tarballPath(lib.scope, lib.name, v.version);
        if (prev.versions[versionId(lib.full, v.version)]) prevTarball.set(rel, lookUp(rel));
      }
    }
  };
  lookUpTarballs();
  clock.mark('read');
  const progress = createProgress(opts.progress ?? false);
  const total = layout.libraries.reduce((n, l) => n + l.versions.length, 0);

  /**
   * Validates and packs each version not taken over from the previous build, a version folder
   * keyed by its tree id in `treeIds` (else by its content); a version of a scope taken over is
   * the previous build's (its folder is in the same tree). Pure but for the packed tarballs it
   * puts in the spill (a later pass puts its own).
   */
  const validateVersions = (treeIds: ReadonlyMap<string, string> | null) => {
    const records = new Map<string, RecordVersion>();
    const needCommit: { id: string; rel: string }[] = [];
    const builtVersions: string[] = [];
    const problems: Problem[] = [];
    let done = 0;
    for (const lib of layout.libraries) {
      for (const v of lib.versions) {
        progress.tick('validating', ++done, total);
        const id = versionId(lib.full, v.version);
        const old = prev?.versions[id];
        if (canReuse && old && carriedShards.has(lib.scope)) {
          records.set(id, old); // a scope taken over: the previous record's, its tarball in that build's shard
          continue;
        }
        const treeKey = treeIds?.get(v.rel);
        const key = treeKey ? `git:${treeKey}` : null;
        const tarballFrom = canReuse && old ? prevFile(tarballPath(lib.scope, lib.name, v.version)) : null;
        if (canReuse && old && tarballFrom && ((key && old.key === key) || carried.has(lib.scope))) {
          records.set(id, old);
          continue;
        }
        const r = buildVersion(root, v.rel, { name: lib.full, version: v.version }, limits);
        problems.push(...r.problems);
        if (!r.built) continue;
        const { manifest, tarball, docs, search } = r.built;
        const ckey = key ?? contentKey(r.files);
        if (old && old.sha256 !== tarball.sha256) {
          problems.push({ code: 'MDL_VERSION_CHANGED', file: v.rel, message: `${id} was published with sha256 ${old.sha256.slice(0, 12)}… and its content has changed (edited folder, force-push or rewritten history)`, hint: `published versions are immutable: restore the folder as published (git checkout <commit> -- ${v.rel}) and publish the change as a new version` });
          continue;
        }
        const tomb = prev?.deleted[id];
        if (tomb && tomb.sha256 !== tarball.sha256) {
          problems.push({ code: 'MDL_VERSION_REUSED', file: v.rel, message: `${id} was deleted and now comes back with different content`, hint: 'a deleted version number can never be reused: publish this content under a new version number' });
          continue;
        }
        if (!(canReuse && old && old.key === ckey && tarballFrom)) {
          tarballs.put(id, tarball.bytes);
          if (visibilityOf(lib.scope) === 'public' || opts.privateOutDir) builtVersions.push(id);
        }
        const l = manifest.library;
        // detached: the record lives until the build ends, its strings must not hold the files they came from
        records.set(id, detached({
          key: ckey, sha256: tarball.sha256, integrity: tarball.integrity, size: tarball.bytes.length, unpackedSize: tarball.unpackedSize,
          fileCount: tarball.fileCount, publishedAt: old?.publishedAt ?? '', commit: old?.commit ?? null,
          description: l.description, license: l.license, tags: l.tags, authors: l.authors, repository: l.repository ?? null, homepage: l.homepage ?? null,
          dependencies: Object.fromEntries(Object.entries(manifest.dependencies).sort(([a], [b]) => (a < b ? -1 : 1))), docs, search,
        }));
        if (!old) needCommit.push({ id, rel: v.rel });
      }
    }
    return { records, needCommit, builtVersions, problems };
  };
  type Pass = ReturnType<typeof validateVersions>;
  /** Every problem of a pass, cross-library rules included (the build reports them all at once). */
  const problemsOf = (p: Pass): Problem[] => [...layout.problems, ...p.problems, ...crossLibraryProblems(layout.libraries, p.records, visibilityOf, prev, root, [...layout.scopes.keys()], carriedLibs)];
  /** Gives each version new in a pass its commit and time (`git log`), in the pass's records. */
  const addCommits = async (p: Pass): Promise<void> => {
    const added = git ? await readAddedCommits(root, git, p.needCommit.map((n) => n.rel)) : new Map<string, { commit: string; time: string }>();
    const firstSeen = now().toISOString();
    for (const n of p.needCommit) {
      const r = p.records.get(n.id) as RecordVersion;
      const a = added.get(n.rel);
      p.records.set(n.id, { ...r, publishedAt: a?.time ?? firstSeen, commit: a?.commit ?? null });
    }
  };
  // An update of each output's search index starts on a worker (the one preloaded for its
  // previous index, the first time) and runs while the tree and the site are written; an index of
  // all documents is made when the tree is written, before the site's pages (emitTree).
  const visibilities: Visibility[] = opts.privateOutDir ? ['public', 'private'] : ['public'];
  /** `workers`: the preloaded search index workers, for the first assembly only (a second one starts its own). */
  const assemble = (records: ReadonlyMap<string, RecordVersion>, workers: ReadonlyMap<Visibility, SearchUpdatePreload> | null) => new Map(visibilities.map((visibility) => {
    const a = assembleLibraries(layout.libraries.filter((l) => visibilityOf(l.scope) === visibility), records, visibility, canReuse ? prev : null, carriedLibs);
    const previous = canReuse ? { record: prevRecords[visibility], dir: visibility === 'public' ? prevPub : prevPriv } : { record: null, dir: null };
    return [visibility, { ...a, search: startSearchIndex(a.docs, previous, (id) => a.libraries.get(id)?.carried === true, workers?.get(visibility) ?? null, searchFilesOf(visibility)) }] as const;
  }));
  // The versions are validated, and the libraries assembled (the search index's update started),
  // with the tree ids of HEAD while `git status` still scans the work tree (~0.3 s more at 10,000
  // libraries): a clean work tree (a CI checkout) is then done. A folder the scan finds dirty was
  // keyed by its HEAD tree: that work is dropped and done again, the dirty folders keyed by their
  // content (the tree ids say nothing of them).
  let pass = validateVersions(treeIds);
  let found = problemsOf(pass);
  if (!found.length) await addCommits(pass);
  clock.mark('validate');
  let assembled = found.length ? null : assemble(pass.records, preloads);
  const dirty = await gitReading.dirty;
  const dirtyScopes = await gitReading.dirtyScopes;
  // a scope taken over has changes in the work tree: its library folders are read after all
  const reread = [...carried].filter((scope) => dirtyScopes.has(scope));
  const relayout = reread.length > 0;
  if (relayout && git && treeIds) {
    changedScopes = dirtyScopes;
    carried.clear();
    carriedLibs.clear();
    layout = readLibraries(files, carry);
    lookUpTarballs();
    treeIds = new Map([...treeIds, ...await git.versionTrees(reread)]);
  }
  if (git && treeIds && (relayout || [...dirty].some((folder) => treeIds?.has(folder)))) {
    for (const a of assembled?.values() ?? []) a.search.cancel();
    pass = validateVersions(cleanTreeIds(treeIds, dirty));
    found = problemsOf(pass);
    if (!found.length) await addCommits(pass);
    assembled = found.length ? null : assemble(pass.records, null);
  }
  progress.done();
  if (found.length || !assembled) {
    throw new MdlibsError('MDL_VALIDATION_FAILED', `the registry has ${found.length} problem${found.length === 1 ? '' : 's'}; nothing was written`, { problems: found, hint: 'fix each problem listed (file, line, rule, fix) and build again' });
  }
  const { records, builtVersions } = pass;
  /** What the next build may take over of a scope: only one whose folder is HEAD's tree as it is (nothing changed, untracked or ignored under it). */
  const scopeCarry = (scope: string, libs: readonly LibraryFolder[], assembled: Assembled): ScopeCarry | undefined => {
    const tree = git?.scopeTrees.get(scope);
    if (!tree || dirtyScopes.has(scope)) return undefined;
    return { tree, libraries: libs.map((l): CarriedLibraryRecord => {
      const a = assembled.libraries.get(l.full) as AssembledLibrary;
      if (a.taken) return a.taken; // the same library, taken over with its scope: its entries are not read
      let bytes = 0;
      const dependencies: Record<string, Record<string, string>> = {};
      for (const [version, r] of a.versions) {
        bytes += r.size;
        if (Object.keys(r.dependencies).length) dependencies[version] = r.dependencies;
      }
      return { name: l.name, meta: l.meta, versions: l.versions.map((v) => v.version), entry: a.entry, bytes, ...(Object.keys(dependencies).length ? { dependencies } : {}) };
    }) };
  };

  clock.mark('assemble');
  const buildId = newBuildId(now());
  const skippedPrivate = layout.libraries.filter((l) => visibilityOf(l.scope) === 'private' && !opts.privateOutDir).map((l) => l.full);
  const targets: { visibility: Visibility; m: ManagedOutput }[] = [];
  const pruning: Promise<void>[] = [];
  const swapped = new Set<ManagedOutput>();
  const report: BuildReport = {
    buildId, libraries: layout.libraries.length - skippedPrivate.length, versions: 0, builtVersions, reusedVersions: 0, rebuiltLibraries: [], takenOverScopes: [...carried].sort(), searchIndex: {}, skippedPrivate, phases: [],
    bytesWritten: 0, tarballBytes: 0, durationMs: 0, outDir: resolve(opts.outDir), privateOutDir: opts.privateOutDir ? resolve(opts.privateOutDir) : null,
  };
  try {
    targets.push({ visibility: 'public', m: prepareOutput(opts.outDir, buildId) });
    if (opts.privateOutDir) targets.push({ visibility: 'private', m: prepareOutput(opts.privateOutDir, buildId) });
    for (const t of targets) {
      const prevOutputs = canReuse ? (prevRecords[t.visibility]?.outputs ?? {}) : {};
      const a = assembled.get(t.visibility) as Assembled;
      const w = await emitTree(t.visibility, t.m, layout, a, tarballs, prev, prevOutputs, canReuse, prevFile, git?.head ?? null, now, opts.site, report, recordSpans, clock, scopeCarry);
      // the tree's shard links are final: old builds and dead shards go while the copies are made
      pruning.push(pruneOldBuilds(t.m));
      await w.flush(); // compressed copies of large files, made on the thread pool
      clock.mark('flush');
      report.searchIndex[t.visibility] = a.search.mode();
      report.bytesWritten += w.bytesWritten;
    }
    for (const t of [...targets].reverse()) {
      swapIn(t.m);
      swapped.add(t.m);
    }
  } catch (e) {
    await Promise.allSettled(pruning);
    for (const t of targets) if (!swapped.has(t.m)) discardStaging(t.m); // a tree swapped in is served: never removed here
    throw e;
  }
  await Promise.all(pruning); // after the swap: a failure here must not discard the tree now served
  clock.mark('swap');
  report.phases = clock.list();
  report.reusedVersions = report.versions - builtVersions.filter((id) => records.has(id)).length;
  report.durationMs = Math.round(performance.now() - started);
  return report;
}

export type SearchIndexMode = 'reused' | 'updated' | 'built';

interface AssembledLibrary {
  versions: Map<string, RecordVersion>;
  /** Its summary entry (summary pages, site listings): made without reading the versions' docs. */
  entry: SummaryEntry;
  /**
   * Its index file's content, assembled when first asked for: a carried library's is asked for
   * only by the site, for a scope whose pages are not taken over whole (so the docs of most of
   * the previous record's entries are never parsed in a one-library rebuild).
   */
  index: () => LibraryIndex;
  /** Hash of what the index file is made of besides the version records (visibility, meta.toml, version list). */
  inputs: string;
  /**
   * The index file (and so the search document) is the previous build's: same inputs, and every
   * version's record taken over as it was. Its hashes are then carried over, not computed again.
   */
  carried: boolean;
  /**
   * The library as the previous record has it, when it was taken over with its scope: its summary
   * entry, tarball sizes and dependencies come from there, and its version entries are not read.
   */
  taken?: CarriedLibraryRecord;
}

interface Assembled {
  /** By `@scope/name`, in the layout's order. */
  libraries: Map<string, AssembledLibrary>;
  docs: SearchDoc[];
  search: {
    inputHash: string; docHashes: Record<string, string>; make: () => Promise<string | Precompressed | SearchUpdate>; mode: () => SearchIndexMode;
    /** Drops an update started on a worker (the assembly is discarded): it neither answers nor falls back to indexing every document. */
    cancel: () => void;
  };
}

/**
 * The index file of each library of one output, and its search documents (pure). A library of a
 * scope taken over (`carriedLibs`) whose records are the previous build's gets its summary entry
 * from the previous record, and its index file is assembled only if asked for: none of its version
 * entries is read (record-file.ts LazyVersion).
 */
function assembleLibraries(libs: readonly LibraryFolder[], records: ReadonlyMap<string, RecordVersion>, visibility: Visibility, prev: BuildRecord | null, carriedLibs: ReadonlyMap<string, CarriedLibraryRecord>): Omit<Assembled, 'search'> {
  const libraries = new Map<string, AssembledLibrary>();
  const docs: SearchDoc[] = [];
  for (const lib of libs) {
    const versions = new Map<string, RecordVersion>();
    for (const v of lib.versions) versions.set(v.version, records.get(versionId(lib.full, v.version)) as RecordVersion);
    const same = prev !== null && prev.libraries[lib.full] !== undefined && lib.versions.every((v) => versions.get(v.version) === prev.versions[versionId(lib.full, v.version)]);
    const c = carriedLibs.get(lib.full);
    const previousInputs = prev?.libraryInputs[lib.full];
    if (same && c?.entry && c.bytes !== undefined && previousInputs !== undefined) {
      // its meta.toml and version folders are the recorded ones (readLibraries took them over), so are its inputs
      let index: LibraryIndex | null = null;
      const indexOf = () => (index ??= assembleLibraryIndex(lib.scope, lib.name, visibility, lib.meta, versions));
      const entry = c.entry;
      libraries.set(lib.full, { versions, entry, index: indexOf, inputs: previousInputs, carried: true, taken: c });
      const highest = () => sortVersions(versions.keys()).pop() ?? '';
      docs.push(searchDoc(entry, entry.latest ?? highest(), versions.get(entry.latest ?? lib.versions[lib.versions.length - 1]?.version ?? '') as RecordVersion));
      continue;
    }
    const head = libraryHead(lib.meta, versions);
    let index: LibraryIndex | null = null;
    const indexOf = () => (index ??= assembleLibraryIndex(lib.scope, lib.name, visibility, lib.meta, versions, head));
    const inputs = sha256(JSON.stringify([visibility, lib.meta, lib.versions.map((v) => v.version)]));
    const carried = same && previousInputs === inputs;
    if (!carried) indexOf(); // its index file is written (and its docs read) in any case
    const entry = librarySummary(lib.scope, lib.name, lib.meta, head);
    libraries.set(lib.full, { versions, entry, index: indexOf, inputs, carried });
    const latest = head.latest ?? head.ordered[head.ordered.length - 1] ?? '';
    docs.push(searchDoc(entry, latest, versions.get(head.latest ?? lib.versions[lib.versions.length - 1]?.version ?? '') ?? ([...versions.values()].pop() as RecordVersion)));
  }
  return { libraries, docs };
}

/**
 * Starts building the search index at once, unless the previous build made it from the same
 * documents (then it is linked, and `make` only runs if the previous file is missing). When the
 * previous index is canonical and few documents changed, it is updated instead of rebuilt, by
 * `preload` (started by buildRegistry for the previous index) when it is that file's; an unused
 * `preload` is cancelled.
 */
function startSearchIndex(docs: readonly SearchDoc[], previous: { record: BuildRecord | null; dir: string | null }, carried: (id: string) => boolean, preload: SearchUpdatePreload | null, files: SearchFilesMaker | null): Assembled['search'] {
  const docHashes: Record<string, string> = {};
  // a carried library's document is the previous build's: its hash too (10,000 hashes of JSON otherwise)
  const before = previous.record?.searchDocs;
  for (const d of [...docs].sort((a, b) => (a.id < b.id ? -1 : 1))) docHashes[d.id] = (carried(d.id) ? before?.[d.id] : undefined) ?? sha256(JSON.stringify(d)).slice(0, 32);
  const inputHash = sha256(JSON.stringify(docHashes));
  let mode: SearchIndexMode = 'reused';
  let cancelled = false;
  const cancel = () => {
    cancelled = true;
    preload?.cancel();
  };
  // every document indexed afresh: on this thread, before the site's pages (~1.3 s of CPU at
  // 10,000 libraries, 0.5 % of a full build): a worker's own heap and copy of the documents
  // added ~90 MB at 3,000 libraries to the build's peak RSS
  const fresh = () => {
    mode = 'built';
    return Promise.resolve().then(() => buildSearchIndex(docs));
  };
  if (previous.record?.outputs[PATHS.searchIndex] === inputHash) {
    preload?.cancel();
    return { inputHash, docHashes, make: fresh, mode: () => mode, cancel };
  }
  const previousFile = previous.dir ? join(previous.dir, PATHS.searchIndex) : null;
  let started: Promise<string | SearchUpdate> | null = null;
  if (before && previousFile && existsSync(previousFile)) {
    const drop = Object.keys(before).filter((id) => docHashes[id] !== before[id]);
    const add = docs.filter((d) => before[d.id] !== docHashes[d.id]);
    // a few changed documents: update the previous index; many: index them all afresh
    if (new Set([...drop, ...add.map((d) => d.id)]).size <= docs.length / 4) {
      mode = 'updated';
      started = updateSearchIndexAsync({ previousFile, drop, add }, docs.length, undefined, preload, files).catch((e: unknown): Promise<string | SearchUpdate> => (cancelled ? Promise.reject(e) : fresh()));
    }
  }
  if (started) {
    started.catch(() => undefined); // a build that fails before writing it must not crash on it
    const made = started;
    return { inputHash, docHashes, make: () => made, mode: () => mode, cancel };
  }
  preload?.cancel();
  // indexing every document (a full build) starts when the tree asks for it
  return { inputHash, docHashes, make: fresh, mode: () => mode, cancel };
}

/** Version ids and library names of the previous record, by scope. */
function idsByScope(prev: BuildRecord | null): { versions: Map<string, Set<string>>; libraries: Map<string, Set<string>> } {
  const versions = new Map<string, Set<string>>();
  const libraries = new Map<string, Set<string>>();
  const scopeOf = (full: string) => full.slice(1, full.indexOf('/'));
  for (const id of Object.keys(prev?.versions ?? {})) {
    const scope = scopeOf(id);
    (versions.get(scope) ?? versions.set(scope, new Set()).get(scope))?.add(id);
  }
  for (const full of Object.keys(prev?.libraries ?? {})) {
    const scope = scopeOf(full);
    (libraries.get(scope) ?? libraries.set(scope, new Set()).get(scope))?.add(full);
  }
  return { versions, libraries };
}

const sameSet = (xs: readonly string[], set: ReadonlySet<string> | undefined): boolean => set !== undefined && set.size === xs.length && xs.every((x) => set.has(x));

/** `carriedLibs`: the libraries of the scopes taken over, whose dependencies the record lists (their entries are not read). */
function crossLibraryProblems(libs: readonly LibraryFolder[], records: ReadonlyMap<string, RecordVersion>, visibilityOf: (s: string) => Visibility, prev: BuildRecord | null, root: string, scopeFiles: readonly string[], carriedLibs: ReadonlyMap<string, CarriedLibraryRecord>): Problem[] {
  const dependenciesOf = (full: string, version: string): Record<string, string> => {
    const id = versionId(full, version);
    const r = records.get(id);
    const c = carriedLibs.get(full);
    return c && r !== undefined && r === prev?.versions[id] ? (c.dependencies?.[version] ?? {}) : (r?.dependencies ?? {});
  };
  const ruleLibs: RuleLibrary[] = libs.map((l) => ({
    full: l.full, scope: l.scope, name: l.name, rel: l.rel, visibility: visibilityOf(l.scope),
    versions: l.versions.map((v) => ({
      version: v.version, rel: v.rel, dependencies: dependenciesOf(l.full, v.version),
      yanked: Object.hasOwn(l.meta.yanked, v.version), published: prev?.versions[versionId(l.full, v.version)] !== undefined,
    })),
  }));
  const known = new Set<string>();
  for (const id of Object.keys(prev?.versions ?? {})) {
    const full = id.slice(0, id.lastIndexOf('@'));
    known.add(full);
    known.add(full.split('/')[0] ?? '');
  }
  return [...checkDependencies(ruleLibs, (file, field) => fieldLine(root, file, field)), ...checkConfusables(ruleLibs, known, scopeFiles)];
}

async function emitTree(
  visibility: Visibility, m: ManagedOutput, layout: RegistryLayout, assembled: Assembled,
  tarballs: TarballSpill, prev: BuildRecord | null, prevOutputs: Readonly<Record<string, string>>, canReuse: boolean, prevFile: (rel: string) => string | null,
  head: string | null, now: () => Date, site: SiteEmitter | undefined, report: BuildReport, recordSpans: RecordSpans, clock: PhaseClock,
  scopeCarry: (scope: string, libs: readonly LibraryFolder[], assembled: Assembled) => ScopeCarry | undefined,
): Promise<TreeWriter> {
  const w = new TreeWriter(m.staging, { objectsDir: m.objectsDir, id: basename(m.staging) });
  const visibilityOf = (s: string) => scopeVisibility(layout, s);
  const record = emptyRecord(sha256(JSON.stringify(layout.config.limits)));
  const libraries: SiteLibrary[] = [];
  const changed = new Set<string>();
  const unchangedScopes = new Set<string>();
  const prevByScope = canReuse ? idsByScope(prev) : null;
  const byScope = new Map<string, LibraryFolder[]>();
  for (const lib of layout.libraries) if (visibilityOf(lib.scope) === visibility) (byScope.get(lib.scope) ?? byScope.set(lib.scope, []).get(lib.scope))?.push(lib);
  const scopes: Record<string, ScopeCarry> = {};
  for (const [scope, libs] of byScope) {
    const c = scopeCarry(scope, libs, assembled);
    if (c) scopes[scope] = c;
    // tarballs/@scope: one link to the previous build's shard when no version was added, removed or packed anew
    const ids = libs.flatMap((lib) => lib.versions.map((v) => versionId(lib.full, v.version)));
    const sameVersions = prevByScope !== null && sameSet(ids, prevByScope.versions.get(scope)) && !ids.some((id) => tarballs.has(id));
    const tarballShard = sameVersions && w.reuseShard('tarballs', scope, m.previous);
    const built = libs.map((lib) => {
      const { versions, index: ix, entry, inputs, carried, taken } = assembled.libraries.get(lib.full) as AssembledLibrary;
      if (taken) report.tarballBytes += taken.bytes ?? 0; // its entries are not read
      for (const v of lib.versions) {
        const id = versionId(lib.full, v.version);
        const r = versions.get(v.version) as RecordVersion;
        record.versions[id] = r;
        if (!taken) report.tarballBytes += r.size;
        report.versions++;
        if (tarballShard) continue;
        const rel = tarballPath(lib.scope, lib.name, v.version);
        if (!tarballs.moveInto(w, id, rel)) w.reuse(prevFile(rel) as string, rel);
      }
      // A carried index file (AssembledLibrary.carried) keeps its hash instead of being serialized
      // again (~45 MB of JSON at 10,000 libraries); else it is hashed.
      record.libraryInputs[lib.full] = inputs;
      const previousHash = canReuse ? prev?.libraries[lib.full] : undefined;
      const json = carried ? null : JSON.stringify(ix());
      const hash = json === null ? (previousHash as string) : sha256(json);
      record.libraries[lib.full] = hash;
      libraries.push({ name: lib.full, entry, index: ix });
      return { lib, ix, json, same: previousHash === hash };
    });
    // index/@scope: the same when every index file is, and no library came or went
    if (prevByScope !== null && built.every((b) => b.same) && sameSet(libs.map((l) => l.full), prevByScope.libraries.get(scope)) && w.reuseShard('index', scope, m.previous)) {
      unchangedScopes.add(scope);
      continue;
    }
    for (const { lib, ix, json, same } of built) {
      const rel = indexPath(lib.scope, lib.name);
      const from = same ? prevFile(rel) : null;
      if (from && existsSync(join(from, `${rel}.br`))) {
        for (const suffix of ['', '.gz', '.br']) w.reuse(from, rel + suffix);
      } else {
        w.writeCompressed(rel, json ?? JSON.stringify(ix()));
        changed.add(lib.full);
        report.rebuiltLibraries.push(lib.full);
      }
    }
  }
  for (const [id, tomb] of Object.entries(prev?.deleted ?? {})) if (visibilityOf(id.slice(1).split('/')[0] ?? '') === visibility) record.deleted[id] = tomb;
  for (const [id, r] of Object.entries(prev?.versions ?? {})) {
    if (record.versions[id] === undefined && visibilityOf(id.slice(1).split('/')[0] ?? '') === visibility) record.deleted[id] = { sha256: r.sha256, integrity: r.integrity };
  }
  const derived = (rel: string, input: string, make: () => string) => {
    const hash = sha256(input);
    record.outputs[rel] = hash;
    w.writeDerived(rel, hash, { dir: m.previous, hash: prevOutputs[rel] }, make);
  };
  const { index: summary, pages } = buildSummary(libraries.map((l) => l.entry), layout.scopes, visibilityOf);
  for (const p of pages) {
    const text = JSON.stringify(p);
    derived(summaryPagePath(p.page), text, () => text);
  }
  w.writeJson(PATHS.summary, summary);
  // an update started by buildRegistry on a worker, or a full index made on this thread before
  // the site is called (see startSearchIndex); the site's search shards wait for it
  const { inputHash: searchInput, docHashes, make: makeSearchIndex } = assembled.search;
  record.outputs[PATHS.searchIndex] = searchInput;
  record.searchDocs = docHashes;
  if (Object.keys(scopes).length) record.scopes = scopes;
  let searchIndexWritten: Promise<void> | null = null;
  // the site's files made beside the index on its worker, when it was updated there
  let searchFiles: Promise<DerivedFile[]> | null = null;
  const made = () => makeSearchIndex().then((index) => {
    if (typeof index !== 'string' && 'derived' in index) searchFiles = index.derived;
    return index;
  });
  const searchIndex = () => (searchIndexWritten ??= w.writeDerivedAsync(PATHS.searchIndex, searchInput, { dir: m.previous, hash: prevOutputs[PATHS.searchIndex] }, made));
  const hasPrivate = [...layout.scopes.keys()].some((s) => visibilityOf(s) === 'private');
  const config = buildConfigJson(layout.config, hasPrivate);
  w.writeJson(PATHS.config, config);
  const teams = buildTeamsJson(layout.config, layout.scopes, visibilityOf, visibility);
  w.writeJson(PATHS.teams, teams);
  // An index made on this thread (all documents, or linked from the previous build) is made
  // before the site's pages: made after them, on a heap grown by the pages, it was the peak of a
  // full build's memory. An update on the worker goes on beside the pages.
  const searchIndexReady = assembled.search.mode() !== 'updated';
  if (searchIndexReady) await searchIndex();
  clock.mark('files');
  await site?.({ writer: w, previousDir: m.previous, registryDir: layout.root, visibility, config, libraries, summary, teams, changed, unchangedScopes, searchIndex, searchIndexReady, searchFiles: () => searchFiles });
  clock.mark('site');
  void searchIndex(); // whatever the site did; flush() waits for it and reports a failure
  const info: BuildInfo = { builtAt: now().toISOString(), commit: head, libraries: libraries.length, versions: libraries.reduce((n, l) => n + l.entry.versionCount, 0) };
  w.writeJson(PATHS.buildInfo, info);
  w.writeChunksInBackground(PATHS.buildRecord, recordChunks(record, recordSpans), 'latin1'); // ~47 MB at 10,000 libraries, ASCII, never held whole
  return w;
}
