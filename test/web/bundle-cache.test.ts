/**
 * The site's browser script is bundled once and then taken from a cache while every file esbuild
 * read is unchanged; a changed input (even one only imported) or another entry bundles again.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundleScript } from '../../index-builder/src/site/assets.js';
import { tempDir } from '../helpers/tmp.js';

describe('browser script bundle cache', () => {
  it('reuses the bundle while its inputs are unchanged and bundles again when one changes', () => {
    const root = tempDir('mdlibs-bundle-');
    mkdirSync(join(root, 'site'));
    writeFileSync(join(root, 'site', 'app.ts'), "import { greet } from './greet.js';\ndocument.title = greet('one');\n");
    writeFileSync(join(root, 'site', 'greet.ts'), "export const greet = (n: string): string => `hello ${n}`;\n");
    const cache = join(root, 'cache');
    const entry = join(root, 'site', 'app.ts');

    const first = bundleScript(entry, root, cache);
    expect(first.cached).toBe(false);
    expect(first.script).toContain('hello');
    const second = bundleScript(entry, root, cache);
    expect(second).toEqual({ script: first.script, cached: true });

    writeFileSync(join(root, 'site', 'greet.ts'), "export const greet = (n: string): string => `bonjour ${n}`;\n");
    const third = bundleScript(entry, root, cache);
    expect(third.cached).toBe(false);
    expect(third.script).toContain('bonjour');
    expect(bundleScript(entry, root, cache)).toEqual({ script: third.script, cached: true });

    // a cache file that is not what it should be is ignored, not trusted
    const [file] = readdirSync(cache);
    const cached = JSON.parse(readFileSync(join(cache, file as string), 'utf8')) as { inputs: Record<string, string> };
    expect(Object.keys(cached.inputs).sort()).toEqual(['site/app.ts', 'site/greet.ts']);
    writeFileSync(join(cache, file as string), '{"inputs":{},"script":"alert(1)"}');
    expect(bundleScript(entry, root, cache)).toMatchObject({ cached: false, script: third.script });
  });
});
