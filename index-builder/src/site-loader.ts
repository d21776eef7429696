/** Loads the static site generator lazily (the site module is optional for API users). */
import type { SiteEmitter } from './build/site-hook.js';

export async function loadSiteEmitter(): Promise<SiteEmitter | undefined> {
  try {
    const specifier = './site/emit-site.js';
    const mod = (await import(specifier)) as { emitSite?: SiteEmitter };
    return mod.emitSite;
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw e;
  }
}
