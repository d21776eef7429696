import { describe, expect, it } from 'vitest';
import { cleanTreeIds, parseDirtyFolders } from '../../index-builder/src/git/git-state.js';

describe('git state', () => {
  it('names the version folder of each changed, untracked, ignored or renamed path under the registry folder, and nothing else', () => {
    const records = [
      ' M reg/libraries/@acme/guide/1.0.0/README.md', // modified in the work tree
      '?? reg/libraries/@acme/guide/1.1.0/', // an untracked folder
      '!! reg/libraries/@acme/kit/2.0.0/docs/.DS_Store', // ignored, deep inside a version folder
      'R  reg/libraries/@acme/new/1.0.0/a.md', 'reg/libraries/@acme/old/1.0.0/a.md', // a rename: its source follows and is not a record
      ' M other/libraries/@acme/guide/1.0.0/README.md', // outside the registry folder
      '?? reg/registry.toml',
    ];
    const dirty = parseDirtyFolders(`${records.join('\0')}\0`, 'reg/');
    expect([...dirty].sort()).toEqual(['libraries/@acme/guide/1.0.0', 'libraries/@acme/guide/1.1.0', 'libraries/@acme/kit/2.0.0', 'libraries/@acme/new/1.0.0']);
    expect(parseDirtyFolders('', '')).toEqual(new Set());
  });

  it('keys by tree id only the folders git status found clean', () => {
    const trees = { head: 'h', prefix: '', toplevel: '/r', treeIds: new Map([['libraries/@a/x/1.0.0', 't1'], ['libraries/@a/x/1.1.0', 't2']]) };
    expect(cleanTreeIds(trees, new Set(['libraries/@a/x/1.1.0', 'libraries/@a/y/1.0.0']))).toEqual(new Map([['libraries/@a/x/1.0.0', 't1']]));
    expect(trees.treeIds.size).toBe(2); // not changed in place
  });
});
