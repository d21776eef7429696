/** /health turns 503 when the store fails, and requests that need the store get 503, not a hang or a 500. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
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

  it('started before the first build: says so once at start, answers 503, and logs no error with a stack for each request', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const missing = join(tempDir(), 'not-built-yet');
    const s = await startServer({ publicDir: missing, dataDir: tempDir(), port: 0, logger });
    try {
      const warn = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
      expect(warn.map((l) => l.msg)).toEqual([`no build at ${missing} yet: /health and every request answer 503 until mdlibs-build writes one there`]);
      expect((await get(`${s.url}health`)).status).toBe(503);
      for (let i = 0; i < 3; i++) {
        const r = await get(`${s.url}index.html`);
        expect(r.status).toBe(503);
        expect(JSON.parse(r.text).error).toMatchObject({ code: 'MDL_UNAVAILABLE', message: 'no build is being served yet' });
      }
      await new Promise((r) => setTimeout(r, 50));
      const parsed = lines.map((l) => JSON.parse(l) as { level: number; status?: number });
      expect(parsed.filter((l) => l.level >= 50)).toEqual([]); // it was one error with a stack per request
      expect(parsed.filter((l) => l.status === 503)).toHaveLength(4); // each request's own log line still has its 503
    } finally {
      await s.close();
    }
  });

  it('refuses to serve a private output given as the public folder (it served every private name and file to anyone), and the same folder as both', async () => {
    const f = await buildFixture();
    const teams = JSON.parse(readFileSync(join(f.privateDir, 'teams.json'), 'utf8')) as { scopes: { name: string; visibility: string }[] };
    const privateScopes = teams.scopes.filter((t) => t.visibility === 'private').map((t) => t.name);
    expect(privateScopes.length).toBeGreaterThan(0);
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    const s = await startServer({ publicDir: f.privateDir, dataDir: tempDir(), port: 0, logger });
    try {
      const h = await get(`${s.url}health`);
      expect(h.status).toBe(503);
      const answers = [h, await get(`${s.url}api/v1/libraries`), await get(`${s.url}index.html`), await get(`${s.url}search/index.json`), await get(`${s.url}teams.json`)];
      for (const a of answers) {
        expect(a.status).toBeGreaterThanOrEqual(400);
        for (const scope of privateScopes) expect(a.text).not.toContain(scope);
      }
      expect(errors.join('\n')).toContain('it is a private output, not served as the public tree');
    } finally {
      await s.close();
    }
    const same = await startServer({ publicDir: f.publicDir, privateDir: `${f.publicDir}/`, dataDir: tempDir(), port: 0, logLevel: 'silent' }).then(async (x) => { await x.close(); return null; }, (e: unknown) => e as { code?: string; message?: string });
    expect(same?.code).toBe('MDL_CONFIG_INVALID');
    expect(same?.message).toContain('the public and the private folder are the same');
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
