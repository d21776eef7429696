/**
 * SRV-1 / BUILD-5: clients hammer the server while the registry is rebuilt and swapped several
 * times. No request fails, and every tarball matches the sha256 of the index the client read.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLibrary } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture, get, type Fixture } from './fixture.js';
import { kill, spawnServer, type Child } from './spawn.js';

let f: Fixture;
let s: Child;
beforeAll(async () => {
  f = await buildFixture();
  // the server runs in its own process, so builds and requests truly interleave
  s = await spawnServer(['--public-dir', f.publicDir, '--private-dir', f.privateDir, '--data-dir', tempDir(), '--rate-limit-anonymous', '0']);
});
afterAll(() => kill(s, 'SIGKILL'));

interface Ix { versions: { version: string; sha256: string; tarball: string }[]; distTags: { latest?: string } }

describe('hot swap', () => {
  it('serves every request during rebuilds, and index and tarball always agree', async () => {
    let stop = false;
    const errors: string[] = [];
    const seenLatest = new Set<string>();
    let checked = 0;
    const client = async () => {
      while (!stop) {
        const ix = await get(`${s.url}index/@acme/guide.json`, undefined, { 'accept-encoding': 'br, gzip' });
        if (ix.status !== 200) {
          errors.push(`index ${ix.status}`);
          continue;
        }
        const index = JSON.parse(ix.text) as Ix;
        const latest = index.versions.find((v) => v.version === index.distTags.latest);
        if (!latest) {
          errors.push('no latest');
          continue;
        }
        seenLatest.add(latest.version);
        const tgz = await get(`${s.url}${latest.tarball}`);
        if (tgz.status !== 200) errors.push(`tarball ${latest.version} ${tgz.status}`);
        else if (createHash('sha256').update(tgz.body).digest('hex') !== latest.sha256) errors.push(`sha mismatch ${latest.version}`);
        const api = await get(`${s.url}api/v1/libraries/@acme/guide`);
        if (api.status !== 200) errors.push(`api ${api.status}`);
        checked++;
      }
    };
    const clients = Array.from({ length: 6 }, client);
    for (let i = 2; i <= 6; i++) {
      writeLibrary(f.registry, { scope: 'acme', name: 'guide', version: `1.${i}.0`, description: 'Public style guide' });
      await f.rebuild();
      await new Promise((r) => setTimeout(r, 150));
    }
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(clients);
    expect(errors).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    expect(seenLatest.has('1.6.0')).toBe(true);
    expect(seenLatest.size).toBeGreaterThan(1);
    const latest = JSON.parse((await get(`${s.url}api/v1/libraries/@acme/guide`)).text) as { distTags: { latest: string } };
    expect(latest.distTags.latest).toBe('1.6.0');
  }, 180_000);
});
