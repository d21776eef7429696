/**
 * SRV-4: exact download counts under a crash. Many concurrent clients download a private
 * tarball; the server is killed with SIGKILL mid-load and restarted on the same SQLite file.
 * Every response a client received complete was counted before it was sent, so
 * completed <= counted <= completed + requests cut off by the kill.
 */
import { Agent, request } from 'node:http';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { issueToken, openSqliteStore, SQLITE_FILE } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture, get } from './fixture.js';
import { kill, spawnServer, type Child } from './spawn.js';

const children: Child[] = [];
afterAll(async () => {
  for (const c of children) await kill(c, 'SIGKILL');
});

function download(agent: Agent, port: number, path: string, token: string): Promise<'complete' | 'failed'> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      let n = 0;
      const want = Number(res.headers['content-length']);
      res.on('data', (c: Buffer) => (n += c.length));
      res.on('end', () => resolve(res.statusCode === 200 && n === want && n > 0 ? 'complete' : 'failed'));
      res.on('error', () => resolve('failed'));
      res.on('aborted', () => resolve('failed'));
    });
    req.on('error', () => resolve('failed'));
    req.end();
  });
}

describe('download counts survive SIGKILL', () => {
  it('counts every complete response, loses none, after a kill in the middle of a load', async () => {
    const f = await buildFixture();
    const data = tempDir('mdlibs-crash-');
    const store = openSqliteStore(join(data, SQLITE_FILE));
    const { secret } = await issueToken(store, { owner: 'bob', scopes: ['secops'] });
    await store.close();
    const args = ['--public-dir', f.publicDir, '--private-dir', f.privateDir, '--data-dir', data, '--rate-limit-authenticated', '0', '--rate-limit-anonymous', '0'];
    const srv = await spawnServer(args);
    children.push(srv);
    const paths = ['/tarballs/@secops/runbook/runbook-1.0.0.tgz', '/api/v1/libraries/@secops/runbook/1.0.0/download', '/tarballs/@acme/guide/guide-1.1.0.tgz'];
    let complete = 0;
    let failed = 0;
    let stop = false;
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const worker = async (i: number) => {
      while (!stop) {
        const r = await download(agent, srv.port, paths[i % paths.length] as string, secret);
        if (r === 'complete') complete++;
        else {
          failed++;
          return; // the server is gone
        }
      }
    };
    const workers = Array.from({ length: 32 }, (_, i) => worker(i));
    while (complete < 3000) await new Promise((r) => setTimeout(r, 20));
    await kill(srv, 'SIGKILL');
    stop = true;
    await Promise.all(workers);
    agent.destroy();
    expect(complete).toBeGreaterThanOrEqual(3000);

    const after = openSqliteStore(join(data, SQLITE_FILE));
    const totals = await after.downloadTotals();
    await after.close();
    const counted = [...totals.values()].reduce((a, b) => a + b, 0);
    console.info(`crash test: ${complete} complete, ${failed} cut off, ${counted} counted`);
    expect(counted).toBeGreaterThanOrEqual(complete);
    expect(counted).toBeLessThanOrEqual(complete + failed);

    // restarted on the same file, the server reports the same numbers
    const again = await spawnServer(args);
    children.push(again);
    const stats = JSON.parse((await get(`${again.url}api/v1/stats/downloads?days=1`, secret)).text) as { total: number };
    expect(stats.total).toBe(counted);
    const lib = JSON.parse((await get(`${again.url}api/v1/libraries/@secops/runbook`, secret)).text) as { downloads: number };
    expect(lib.downloads).toBe((totals.get('@secops/runbook') ?? 0));
    await kill(again);
  }, 180_000);
});
