/**
 * `npm test` lints the repository: generated folders that .gitignore keeps out of git (builds,
 * bench work trees with their built browser bundles, test artifacts) must be out of lint too, or
 * running a benchmark breaks `npm test` on the next run.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

describe('lint scope', () => {
  it('ignores every folder .gitignore ignores, hidden build folders inside them included', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const folders = readFileSync(join(ROOT, '.gitignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l.endsWith('/') && !l.startsWith('#'));
    expect(folders).toContain('bench/.work/');
    const linted: string[] = [];
    for (const f of folders) {
      for (const file of [`${f}x.js`, `${f}.out.builds/b1/assets/app.js`]) if (!(await eslint.isPathIgnored(join(ROOT, file)))) linted.push(file);
    }
    expect(linted).toEqual([]);
  });

  it('still lints the sources and the bench scripts', async () => {
    const eslint = new ESLint({ cwd: ROOT });
    for (const file of ['static-server/src/tree/tree-watcher.ts', 'bench/build/run.mjs', 'test/helpers/loopback.ts']) expect(await eslint.isPathIgnored(join(ROOT, file)), file).toBe(false);
  });
});
