/** Background cache writes: settled before a command reports, failures only cost a cache entry. */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TarballCache } from '../../tools/cli/install/cache.js';
import { sha512Integrity } from '../../tools/cli/install/integrity.js';
import { inBackground, settleBackgroundWrites } from '../../tools/cli/net/background-writes.js';
import { tempDir } from '../helpers/tmp.js';

const later = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('background writes', () => {
  it('settle waits for every write, also those started while it waits, and swallows failures', async () => {
    const done: string[] = [];
    void inBackground(async () => {
      await later(30);
      done.push('slow');
      void inBackground(async () => {
        await later(20);
        done.push('started during settle');
      });
    });
    void inBackground(async () => {
      throw new Error('disk full');
    });
    void inBackground(async () => {
      done.push('fast');
    });
    await settleBackgroundWrites();
    expect(done.sort()).toEqual(['fast', 'slow', 'started during settle']);
  });

  it('a tarball put is on disk once settled, and a later get verifies it', async () => {
    const cache = new TarballCache(tempDir('mdlibs-bg-'));
    const bytes = Buffer.from('not really a tarball, but bytes with an integrity');
    const integrity = sha512Integrity(bytes);
    void cache.put(integrity, bytes);
    await settleBackgroundWrites();
    expect(existsSync(cache.path(integrity))).toBe(true);
    expect(cache.get(integrity)?.equals(bytes)).toBe(true);
  });

  it('a tarball put into a cache folder that cannot be made fails quietly', async () => {
    const dir = tempDir('mdlibs-bg-');
    writeFileSync(join(dir, 'content'), 'a file where the folder should be');
    const cache = new TarballCache(dir);
    const bytes = Buffer.from('x');
    await expect(cache.put(sha512Integrity(bytes), bytes)).resolves.toBeUndefined();
    await settleBackgroundWrites();
    expect(readFileSync(join(dir, 'content'), 'utf8')).toContain('a file');
  });
});
