// string-width for the CLI bundle, loaded on first use (bundle.mjs routes every import of
// 'string-width' here). The real module builds an Intl.Segmenter and Unicode property regexes
// when it is evaluated, and yargs, cliui and wrap-ansi each import a copy: ~40 ms of every
// start-up, though only help text ever measures a string. esbuild bundles the require() below
// as a lazily evaluated module.
'use strict';

let impl;
module.exports = function stringWidth(string, options) {
  impl ??= require('string-width').default;
  return impl(string, options);
};
