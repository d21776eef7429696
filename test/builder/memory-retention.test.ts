/**
 * What a build keeps in memory while it writes the tree: its version records must not keep alive
 * the texts their strings were cut from (V8 makes a substring of 13+ characters a slice of its
 * parent). A title kept its whole markdown file, an author the whole manifest, a tree id the whole
 * `git ls-tree` output: at 10,000 libraries that put a full build over 512 MB of RSS.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { getHeapSnapshot } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { commitAll, gitInit, writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

/**
 * Whether the heap holds a string (its first 1,024 characters, as V8's snapshot names it, JSON
 * escaped) where `head` is followed by what `next` matches. The needle is never built as one
 * string here: that string would be in the heap itself.
 */
async function heapHolds(head: string, next: RegExp): Promise<boolean> {
  let text = '';
  for await (const chunk of getHeapSnapshot()) text += String(chunk);
  for (let i = text.indexOf(head); i >= 0; i = text.indexOf(head, i + 1)) if (next.test(text.slice(i + head.length, i + head.length + 80))) return true;
  return false;
}

describe('memory of a build', () => {
  it('keeps no markdown file, manifest or git output alive through the records while the site is written', async () => {
    const root = tempDir();
    writeRegistry(root);
    const marker = randomUUID();
    // each text is made here and dropped: only the build could keep it. The library checked is not
    // the last one built: the build's own loop variables still hold that one while it is suspended.
    writeLibrary(root, {
      scope: 'acme', name: 'first', version: '1.0.0', extraManifest: `# ${marker} manifest-only comment\nauthors = ["Ada Lovelace <ada@example.com>"]\n`,
      files: { 'docs/body.md': `# A title long enough to be a slice\n\n${marker} body-only paragraph\n` },
    });
    writeLibrary(root, { scope: 'acme', name: 'zz-last', version: '1.0.0' });
    gitInit(root);
    commitAll(root, 'add two libraries');
    let seen: Record<string, boolean> | null = null;
    await buildRegistry({
      registryDir: root, outDir: join(tempDir(), 'out'),
      site: async (input) => {
        expect(input.libraries.find((l) => l.name === '@acme/first')?.index().versions[0]?.docs.map((d) => d.title)).toContain('A title long enough to be a slice');
        seen = {
          markdown: await heapHolds(marker, /^ body-only paragraph/),
          manifest: await heapHolds(marker, /^ manifest-only comment/),
          lsTree: await heapHolds('040000 tree ', /^[0-9a-f]{40}\\t/),
        };
      },
    });
    expect(seen).toEqual({ markdown: false, manifest: false, lsTree: false });
  });
});
