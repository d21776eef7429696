/** GET /api/v1/libraries?q=: ranked pages, totals, filters and private hits agree with the full ranking. */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRegistry } from '../../index-builder/src/index.js';
import { issueToken, startServer, type RunningServer } from '../../static-server/src/index.js';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';
import { tempDir } from '../helpers/tmp.js';
import { get } from './fixture.js';

interface Page { libraries: { name: string }[]; total: number; page: number; per_page: number; total_pages: number }

const WORDS = ['incident', 'runbook', 'deploy', 'guide', 'handbook', 'review'];
let s: RunningServer;
let reader: string;

beforeAll(async () => {
  const reg = tempDir('mdlibs-search-reg-');
  writeRegistry(reg, { scopes: { acme: 'public', infra: 'public', secops: 'private' } });
  for (let i = 0; i < 30; i++) {
    const scope = i % 3 === 0 ? 'infra' : 'acme';
    const words = [WORDS[i % WORDS.length], WORDS[(i * 5) % WORDS.length], WORDS[(i * 7 + 1) % WORDS.length]].join(' ');
    writeLibrary(reg, { scope, name: `lib-${String(i).padStart(2, '0')}`, version: '1.0.0', description: `The ${words} library` });
  }
  for (let i = 0; i < 6; i++) writeLibrary(reg, { scope: 'secops', name: `sec-${i}`, version: '1.0.0', description: `Private incident ${WORDS[i % WORDS.length]} notes` });
  const out = tempDir('mdlibs-search-out-');
  await buildRegistry({ registryDir: reg, outDir: join(out, 'public'), privateOutDir: join(out, 'private') });
  s = await startServer({ publicDir: join(out, 'public'), privateDir: join(out, 'private'), dataDir: tempDir('mdlibs-search-data-'), port: 0, logLevel: 'silent', rateLimitAnonymous: 0, rateLimitAuthenticated: 0 });
  reader = (await issueToken(s.store, { owner: 'alice', scopes: ['secops'] })).secret;
});
afterAll(async () => {
  await s?.close();
});

async function page(query: string, token?: string): Promise<Page> {
  const r = await get(`${s.url}api/v1/libraries?${query}`, token);
  expect(r.status, query).toBe(200);
  return JSON.parse(r.text) as Page;
}

async function allPages(query: string, perPage: number, token?: string): Promise<{ names: string[]; totals: number[] }> {
  const first = await page(`${query}&per_page=${perPage}&page=1`, token);
  const names = first.libraries.map((l) => l.name);
  const totals = [first.total];
  for (let p = 2; p <= first.total_pages; p++) {
    const next = await page(`${query}&per_page=${perPage}&page=${p}`, token);
    names.push(...next.libraries.map((l) => l.name));
    totals.push(next.total);
  }
  return { names, totals };
}

describe('search API ranking', () => {
  it('pages of any size concatenate to the one full ranking, with the same total on every page', async () => {
    const full = await page('q=incident&per_page=100');
    expect(full.total).toBeGreaterThan(5);
    expect(full.libraries).toHaveLength(full.total);
    for (const per of [1, 3, 7]) {
      const { names, totals } = await allPages('q=incident', per);
      expect(names).toEqual(full.libraries.map((l) => l.name));
      expect(new Set(totals)).toEqual(new Set([full.total]));
    }
    expect((await page('q=incident&per_page=5&page=999')).libraries).toEqual([]);
  });

  it('order=asc is the full ranking reversed', async () => {
    const desc = await page('q=runbook&per_page=100');
    const asc = await page('q=runbook&per_page=100&order=asc');
    expect(asc.libraries.map((l) => l.name)).toEqual(desc.libraries.map((l) => l.name).reverse());
    expect(asc.total).toBe(desc.total);
  });

  it('scope and tag filters narrow the ranking and the total together', async () => {
    const full = await page('q=incident&per_page=100');
    const infra = await allPages('q=incident&scope=@infra', 2);
    const want = full.libraries.map((l) => l.name).filter((n) => n.startsWith('@infra/'));
    expect(want.length).toBeGreaterThan(1);
    expect(infra.names).toEqual(want);
    expect(infra.totals[0]).toBe(want.length);
    expect((await page('q=incident&tag=docs&per_page=100')).total).toBe(full.total);
    expect(await page('q=incident&tag=nope')).toMatchObject({ total: 0, libraries: [] });
  });

  it('a reader of a private scope gets its hits merged into the ranking and counted; others never see them', async () => {
    const anon = await page('q=incident&per_page=100');
    const mine = await page('q=incident&per_page=100', reader);
    const priv = mine.libraries.map((l) => l.name).filter((n) => n.startsWith('@secops/'));
    expect(priv.length).toBeGreaterThan(0);
    expect(anon.libraries.some((l) => l.name.startsWith('@secops/'))).toBe(false);
    expect(mine.total).toBe(anon.total + priv.length);
    // the public hits keep their relative order, and paging the merged list gives the same list
    expect(mine.libraries.map((l) => l.name).filter((n) => !n.startsWith('@secops/'))).toEqual(anon.libraries.map((l) => l.name));
    expect((await allPages('q=incident', 4, reader)).names).toEqual(mine.libraries.map((l) => l.name));
  });

  it('other sorts rank every match: sort=name lists the same set as relevance', async () => {
    const rel = await page('q=guide&per_page=100');
    const byName = await page('q=guide&per_page=100&sort=name');
    expect(byName.total).toBe(rel.total);
    expect(byName.libraries.map((l) => l.name)).toEqual(rel.libraries.map((l) => l.name).sort());
  });
});
