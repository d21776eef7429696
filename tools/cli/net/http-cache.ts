/** GET with an on-disk ETag cache (search index, index files): conditional requests and offline reads. */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { readRegularFile } from '../file-reads.js';
import { writeFileAtomic } from '../file-writes.js';
import { join } from 'node:path';
import { cliError } from '../errors.js';
import { inBackground } from './background-writes.js';
import { httpRequest, NO_HEADERS, redactUrl, type HttpRequest, type HttpResponse } from './http.js';

interface Meta {
  url: string;
  etag: string | null;
  status: number;
  /** When the registry last confirmed this body (200 or 304), ms since the epoch. */
  fetchedAt?: number;
}

/** Largest cached body read back (the largest cached GET: the search index, LIMITS.searchBytes). */
const MAX_CACHED_BODY_BYTES = 64 * 1024 * 1024;
const MAX_META_BYTES = 64 * 1024;

export class HttpCache {
  private folder: Promise<unknown> | null = null;
  private readonly chains = new Map<string, Promise<void>>();

  constructor(readonly dir: string, readonly offline: boolean) {}

  private paths(url: string): { meta: string; body: string } {
    const k = createHash('sha256').update(url).digest('hex');
    return { meta: join(this.dir, 'http', `${k}.json`), body: join(this.dir, 'http', `${k}.body`) };
  }

  /**
   * The cached answer, or null. Entries that are not regular files are misses (a named pipe
   * blocked every command that read an index file forever); the next 200 replaces them.
   */
  read(url: string): { meta: Meta; body: Buffer } | null {
    const p = this.paths(url);
    const meta = readRegularFile(p.meta, MAX_META_BYTES);
    if (!meta.ok) return null;
    const body = readRegularFile(p.body, MAX_CACHED_BODY_BYTES);
    if (!body.ok) return null;
    try {
      return { meta: JSON.parse(meta.bytes.toString('utf8')) as Meta, body: body.bytes };
    } catch {
      return null;
    }
  }

  /**
   * Records a 200 body (or, with a null body, that the registry confirmed the cached one), in
   * the background (see background-writes.ts). Writes of one URL run one after another, body
   * before metadata, each renamed into place, so a reader never pairs a body with another
   * body's ETag.
   */
  private write(url: string, etag: string | null, body: Buffer | null): void {
    const p = this.paths(url);
    const previous = this.chains.get(url) ?? Promise.resolve();
    const next = inBackground(async () => {
      await previous;
      this.folder ??= mkdir(join(this.dir, 'http'), { recursive: true, mode: 0o700 });
      await this.folder;
      if (body) await writeFileAtomic(p.body, body, 0o600);
      await writeFileAtomic(p.meta, JSON.stringify({ url, etag, status: 200, fetchedAt: Date.now() } satisfies Meta), 0o600);
    });
    this.chains.set(url, next);
  }

  /** The cached body when the registry confirmed it less than `maxAgeMs` ago (no request). */
  fresh(url: string, maxAgeMs: number): Buffer | null {
    if (maxAgeMs <= 0) return null;
    const c = this.read(url);
    const at = c?.meta.fetchedAt;
    return c && at !== undefined && Date.now() - at >= 0 && Date.now() - at < maxAgeMs ? c.body : null;
  }

  /** 200 bodies are cached; a 304 answers from the cache. Other statuses are returned as they are. */
  async get(req: HttpRequest): Promise<HttpResponse & { fromCache: boolean }> {
    const cached = this.read(req.url);
    if (this.offline) {
      if (!cached) throw cliError('CLI_OFFLINE_MISS', `--offline: ${redactUrl(req.url)} is not in the cache`, 'run the command once online, or drop --offline');
      return { status: 200, url: req.url, headers: NO_HEADERS, body: cached.body, fromCache: true };
    }
    const headers = { ...(req.headers ?? {}), ...(cached?.meta.etag ? { 'if-none-match': cached.meta.etag } : {}) };
    const res = await httpRequest({ ...req, headers, accept: [...(req.accept ?? []), 304] });
    if (res.status === 304 && cached) {
      this.write(req.url, cached.meta.etag, null);
      return { ...res, status: 200, body: cached.body, fromCache: true };
    }
    if (res.status === 200) this.write(req.url, res.headers.get('etag'), res.body);
    return { ...res, fromCache: false };
  }
}
