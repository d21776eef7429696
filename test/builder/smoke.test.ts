import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRegistry, libraryIndexSchema } from '../../index-builder/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';

describe('smoke', () => {
  it('builds a tiny plain-folder registry', async () => {
    const root = tempDir();
    writeRegistry(root);
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    writeLibrary(root, { scope: 'secret', name: 'plans', version: '1.0.0' });
    const out = join(tempDir(), 'out');
    const priv = join(tempDir(), 'priv');
    const r = await buildRegistry({ registryDir: root, outDir: out, privateOutDir: priv });
    expect(r.libraries).toBe(2);
    const ix = libraryIndexSchema.parse(JSON.parse(readFileSync(join(out, 'index/@acme/guide.json'), 'utf8')));
    expect(ix.versions[0]?.docs.map((d) => d.title)).toEqual(['guide', 'guide guide']);
  });
});
