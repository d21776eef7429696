/** One run's registry clients (one per registry URL, each with its own token) and caches. */
import type { CommandContext } from '../command.js';
import { tokenFor, type Settings } from '../config/settings.js';
import { TarballCache } from '../install/cache.js';
import { TarballPrefetch } from '../install/prefetch.js';
import { HttpCache } from '../net/http-cache.js';
import { RegistryClient } from './client.js';

export class Session {
  readonly httpCache: HttpCache;
  readonly tarballs: TarballCache;
  /** Tarballs downloaded ahead of resolution (install/prefetch.ts). */
  readonly prefetch = new TarballPrefetch();
  private readonly clients = new Map<string, RegistryClient>();

  constructor(readonly settings: Settings, readonly ctx: CommandContext, readonly offline = false) {
    this.httpCache = new HttpCache(settings.cacheDir.value, offline);
    this.tarballs = new TarballCache(settings.cacheDir.value);
  }

  client(url: string): RegistryClient {
    let c = this.clients.get(url);
    if (!c) {
      c = new RegistryClient({ url, token: tokenFor(this.settings, url)?.value, timeoutMs: this.settings.timeoutMs.value, cache: this.httpCache });
      this.clients.set(url, c);
    }
    return c;
  }
}
