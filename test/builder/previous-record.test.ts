/**
 * A previous output whose build-record.json is not a plain file the builder could have written
 * (a named pipe, a folder, a file larger than a string can hold): the build refuses it with
 * MDL_RECORD_INVALID at once, never blocks or crashes, and the served tree stays as it was.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry, MdlibsError } from '../../index-builder/src/index.js';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';

describe('a previous build record that is not a regular file of a sane size', () => {
  let root: string;
  let out: string;
  let served: string;
  let record: string;
  let good: string;
  beforeAll(async () => {
    root = tempDir('mdlibs-prevrec-');
    writeRegistry(root, { scopes: { acme: 'public' } });
    writeLibrary(root, { scope: 'acme', name: 'guide', version: '1.0.0' });
    out = join(tempDir(), 'out');
    await buildRegistry({ registryDir: root, outDir: out });
    served = realpathSync(out);
    record = join(served, 'build-record.json');
    good = readFileSync(record, 'latin1');
  });

  const withRecord = async (make: () => void, check: (e: MdlibsError) => void) => {
    rmSync(record, { recursive: true, force: true });
    make();
    try {
      const e = await buildRegistry({ registryDir: root, outDir: out }).then(() => null, (err: unknown) => err);
      expect(e).toBeInstanceOf(MdlibsError);
      expect((e as MdlibsError).code).toBe('MDL_RECORD_INVALID');
      expect((e as MdlibsError).hint).toMatch(/restore the previous output tree/);
      check(e as MdlibsError);
      expect(realpathSync(out)).toBe(served);
    } finally {
      rmSync(record, { recursive: true, force: true });
      writeFileSync(record, good, 'latin1');
    }
  };

  it('refuses a record that is a named pipe at once instead of waiting for a writer', { timeout: 15_000 }, async () => {
    // the old code's open() waited on the thread pool for a writer: one comes after 3 s so that it ends
    let writer: ReturnType<typeof spawn> | null = null;
    const started = Date.now();
    await withRecord(() => {
      execFileSync('mkfifo', [record]);
      writer = spawn('sh', ['-c', `sleep 3; printf x > '${record}'`], { stdio: 'ignore', detached: true });
    }, (e) => {
      expect(e.message).toMatch(/build-record\.json is not a regular file/);
      expect(Date.now() - started).toBeLessThan(3000);
    }).finally(() => {
      const w = writer as ReturnType<typeof spawn> | null;
      if (w?.pid !== undefined) process.kill(-w.pid); // the shell and its sleep
    });
  });

  it('refuses a record that is a folder with MDL_RECORD_INVALID, not a crash (EISDIR)', async () => {
    await withRecord(() => mkdirSync(record), (e) => expect(e.message).toMatch(/build-record\.json is not a regular file/));
  });

  it('refuses a record too large to hold with MDL_RECORD_INVALID, not a crash', async () => {
    for (const size of [600 * 1024 * 1024, 5 * 1024 * 1024 * 1024]) {
      await withRecord(() => {
        writeFileSync(record, '');
        truncateSync(record, size); // sparse: no disk used
      }, (e) => expect(e.message).toContain(`build-record.json is ${size} bytes`));
    }
  });

  it('builds again once the record is restored', async () => {
    const r = await buildRegistry({ registryDir: root, outDir: out });
    expect(r.reusedVersions).toBe(1);
  });
});
