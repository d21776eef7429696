/**
 * The example registry in a real browser, from a plain static file server (any static host):
 * search as you type, open the library, read the README, copy the install command; at desktop
 * and phone widths, at the host root and under a base path. Screenshots go to test-artifacts/web/.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { summaryIndexSchema } from '../../index-builder/src/index.js';
import { hasChromium } from '../helpers/services.js';
import { launchChromium, openPage, screenshot, VIEWPORTS } from './helpers/browser.js';
import { buildSite, type BuiltSite } from './helpers/build-site.js';
import { serveStatic, type StaticServer } from './helpers/static-server.js';

const REGISTRY = join(process.cwd(), 'registry-data');

describe.skipIf(!hasChromium())('web UI on a plain static host (Chromium)', () => {
  let site: BuiltSite;
  let server: StaticServer;
  let browser: Browser;

  beforeAll(async () => {
    site = await buildSite(REGISTRY);
    server = await serveStatic(site.publicDir);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const [label, viewport] of Object.entries(VIEWPORTS)) {
    it(`searches, opens the library, shows the README and copies the install command (${label})`, async () => {
      const ctx = await browser.newContext({ viewport, colorScheme: label === 'phone' ? 'dark' : 'light' });
      await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(server.url).origin });
      const { page, errors, dialogs } = await openPage(ctx);
      server.requests.length = 0;
      await page.goto(`${server.url}index.html`);
      await screenshot(page, `home-${label}`);
      expect(server.requests.filter((p) => p.includes('/search/'))).toEqual([]);

      await page.locator('#q').pressSequentially('adr kit', { delay: 30 });
      const first = page.locator('#results > li').first().locator('a.lib-name');
      await expect.poll(() => first.textContent()).toBe('@acme/adr-kit');
      await expect.poll(() => page.locator('#result-count').textContent()).toMatch(/^\d+ librar(y|ies) for “adr kit”/);
      await screenshot(page, `search-${label}`);

      await first.click();
      await page.waitForURL(/libraries\/@acme\/adr-kit\/index\.html$/);
      await expect.poll(() => page.locator('article.readme h1').textContent()).toBe('ADR kit');
      expect(await page.locator('article.readme strong').first().textContent()).toBe('architecture decision record');
      expect(await page.locator('article.readme pre code').first().textContent()).toContain('mdlibs install @acme/adr-kit');
      await page.locator('button.copy-btn').click();
      await expect.poll(() => page.locator('#copy-status').textContent()).toMatch(/copied/i);
      expect(await page.evaluate(() => navigator.clipboard.readText())).toBe('mdlibs install @acme/adr-kit');
      await screenshot(page, `library-${label}`);

      // README link to a doc page, and back
      await page.locator('article.readme a', { hasText: 'Guide: writing ADRs' }).click();
      await page.waitForURL(/doc\/docs\/guide\.html$/);
      expect(await page.locator('article.doc h1').first().textContent()).toBeTruthy();
      // on a static host the live download count stays hidden, silently
      await page.goBack();
      expect(await page.locator('dd.downloads-fact').isHidden()).toBe(true);
      expect(errors).toEqual([]);
      expect(dialogs).toEqual([]);
      await ctx.close();
    });
  }

  it('matches prefixes and typos, filters by tag and scope, and moves through results with the keyboard', async () => {
    const summary = summaryIndexSchema.parse(JSON.parse(readFileSync(join(site.publicDir, 'summary/index.json'), 'utf8')));
    const ctx = await browser.newContext({ viewport: VIEWPORTS.desktop });
    const { page, errors } = await openPage(ctx);
    await page.goto(`${server.url}index.html`);
    const names = () => page.locator('#results a.lib-name').allTextContents();

    await page.locator('#q').pressSequentially('glos');
    await expect.poll(async () => (await names())[0]).toBe('@acme/glossary');
    await page.locator('#q').fill('');
    await page.locator('#q').pressSequentially('runbok');
    await expect.poll(async () => (await names())[0]).toBe('@platform/incident-runbooks');

    // tag filter alone lists every library with the tag
    await page.locator('#q').fill('');
    const [tag, count] = Object.entries(summary.tags).sort((a, b) => b[1] - a[1])[0] as [string, number];
    await page.selectOption('#filter-tag', tag);
    await expect.poll(async () => (await names()).length).toBe(count);
    expect(await page.locator('#results').getAttribute('data-count')).toBe(String(count));
    expect(new URL(page.url()).searchParams.get('tag')).toBe(tag);
    await page.selectOption('#filter-tag', '');

    // scope filter restricts a query to that scope
    await page.selectOption('#filter-scope', 'platform');
    await page.locator('#q').pressSequentially('template');
    await expect.poll(async () => (await names()).length).toBeGreaterThan(0);
    expect((await names()).every((n) => n.startsWith('@platform/'))).toBe(true);
    await page.selectOption('#filter-scope', '');
    await expect.poll(async () => (await names()).some((n) => n.startsWith('@acme/'))).toBe(true);

    // keyboard: ArrowDown from the box to the results, Up back to the box, Enter opens
    await page.locator('#q').focus();
    await page.keyboard.press('ArrowDown');
    const all = await names();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(all[0]);
    await page.keyboard.press('ArrowDown');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(all[1]);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('q');
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`libraries/${(all[0] ?? '').replace('/', '\\/')}/index\\.html$`));

    // a search URL can be shared: the query comes back from ?q=
    await page.goto(`${server.url}index.html?q=incident`);
    await expect.poll(async () => (await names())[0]).toBe('@platform/incident-runbooks');
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('finds no private library in the public site', async () => {
    const ctx = await browser.newContext();
    const { page } = await openPage(ctx);
    await page.goto(`${server.url}index.html`);
    await page.locator('#q').pressSequentially('threat modeling security review');
    await expect.poll(() => page.locator('#result-count').textContent()).toMatch(/librar/);
    expect((await page.locator('#results a.lib-name').allTextContents()).filter((n) => n.startsWith('@secops/'))).toEqual([]);
    const res = await page.goto(`${server.url}libraries/@secops/threat-modeling/index.html`);
    expect(res?.status()).toBe(404);
    expect(await page.locator('h1').textContent()).toBe('Page not found');
    await ctx.close();
  });

  it('works under a base path (GitHub Pages project site)', async () => {
    const sub = await serveStatic(site.publicDir, { basePath: '/docs-registry/' });
    try {
      const ctx = await browser.newContext();
      const { page, errors } = await openPage(ctx);
      await page.goto(`${sub.url}index.html`);
      await page.locator('#q').pressSequentially('prompt');
      const first = page.locator('#results a.lib-name').first();
      await expect.poll(() => first.textContent()).toBe('@platform/prompt-pack');
      await first.click();
      await page.waitForURL(`${sub.url}libraries/@platform/prompt-pack/index.html`);
      expect(await page.locator('.lib-title').textContent()).toBe('@platform/prompt-pack');
      await page.locator('.breadcrumbs a', { hasText: '@platform' }).click();
      await page.waitForURL(`${sub.url}libraries/@platform/index.html`);
      expect(await page.locator('.lib-list a.lib-name').count()).toBeGreaterThan(0);
      expect(sub.requests.filter((p) => !p.startsWith('/docs-registry/'))).toEqual([]);
      expect(errors).toEqual([]);
      await ctx.close();
    } finally {
      await sub.close();
    }
  });

  it('fetches the shards of a pasted query while the base file is still on its way', async () => {
    // base.json is held until a shard is requested (at most 3 s): fetched one after the other, the shard request comes only after the wait
    let shardAsked: () => void = () => undefined;
    const shardSeen = new Promise<void>((r) => (shardAsked = r));
    let baseReleased = false;
    let shardBeforeBase: boolean | null = null;
    const slow = await serveStatic(site.publicDir, {
      hold: (path) => {
        if (/\/search\/web\/shard-/.test(path)) {
          shardBeforeBase ??= !baseReleased;
          shardAsked();
        }
        if (!path.endsWith('/search/web/base.json')) return undefined;
        return Promise.race([shardSeen, new Promise<void>((r) => setTimeout(r, 3000))]).then(() => {
          baseReleased = true;
        });
      },
    });
    try {
      const ctx = await browser.newContext();
      const { page, errors } = await openPage(ctx);
      await page.goto(`${slow.url}index.html`);
      await page.evaluate(() => {
        const input = document.getElementById('q') as HTMLInputElement;
        input.value = 'runbook';
        input.dispatchEvent(new Event('input', { bubbles: true }));
      });
      await expect.poll(() => page.locator('#result-count').textContent(), { timeout: 10_000 }).toMatch(/librar(y|ies) for “runbook”/);
      expect(shardBeforeBase).toBe(true);
      expect(errors).toEqual([]);
      await ctx.close();
    } finally {
      await slow.close();
    }
  });
});
