/**
 * What a version puts into the search index (document titles and headings) is bounded, so that a
 * library cannot outweigh the others by bulk: 990 documents with stuffed titles made one rank
 * second for words of every other library.
 */
import { describe, expect, it } from 'vitest';
import { analyzeFiles, SEARCH_TEXT_MAX } from '../../index-builder/src/build/version.js';
import { registryConfigSchema } from '../../index-builder/src/format/source-schema.js';

const limits = registryConfigSchema.parse({ registry: { name: 'r', url: 'http://r/' } }).limits;

describe('search text of a version', () => {
  it('keeps at most SEARCH_TEXT_MAX characters of titles and of headings, from the first documents on', () => {
    const files = [{ path: 'README.md', bytes: Buffer.from('# Title 0 stuffed words\n') }, ...Array.from({ length: 300 }, (_, i) => ({
      path: `docs/d${String(i).padStart(3, '0')}.md`,
      bytes: Buffer.from(`---\ntitle: "Title ${i} ${'stuffed words '.repeat(6)}"\n---\n# Heading ${i} ${'more words '.repeat(6)}\n\ntext\n`),
    }))];
    const { search, docs, problems } = analyzeFiles(files, 'libraries/@acme/spam/1.0.0', limits);
    expect(problems).toEqual([]);
    expect(docs).toHaveLength(301); // every document is still listed; only the search text is cut
    expect(search.titles.length).toBe(SEARCH_TEXT_MAX);
    expect(search.headings.length).toBe(SEARCH_TEXT_MAX);
    expect(search.titles.startsWith('Title 0 stuffed')).toBe(true);
    expect(search.titles).not.toContain('Title 299');
  });

  it('keeps short titles and headings whole', () => {
    const files = [{ path: 'README.md', bytes: Buffer.from('# Guide\n\n## Setup\n') }, { path: 'docs/a.md', bytes: Buffer.from('---\ntitle: Alpha\n---\n# A\n') }];
    const { search } = analyzeFiles(files, 'libraries/@acme/ok/1.0.0', limits);
    expect(search.titles).toBe('Guide · Alpha');
    expect(search.headings).toContain('Setup');
  });
});
