import { describe, expect, it } from 'vitest';
import { cleanTreeIds, parseStatus, parseTrees } from '../../index-builder/src/git/git-state.js';

describe('git state', () => {
  it('names the version folder of each changed, untracked, ignored or renamed path (source and destination) under the registry folder, and nothing else', () => {
    const records = [
      ' M reg/libraries/@acme/guide/1.0.0/README.md', // modified in the work tree
      '?? reg/libraries/@acme/guide/1.1.0/', // an untracked folder
      '!! reg/libraries/@acme/kit/2.0.0/docs/.DS_Store', // ignored, deep inside a version folder
      'R  reg/libraries/@acme/new/1.0.0/a.md', 'reg/libraries/@acme/old/1.0.0/a.md', // a rename: its source follows (not a record of its own); that folder lost a file
      ' M other/libraries/@acme/guide/1.0.0/README.md', // outside the registry folder
      '?? reg/registry.toml',
    ];
    const dirty = parseStatus(`${records.join('\0')}\0`, 'reg/').folders;
    expect([...dirty].sort()).toEqual(['libraries/@acme/guide/1.0.0', 'libraries/@acme/guide/1.1.0', 'libraries/@acme/kit/2.0.0', 'libraries/@acme/new/1.0.0', 'libraries/@acme/old/1.0.0']);
    expect(parseStatus('', '').folders).toEqual(new Set());
  });

  it('names the scope of every changed path under libraries/@scope, version folders or not', () => {
    const records = [
      '?? reg/libraries/@acme/stray.txt', // a file in a scope folder (not in a version folder)
      ' M reg/libraries/@docs/guide/meta.toml', // a library's meta.toml
      '!! reg/libraries/@kit/x/1.0.0/.DS_Store',
      'R  reg/libraries/@new/a/1.0.0/a.md', 'reg/libraries/@old/a/1.0.0/a.md', // both sides of a rename
      '?? reg/libraries/@fresh/', // an untracked scope folder
      ' M reg/scopes/acme.toml', // not under libraries/
      ' M other/libraries/@zzz/a/1.0.0/a.md', // outside the registry folder
    ];
    const { scopes, folders } = parseStatus(`${records.join('\0')}\0`, 'reg/');
    expect([...scopes].sort()).toEqual(['acme', 'docs', 'fresh', 'kit', 'new', 'old']);
    // a library's own file at a version folder's depth is named too: no tree id is keyed by it
    expect([...folders].sort()).toEqual(['libraries/@docs/guide/meta.toml', 'libraries/@kit/x/1.0.0', 'libraries/@new/a/1.0.0', 'libraries/@old/a/1.0.0']);
  });

  it('reads the tree id of each scope folder and each version folder from git ls-tree -r -d, and of nothing else', () => {
    const rec = (id: string, path: string) => `040000 tree ${id}\t${path}`;
    const out = [rec('s1', 'libraries/@acme'), rec('l1', 'libraries/@acme/guide'), rec('v1', 'libraries/@acme/guide/1.0.0'), rec('d1', 'libraries/@acme/guide/1.0.0/docs'), rec('s2', 'libraries/@kit'), rec('x', 'libraries')].join('\0');
    const { treeIds, scopeTrees } = parseTrees(`${out}\0`);
    expect(scopeTrees).toEqual(new Map([['acme', 's1'], ['kit', 's2']]));
    expect(treeIds).toEqual(new Map([['libraries/@acme/guide/1.0.0', 'v1']]));
  });

  it('keys by tree id only the folders git status found clean', () => {
    const treeIds = new Map([['libraries/@a/x/1.0.0', 't1'], ['libraries/@a/x/1.1.0', 't2']]);
    expect(cleanTreeIds(treeIds, new Set(['libraries/@a/x/1.1.0', 'libraries/@a/y/1.0.0']))).toEqual(new Map([['libraries/@a/x/1.0.0', 't1']]));
    expect(treeIds.size).toBe(2); // not changed in place
  });
});
