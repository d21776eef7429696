/**
 * Talks the static protocol (config.json, index files, tarballs, search index) and, when
 * config.json names one, the server API. Every registry answer is schema-checked; every
 * URL the registry hands out must stay on the registry's origin.
 */
// the protocol's own modules, not the format.js barrel: that one also loads MiniSearch, which only `search` needs
import { sanitizeForMessage } from '../../../index-builder/src/format/names.js';
import { fillTemplate, PATHS } from '../../../index-builder/src/format/paths.js';
import { configJsonSchema, libraryIndexSchema, PROTOCOL_VERSION, versionEntrySchema, type ConfigJson, type LibraryIndex } from '../../../index-builder/src/format/protocol.js';
import { z } from 'zod';
import { cliError } from '../errors.js';
import { firstIssue } from '../schema-issue.js';
import { httpRequest, NO_HEADERS, redactUrl, type HttpResponse } from '../net/http.js';
import type { HttpCache } from '../net/http-cache.js';
import { statusError } from '../net/status.js';

export const LIMITS = {
  configBytes: 1024 * 1024,
  indexBytes: 16 * 1024 * 1024,
  searchBytes: 64 * 1024 * 1024,
  apiBytes: 8 * 1024 * 1024,
  tarballBytes: 100 * 1024 * 1024,
} as const;

const yankFactsSchema = libraryIndexSchema.pick({ name: true, deprecated: true }).extend({
  versions: z.array(versionEntrySchema.pick({ version: true, yanked: true, yankedReason: true })),
});

export interface ClientOptions {
  url: string;
  token?: string | undefined;
  timeoutMs: number;
  cache: HttpCache;
}

function parseJson<S extends z.ZodType>(res: HttpResponse, schema: S, what: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(res.body.toString('utf8'));
  } catch {
    throw cliError('CLI_BAD_RESPONSE', `${what} at ${redactUrl(res.url)} is not JSON`, 'the registry URL may point at a web page rather than an mdlibs registry, or the registry is broken; check it with `mdlibs registry list`');
  }
  const r = schema.safeParse(raw);
  if (!r.success) {
    throw cliError('CLI_BAD_RESPONSE', `${what} at ${redactUrl(res.url)} does not match the mdlibs protocol (${firstIssue(r.error)})`, 'the registry is broken or not an mdlibs registry; tell its operator');
  }
  return r.data as z.infer<S>;
}

export class RegistryClient {
  readonly url: string;
  private configP: Promise<ConfigJson> | null = null;
  private freshConfigMemo: ConfigJson | null | undefined;
  private readonly indexes = new Map<string, Promise<LibraryIndex>>();

  constructor(private readonly o: ClientOptions) {
    this.url = o.url;
  }

  get hasToken(): boolean {
    return this.o.token !== undefined;
  }

  /** Resolves a registry-relative path; refuses anything that leaves the registry origin. */
  resolve(rel: string): string {
    let u: URL;
    try {
      u = new URL(rel, this.url);
    } catch {
      throw cliError('CLI_BAD_RESPONSE', `the registry points to "${sanitizeForMessage(rel)}", which is not an address`, 'the registry metadata is broken or hostile; tell its operator');
    }
    if (u.origin !== new URL(this.url).origin) {
      throw cliError('CLI_BAD_RESPONSE', `the registry points to ${redactUrl(u.toString())}, outside its own origin`, 'the registry metadata is hostile or broken; nothing was fetched from that address');
    }
    return u.toString();
  }

  private async get(url: string, maxBytes: number, what: string, cached: boolean, signal?: AbortSignal): Promise<HttpResponse> {
    const req = { url, token: this.o.token, timeoutMs: this.o.timeoutMs, maxBytes, accept: [404], signal };
    const res = cached ? await this.o.cache.get(req) : await httpRequest(req);
    if (res.status >= 200 && res.status < 300) return res;
    if (res.status === 404) return res;
    throw statusError(res, what, this.hasToken);
  }

  config(): Promise<ConfigJson> {
    this.configP ??= (async () => {
      const res = await this.get(this.resolve(PATHS.config), LIMITS.configBytes, 'config.json', true);
      if (res.status === 404) {
        throw cliError('CLI_BAD_RESPONSE', `${redactUrl(this.url)} has no config.json`, 'the URL is not an mdlibs registry root; use the URL of the built tree (the folder holding config.json)');
      }
      const probe = JSON.parse(res.body.toString('utf8') || 'null') as { protocol?: unknown } | null;
      if (probe && typeof probe.protocol === 'number' && probe.protocol !== PROTOCOL_VERSION) {
        throw cliError('CLI_PROTOCOL_UNSUPPORTED', `the registry speaks protocol ${probe.protocol}; this mdlibs speaks ${PROTOCOL_VERSION}`, 'upgrade the mdlibs CLI');
      }
      return parseJson(res, configJsonSchema, 'config.json');
    })().catch((e: unknown) => {
      if (e instanceof SyntaxError) throw cliError('CLI_BAD_RESPONSE', `config.json at ${redactUrl(this.url)} is not JSON`, 'the registry URL may point at a web page rather than an mdlibs registry');
      throw e;
    });
    return this.configP;
  }

  /** config.json from the cache when the registry confirmed it within `maxAgeMs`; read and parsed once per process. */
  private freshConfig(maxAgeMs: number): ConfigJson | null {
    if (this.freshConfigMemo === undefined) {
      const url = this.resolve(PATHS.config);
      const body = this.o.cache.fresh(url, maxAgeMs);
      this.freshConfigMemo = body ? parseJson({ status: 200, url, headers: NO_HEADERS, body }, configJsonSchema, 'config.json') : null;
    }
    return this.freshConfigMemo;
  }

  /** The index file of one library; CLI_LIBRARY_NOT_FOUND when the registry has none. */
  libraryIndex(scope: string, name: string): Promise<LibraryIndex> {
    const key = `@${scope}/${name}`;
    let p = this.indexes.get(key);
    if (!p) {
      p = (async () => {
        const cfg = await this.config();
        const res = await this.get(this.resolve(fillTemplate(cfg.templates.index, { scope, name })), LIMITS.indexBytes, `the index of ${key}`, true);
        if (res.status === 404) {
          throw cliError('CLI_LIBRARY_NOT_FOUND', `${key} is not in the registry ${redactUrl(this.url)}`, this.hasToken
            ? 'check the name with `mdlibs search`; if it is private, check your token may read its scope'
            : 'check the name with `mdlibs search`; if it is a private library, log in first (`mdlibs login`)');
        }
        const ix = parseJson(res, libraryIndexSchema, `the index of ${key}`);
        if (ix.scope !== scope || ix.name !== key) {
          throw cliError('CLI_BAD_RESPONSE', `the index file for ${key} describes ${ix.name}`, 'the registry is broken or hostile; tell its operator');
        }
        return ix;
      })();
      this.indexes.set(key, p);
    }
    return p;
  }

  /**
   * Yank and deprecation facts of a library, for warnings only: answered from the cache
   * when the registry confirmed it within `maxAgeMs`, and read with a small schema (the
   * full index is not needed to warn).
   */
  async yankFacts(scope: string, name: string, maxAgeMs: number): Promise<z.infer<typeof yankFactsSchema>> {
    const cfg = this.configP ? await this.configP : (this.freshConfig(maxAgeMs) ?? (await this.config()));
    const url = this.resolve(fillTemplate(cfg.templates.index, { scope, name }));
    const body = this.o.cache.fresh(url, maxAgeMs);
    if (body) return parseJson({ status: 200, url, headers: NO_HEADERS, body }, yankFactsSchema, `the index of @${scope}/${name}`);
    const res = await this.get(url, LIMITS.indexBytes, `the index of @${scope}/${name}`, true);
    if (res.status === 404) throw cliError('CLI_LIBRARY_NOT_FOUND', `@${scope}/${name} is not in the registry ${redactUrl(this.url)}`, 'it may have been removed; run `mdlibs update` to resolve again');
    return parseJson(res, yankFactsSchema, `the index of @${scope}/${name}`);
  }

  /** Tarball bytes (not yet verified: the caller checks integrity). */
  async tarball(url: string, expectedSize: number | null, what: string, signal?: AbortSignal): Promise<Buffer> {
    const max = expectedSize !== null ? Math.min(LIMITS.tarballBytes, expectedSize + 1024) : LIMITS.tarballBytes;
    const res = await this.get(url, max, what, false, signal);
    if (res.status === 404) throw cliError('CLI_LIBRARY_NOT_FOUND', `the tarball of ${what} is missing at ${redactUrl(url)}`, 'the registry is incomplete; tell its operator, or retry after its next build');
    return res.body;
  }

  /** Prebuilt MiniSearch index (ETag-cached). */
  async searchIndexJson(): Promise<string> {
    const cfg = await this.config();
    const res = await this.get(this.resolve(cfg.search.index), LIMITS.searchBytes, 'the search index', true);
    if (res.status === 404) throw cliError('CLI_BAD_RESPONSE', 'the registry has no search index', 'the registry build is incomplete; tell its operator');
    return res.body.toString('utf8');
  }

  /** Base URL of the server API, or null on a plain static host. */
  async apiBase(): Promise<string | null> {
    const cfg = await this.config();
    if (!cfg.api) return null;
    const base = this.resolve(cfg.api.endsWith('/') ? cfg.api : `${cfg.api}/`);
    return base;
  }

  /** Calls the server API; returns parsed JSON or throws the mapped error. */
  async api(path: string, init: { method?: string; body?: unknown; what: string; accept404?: boolean }): Promise<{ status: number; json: unknown }> {
    const base = await this.apiBase();
    if (!base) throw cliError('CLI_NO_SERVER', `${redactUrl(this.url)} is a static registry without an mdlibs server; ${init.what} needs one`, 'use a registry served by mdlibs-server (its config.json names an api)');
    const url = this.resolve(new URL(path.replace(/^\//, ''), base).toString());
    const res = await httpRequest({
      url, method: init.method ?? 'GET', token: this.o.token, timeoutMs: this.o.timeoutMs, maxBytes: LIMITS.apiBytes,
      headers: { accept: 'application/json', ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    if (res.status === 404 && init.accept404) return { status: 404, json: null };
    if (res.status < 200 || res.status >= 300) throw statusError(res, init.what, this.hasToken);
    if (res.status === 204 || res.body.length === 0) return { status: res.status, json: null };
    try {
      return { status: res.status, json: JSON.parse(res.body.toString('utf8')) };
    } catch {
      throw cliError('CLI_BAD_RESPONSE', `the server answer for ${init.what} is not JSON`, 'the server is broken or a proxy answered; tell its operator');
    }
  }
}
