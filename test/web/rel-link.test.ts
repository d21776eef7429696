/** relLink (every link of every page) against what it replaces: posix.relative from the page's folder. */
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { relLink } from '../../index-builder/src/site/site-paths.js';

describe('relLink', () => {
  it('gives exactly posix.relative(dirname(from), to) for tree paths of every depth and overlap', () => {
    const segs = ['a', 'b', 'ab', 'tags', 'libraries', '@acme', 'index.html', 'page-2.html'];
    const paths: string[] = [];
    const grow = (prefix: string[], depth: number) => {
      if (prefix.length) paths.push(prefix.join('/'));
      if (depth === 0) return;
      for (const s of segs) grow([...prefix, s], depth - 1);
    };
    grow([], 3);
    let checked = 0;
    for (const from of paths) {
      for (const to of paths) {
        const want = posix.relative(posix.dirname(from), to) || './';
        expect(relLink(from, to), `${from} -> ${to}`).toBe(want);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(300_000);
  });

  it('links a page to itself, its folder, a parent folder and the root page', () => {
    expect(relLink('libraries/@acme/guide/index.html', 'libraries/@acme/guide/index.html')).toBe('index.html');
    expect(relLink('libraries/@acme/guide/index.html', 'libraries/@acme/guide')).toBe('./');
    expect(relLink('libraries/@acme/guide/index.html', 'libraries/@acme')).toBe('..');
    expect(relLink('tags/docs/page-2.html', 'index.html')).toBe('../../index.html');
    expect(relLink('index.html', 'tags/docs/index.html')).toBe('tags/docs/index.html');
  });
});
