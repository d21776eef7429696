/**
 * The tree watcher reads the builder's output link once per turn of the event loop: requests of
 * one I/O batch share the read, and a build swapped in before the next turn is served from then on.
 */
import { readlinkSync, renameSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:http';
import { beforeAll, describe, expect, it } from 'vitest';
import { TreeWatcher } from '../../static-server/src/tree/tree-watcher.js';
import { writeLibrary } from '../helpers/registry.js';
import { listenLoopback } from '../helpers/loopback.js';
import { buildFixture, type Fixture } from './fixture.js';

const nextTurn = () => new Promise<void>((r) => setImmediate(r));
const latestOf = (w: TreeWatcher) => w.current()?.library('@acme/guide')?.distTags.latest;

let f: Fixture;
beforeAll(async () => {
  f = await buildFixture();
}, 120_000);

describe('tree watcher', () => {
  it('reads the output link once per event-loop turn and sees a swap from the next turn on', async () => {
    const w = new TreeWatcher(f.publicDir, 'public');
    const first = w.current();
    expect(first).not.toBeNull();
    expect(latestOf(w)).toBe('1.1.0');

    writeLibrary(f.registry, { scope: 'acme', name: 'guide', version: '1.2.0', description: 'Public style guide' });
    await f.rebuild(); // swaps the link; awaiting it crosses turns
    expect(latestOf(w)).toBe('1.2.0');
    const second = w.current();
    expect(second).not.toBe(first);

    // swap the link back to the first build within one turn, as the builder does (rename over it)
    const older = readlinkSync(f.publicDir);
    expect(w.current()).toBe(second);
    const tmp = `${f.publicDir}.tmp-link`;
    symlinkSync(first?.root ?? '', tmp);
    renameSync(tmp, f.publicDir);
    expect(w.current()).toBe(second); // the same turn keeps what it read
    await nextTurn();
    expect(w.current()?.root).toBe(first?.root); // the next turn sees the swap
    symlinkSync(older, tmp);
    renameSync(tmp, f.publicDir);
    await nextTurn();
    expect(latestOf(w)).toBe('1.2.0');
  }, 120_000);

  it('serves a build swapped in between two requests of one client to the second request', async () => {
    const w = new TreeWatcher(f.publicDir, 'public');
    const server = createServer((_req, res) => {
      try {
        res.end(latestOf(w) ?? 'none');
      } catch (e) {
        res.statusCode = 500;
        res.end(String(e));
      }
    });
    const lb = await listenLoopback(server);
    try {
      const url = `http://127.0.0.1:${lb.port}/`;
      const before = await (await fetch(url)).text();
      const next = `1.${Number(before.split('.')[1]) + 1}.0`;
      writeLibrary(f.registry, { scope: 'acme', name: 'guide', version: next, description: 'Public style guide' });
      await f.rebuild();
      expect(await (await fetch(url)).text()).toBe(next);
      await nextTurn();
      expect(await (await fetch(url)).text()).toBe(next);
    } finally {
      await lb.close();
    }
  }, 120_000);
});
