/** /health turns 503 when the store fails, and requests that need the store get 503, not a hang or a 500. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSqliteStore, startServer } from '../../static-server/src/index.js';
import { tempDir } from '../helpers/tmp.js';
import { buildFixture, get } from './fixture.js';

describe('health', () => {
  it('reports 503 with a broken store and 200 for static files that do not need it', async () => {
    const f = await buildFixture();
    const store = openSqliteStore(join(tempDir(), 'mdlibs.db'));
    const s = await startServer({ publicDir: f.publicDir, privateDir: f.privateDir, port: 0, logLevel: 'silent', store });
    try {
      expect((await get(`${s.url}health`)).status).toBe(200);
      await store.close();
      const h = await get(`${s.url}health`);
      expect(h.status).toBe(503);
      expect(JSON.parse(h.text)).toMatchObject({ status: 'unhealthy', store: { ok: false }, tree: { ok: true } });
      const dl = await get(`${s.url}tarballs/@acme/guide/guide-1.0.0.tgz`);
      expect(dl.status).toBe(503);
      expect(JSON.parse(dl.text).error.code).toBe('MDL_UNAVAILABLE');
      expect((await get(`${s.url}index/@acme/guide.json`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('reports 503 when the tree is missing', async () => {
    const s = await startServer({ publicDir: join(tempDir(), 'nothing-built'), dataDir: tempDir(), port: 0, logLevel: 'silent' });
    try {
      const h = await get(`${s.url}health`);
      expect(h.status).toBe(503);
      expect(JSON.parse(h.text).tree.ok).toBe(false);
      expect((await get(`${s.url}api/v1/libraries`)).status).toBe(503);
    } finally {
      await s.close();
    }
  });
});
