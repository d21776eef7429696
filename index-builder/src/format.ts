/**
 * Light public entry for clients that care about start-up time (the `mdlibs` CLI): the
 * registry format, names, paths and errors, without the builder's code and its heavy
 * dependencies (unified, git, fast-glob...). Same exports as in index.ts; nothing new.
 */
export * from './errors.js';
export * from './format/names.js';
export * from './format/paths.js';
export * from './format/protocol.js';
export { loadSearchIndex } from './emit/search-index.js';
