/**
 * Public API of the index builder. The CLI and the server import the registry format
 * (types, schemas, paths) and the builder's checks from here, never from deep paths.
 */
export * from './errors.js';
export * from './format/names.js';
export * from './format/paths.js';
export * from './format/protocol.js';
export * from './format/source-schema.js';
export { parseManifest, MANIFEST_FILE, isValidLicense } from './parse/manifest.js';
export { analyzeMarkdown, relativeLinkTarget, parseMarkdownTree } from './parse/markdown.js';
export { packTarball, packTar, TARBALL_PREFIX, TARBALL_MTIME, type PackedTarball } from './pack/tarball.js';
export { buildVersion, analyzeFiles, type BuiltVersion } from './build/version.js';
export { buildRegistry, type BuildOptions, type BuildReport } from './build/build.js';
export { tuneHeapForBuilds, BUILD_HEAP_GROWING_PERCENT, BUILD_SEMI_SPACE_MB } from './build/heap.js';
export type { SiteInput, SiteEmitter } from './build/site-hook.js';
export { TreeWriter } from './emit/tree-writer.js';
export { loadSearchIndex, buildSearchIndex, buildSearchIndexAsync } from './emit/search-index.js';
export { CompactSearchIndex, tokenizeQuery, type CompactHit, type CompactResult, type CompactSearchOptions, type MiniSearchJson } from './search/compact-index.js';
export { readRegistryLayout, scopeVisibility } from './read/registry.js';
export { guardedRead, guardedReadAsync, type GuardedRead, type GuardedReadOptions } from './read/guarded-read.js';
export { currentTree } from './output/current-tree.js';
export { loadSiteEmitter } from './site-loader.js';
export { PAGE_CSP } from './site/csp.js';
export { buildRecordSchema, type BuildRecord } from './output/record.js';
export { fileKind, decodeText, type LibraryFile } from './validate/files.js';
