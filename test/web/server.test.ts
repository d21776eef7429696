/**
 * The example registry served by the mdlibs server (issue 3): the same reader journey as on a
 * static host, plus what only the server adds: live download counts, the popular list, and
 * private library pages for token holders only.
 */
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken, startServer, type RunningServer } from '../../static-server/src/index.js';
import { hasChromium } from '../helpers/services.js';
import { tempDir } from '../helpers/tmp.js';
import { injectBypassPayloads, launchChromium, openPage, screenshot, VIEWPORTS } from './helpers/browser.js';
import { buildSite } from './helpers/build-site.js';

describe.skipIf(!hasChromium())('web UI served by the mdlibs server (Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const site = await buildSite(join(process.cwd(), 'registry-data'));
    server = await startServer({ publicDir: site.publicDir, privateDir: site.privateDir, dataDir: tempDir(), port: 0, logLevel: 'silent', rateLimitAnonymous: 100_000 });
    base = server.url.endsWith('/') ? server.url : `${server.url}/`;
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('searches, opens the library, shows the README, live downloads and copies the install command', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await fetch(`${base}api/v1/libraries/acme/adr-kit/1.0.0/download`);
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop });
    await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
    const { page, errors, dialogs } = await openPage(ctx);
    await page.goto(base);
    // popular list from the API, once the counts are committed
    await expect.poll(async () => {
      await page.reload();
      return page.locator('section.popular a.lib-name').allTextContents();
    }, { timeout: 30_000, interval: 1000 }).toContain('@acme/adr-kit');
    await screenshot(page, 'server-home-desktop');

    await page.locator('#q').pressSequentially('adr kit', { delay: 30 });
    const first = page.locator('#results > li').first().locator('a.lib-name');
    await expect.poll(() => first.textContent()).toBe('@acme/adr-kit');
    await first.click();
    await page.waitForURL(/libraries\/@acme\/adr-kit\/index\.html$/);
    await expect.poll(() => page.locator('article.readme h1').textContent()).toBe('ADR kit');
    await expect.poll(() => page.locator('[data-downloads]').textContent()).toMatch(/^[1-9][\d,]*$/);
    expect(await page.locator('dd.downloads-fact').isVisible()).toBe(true);
    await page.locator('button.copy-btn').click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('mdlibs install @acme/adr-kit');
    await screenshot(page, 'server-library-desktop');
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await ctx.close();
  });

  it('serves a private library page only with a token for its scope', async () => {
    const path = 'libraries/@secops/threat-modeling/index.html';
    const anon = await browser.newContext();
    const a = await openPage(anon);
    const res = await a.page.goto(base + path);
    expect(res?.status()).toBe(404);
    expect(await a.page.locator('main').textContent()).not.toContain('threat');
    await anon.close();

    const { secret } = await issueToken(server.store, { owner: 'frank', scopes: ['secops'] });
    const ctx = await browser.newContext({ viewport: VIEWPORTS.phone, extraHTTPHeaders: { authorization: `Bearer ${secret}` } });
    const { page, errors } = await openPage(ctx);
    const ok = await page.goto(base + path);
    expect(ok?.status()).toBe(200);
    expect(await page.locator('.lib-title').textContent()).toBe('@secops/threat-modeling');
    expect(await page.locator('article.readme').textContent()).toBeTruthy();
    expect(await page.locator('.badge-private').first().isVisible()).toBe(true);
    // styles and script come from the public tree
    expect(await page.evaluate(() => getComputedStyle(document.body).getPropertyValue('--accent').trim())).toMatch(/^#[0-9a-f]{6}$/);
    await screenshot(page, 'server-private-library-phone');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('sends a Content-Security-Policy with every HTML page that blocks inline script, should sanitizing ever fail', async () => {
    const { secret } = await issueToken(server.store, { owner: 'frank', scopes: ['secops'] });
    const pages: [string, Record<string, string>][] = [
      ['', {}], ['index.html', {}], ['libraries/@acme/adr-kit/index.html', {}], ['tags/index.html', {}],
      ['libraries/@secops/threat-modeling/index.html', { authorization: `Bearer ${secret}` }],
      ['no/such/page.html', { accept: 'text/html' }], // the 404 page
    ];
    for (const [path, headers] of pages) {
      const res = await fetch(base + path, { headers });
      await res.arrayBuffer();
      expect(res.headers.get('content-type'), path).toMatch(/^text\/html/);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).toMatch(/(?:^|;)\s*script-src 'self'\s*(?:;|$)/);
      expect(csp, path).toMatch(/object-src 'none'/);
      expect(csp, path).toMatch(/base-uri 'self'/);
      expect(csp, path).not.toContain('unsafe-inline');
    }

    // in the browser: the page's own script still works (search), injected inline script does not run
    const ctx = await browser.newContext();
    const { page, errors, dialogs } = await openPage(ctx);
    await page.goto(`${base}libraries/@acme/adr-kit/index.html`);
    const ran = await injectBypassPayloads(page);
    await page.waitForTimeout(300);
    expect(await ran()).toEqual([]);
    await page.goto(base);
    await page.locator('#q').pressSequentially('adr', { delay: 30 });
    await expect.poll(() => page.locator('#results a.lib-name').first().textContent()).toBe('@acme/adr-kit');
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
    await ctx.close();
  });
});
