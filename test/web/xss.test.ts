/**
 * SEC-3 in a real browser: a library whose README (and a doc, and its metadata) carry script tags,
 * javascript: links, event handlers, SVG scripts and raw iframes. Nothing may run: no page error,
 * no dialog, and the global the payloads would set stays undefined, after hovering and clicking.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeLibrary, writeRegistry } from '../helpers/registry.js';
import { hasChromium } from '../helpers/services.js';
import { tempDir } from '../helpers/tmp.js';
import { injectBypassPayloads, launchChromium, openPage, screenshot } from './helpers/browser.js';
import { buildSite } from './helpers/build-site.js';
import { XSS_README } from './helpers/payloads.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

describe.skipIf(!hasChromium())('hostile library content in Chromium', () => {
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    const reg = tempDir();
    writeRegistry(reg, { scopes: { acme: 'public' } });
    writeLibrary(reg, {
      scope: 'acme', name: 'hostile', version: '1.0.0',
      description: "<img src=x onerror=\\\"window.__pwned='description'\\\"> <script>window.__pwned='desc-script'</script>",
      files: { 'README.md': XSS_README, 'docs/guide.md': `---\ntitle: "<svg onload=alert(1)>"\n---\n${XSS_README}` },
    });
    writeLibrary(reg, { scope: 'acme', name: 'victim', version: '1.0.0', description: 'An ordinary library' });
    const site = await buildSite(reg);
    server = await serveStatic(site.publicDir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const path of ['libraries/@acme/hostile/index.html', 'libraries/@acme/hostile/doc/docs/guide.html', 'index.html', 'tags/docs/index.html']) {
    it(`runs nothing on ${path} and shows the text safely`, async () => {
      // the page's CSP would stop most of these payloads by itself: switched off here so that
      // what is tested is the sanitizer (the CSP has its own test below)
      const ctx = await browser.newContext({ bypassCSP: true });
      const { page, errors, dialogs } = await openPage(ctx);
      await page.goto(server.url + path);
      await page.waitForLoadState('load');
      if (path.includes('hostile')) {
        expect(await page.locator('main').textContent()).toContain('SAFE-TEXT-BEFORE');
        expect(await page.locator('main').textContent()).toContain('SAFE-TEXT-AFTER');
        // hover and click everything a reader might touch
        await page.locator('text=hover bait').hover();
        for (const label of ['raw javascript link', 'markdown javascript link', 'svg link', 'details bait']) {
          const el = page.locator(`text=${label}`).first();
          if (await el.count()) await el.click({ timeout: 5000 }).catch(() => undefined);
        }
        expect(await page.locator('article.markdown script, article.markdown iframe, article.markdown object, article.markdown embed, article.markdown svg').count()).toBe(0);
        expect(await page.evaluate(() => [...document.querySelectorAll('article.markdown *')].flatMap((el) => [...el.attributes].map((a) => a.name)).filter((n) => n.startsWith('on')))).toEqual([]);
        expect(await page.evaluate(() => [...document.querySelectorAll('article.markdown a[href]')].map((a) => a.getAttribute('href') ?? '').filter((h) => /^\s*javascript:/i.test(h)))).toEqual([]);
      } else if (path === 'index.html') {
        await page.locator('#q').pressSequentially('hostile');
        await expect.poll(() => page.locator('#results a.lib-name').first().textContent()).toBe('@acme/hostile');
        expect(await page.locator('#results .lib-desc').first().textContent()).toContain("<script>window.__pwned='desc-script'</script>");
      } else {
        expect(await page.locator('.lib-desc').allTextContents()).toContain(`<img src=x onerror="window.__pwned='description'"> <script>window.__pwned='desc-script'</script>`);
      }
      await page.waitForTimeout(500);
      await screenshot(page, `xss-${path.replace(/[/@.]+/g, '-')}`);
      expect(await page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBeUndefined();
      expect(new URL(page.url()).pathname).toBe(new URL(server.url + path).pathname);
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }

  for (const csp of [true, false]) {
    it(`${csp ? 'refuses' : '(control) runs'} script injected into a page on a plain static host${csp ? ', by the page\'s own CSP meta element (no header here)' : ' when the CSP is bypassed'}`, async () => {
      const ctx = await browser.newContext({ bypassCSP: !csp });
      const { page, errors, dialogs } = await openPage(ctx);
      const res = await page.goto(`${server.url}libraries/@acme/victim/index.html`);
      expect(res?.headers()['content-security-policy']).toBeUndefined(); // the static host sends none
      const ran = await injectBypassPayloads(page);
      if (!csp) {
        await expect.poll(async () => (await ran()).sort()).toEqual(['inline-script', 'js-url', 'onerror']);
      } else {
        await page.waitForTimeout(300);
        expect(await ran()).toEqual([]);
        // the page's own script still runs: the search box answers
        await page.goto(`${server.url}index.html`);
        await page.locator('#q').pressSequentially('victim', { delay: 30 });
        await expect.poll(() => page.locator('#results a.lib-name').first().textContent()).toBe('@acme/victim');
      }
      expect(dialogs).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    });
  }

  it('detects a payload that does run (the harness can fail)', async () => {
    const ctx = await browser.newContext({ bypassCSP: true }); // as the sanitizer tests above run
    const { page, errors, dialogs } = await openPage(ctx);
    await page.goto(`${server.url}index.html`);
    await page.evaluate(() => {
      const d = document.createElement('div');
      d.innerHTML = '<img src="x" onerror="window.__pwned=\'control\'; alert(\'control\')">';
      document.body.append(d);
    });
    await expect.poll(() => page.evaluate(() => (window as unknown as { __pwned?: unknown }).__pwned)).toBe('control');
    await expect.poll(() => dialogs.length).toBe(1);
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
