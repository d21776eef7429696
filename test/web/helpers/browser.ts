/** Chromium (Debian's, never downloaded) driven by playwright-core, with page-error and dialog capture. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../helpers/services.js';

export const ARTIFACTS = join(process.cwd(), 'test-artifacts', 'web');

export const VIEWPORTS = {
  desktop: { width: 1280, height: 900 },
  phone: { width: 390, height: 844 },
} as const;

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, timeout: 60_000 });
}

export interface WatchedPage {
  page: Page;
  errors: string[];
  dialogs: string[];
}

/** A page that records uncaught errors and dismisses (and records) every dialog. */
export async function openPage(ctx: BrowserContext): Promise<WatchedPage> {
  const page = await ctx.newPage();
  page.setDefaultTimeout(30_000);
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('dialog', (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  return { page, errors, dialogs };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/**
 * Puts in the page what a sanitizer bypass would leave there (an event handler, a `javascript:`
 * link, an inline script), clicks the link, and gives a reader of which of them ran. The link
 * returns nothing (`void`), so running it does not replace the document, which would take the
 * record with it and hide that it ran.
 */
export async function injectBypassPayloads(page: Page): Promise<() => Promise<string[]>> {
  await page.evaluate(() => {
    (window as unknown as { __ran: string[] }).__ran = [];
    const d = document.createElement('div');
    d.innerHTML = '<img src="x" onerror="window.__ran.push(\'onerror\')"><a id="bait" href="javascript:void window.__ran.push(\'js-url\')">x</a>';
    document.body.append(d);
    const s = document.createElement('script');
    s.textContent = "window.__ran.push('inline-script')";
    document.body.append(s);
  });
  await page.locator('#bait').click();
  return () => page.evaluate(() => (window as unknown as { __ran?: string[] }).__ran ?? []);
}
