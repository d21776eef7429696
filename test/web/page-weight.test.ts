/**
 * Page weight budget of the home page of the example registry: the HTML, CSS and JS a first visit
 * downloads (the search index loads only when the reader starts a search). Measured as bytes on
 * disk and gzip'd, the way a static host sends them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type BuiltSite } from './helpers/build-site.js';
import { linksOf } from './helpers/tree.js';

/** Budgets for HTML + CSS + JS of the home page. Today: ~55 kB raw, ~16 kB gzip (see docs/web.md). */
const HOME_BUDGET = { rawBytes: 100 * 1024, gzipBytes: 30 * 1024 };

describe('page weight budget', () => {
  let site: BuiltSite;
  beforeAll(async () => {
    site = await buildSite(join(process.cwd(), 'registry-data'));
  });

  it('keeps the HTML, CSS and JS of the home page within the budget', () => {
    const html = readFileSync(join(site.publicDir, 'index.html'));
    const assets = linksOf(html.toString('utf8'))
      .filter((l) => /\.(css|js)(\?|$)/.test(l))
      .map((l) => l.split('?')[0] as string);
    expect(assets.sort()).toEqual(['assets/app.js', 'assets/style.css']);
    const files = [html, ...assets.map((a) => readFileSync(join(site.publicDir, a)))];
    const raw = files.reduce((n, b) => n + b.length, 0);
    const gzip = files.reduce((n, b) => n + gzipSync(b, { level: 9 }).length, 0);
    process.stdout.write(`home page weight: ${raw} bytes raw, ${gzip} bytes gzip (budget ${HOME_BUDGET.rawBytes} / ${HOME_BUDGET.gzipBytes})\n`);
    expect(raw).toBeLessThanOrEqual(HOME_BUDGET.rawBytes);
    expect(gzip).toBeLessThanOrEqual(HOME_BUDGET.gzipBytes);
  });

  it('loads no script or stylesheet from another origin and no inline script', () => {
    const html = readFileSync(join(site.publicDir, 'index.html'), 'utf8');
    expect(linksOf(html).filter((l) => /^(https?:)?\/\//.test(l))).toEqual([]);
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
  });
});
