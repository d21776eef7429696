/**
 * HTTP for the CLI: a timeout on every request (headers and body), a size cap, redirects
 * followed by hand so a token never leaves its origin (a cross-origin redirect is refused),
 * and errors that say what to do. Uses Node's fetch (undici, keep-alive).
 */
import { cliError } from '../errors.js';

export interface HttpRequest {
  url: string;
  method?: string;
  /** Bearer token; sent only to the origin of `url`. */
  token?: string | undefined;
  timeoutMs: number;
  maxBytes: number;
  headers?: Record<string, string>;
  body?: string;
  /** Response statuses the caller handles itself (no error thrown). */
  accept?: readonly number[];
}

/** What the CLI reads of response headers (a fetch `Headers` is one). */
export interface HeaderReader {
  get(name: string): string | null;
}

/**
 * Headers of a response answered from the cache. Not `new Headers()`: the first use of that
 * global loads Node's whole fetch stack (undici), ~45 ms of a warm install that sends no request.
 */
export const NO_HEADERS: HeaderReader = { get: () => null };

export interface HttpResponse {
  status: number;
  url: string;
  headers: HeaderReader;
  body: Buffer;
}

const MAX_REDIRECTS = 5;

/** Removes credentials and query secrets from a URL for messages. */
export function redactUrl(u: string): string {
  try {
    const x = new URL(u);
    x.username = '';
    x.password = '';
    for (const k of [...x.searchParams.keys()]) if (/token|key|secret|sig/i.test(k)) x.searchParams.set(k, 'REDACTED');
    return x.toString();
  } catch {
    return '(invalid URL)';
  }
}

async function readCapped(res: Response, maxBytes: number, url: string): Promise<Buffer> {
  const len = Number(res.headers.get('content-length') ?? '0');
  if (len > maxBytes) {
    await res.body?.cancel().catch(() => undefined);
    throw cliError('CLI_RESPONSE_TOO_LARGE', `${redactUrl(url)} is ${len} bytes; the limit is ${maxBytes}`, 'check the registry URL; registry files this large are not expected');
  }
  if (!res.body) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      await res.body.cancel().catch(() => undefined);
      throw cliError('CLI_RESPONSE_TOO_LARGE', `${redactUrl(url)} sent more than ${maxBytes} bytes`, 'check the registry URL; registry files this large are not expected');
    }
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

function networkError(e: unknown, url: string, timeoutMs: number): Error {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return cliError('CLI_TIMEOUT', `${redactUrl(url)} did not answer within ${timeoutMs} ms`, 'check the registry is up, or raise the timeout with --timeout <ms> or MDLIBS_TIMEOUT_MS', undefined, e);
  }
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return cliError('CLI_NETWORK', `could not reach ${redactUrl(url)}: ${cause}`, 'check the registry URL and your network; `mdlibs registry list` shows the configured URL', undefined, e);
}

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  const origin = new URL(req.url).origin;
  let url = req.url;
  for (let hop = 0; ; hop++) {
    const here = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'mdlibs-cli', ...(req.headers ?? {}) };
    if (req.token && here.origin === origin) headers.authorization = `Bearer ${req.token}`;
    let res: Response;
    try {
      res = await fetch(url, { method: req.method ?? 'GET', headers, redirect: 'manual', signal, ...(req.body !== undefined ? { body: req.body } : {}) });
    } catch (e) {
      throw networkError(e, url, req.timeoutMs);
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      await res.body?.cancel().catch(() => undefined);
      const loc = res.headers.get('location');
      if (!loc) throw cliError('CLI_HTTP', `${redactUrl(url)} answered ${res.status} without a Location`, 'the registry is misconfigured; tell its operator');
      const next = new URL(loc, url);
      if (next.origin !== origin) {
        throw cliError('CLI_REDIRECT_REFUSED', `${redactUrl(url)} redirected to another origin (${next.origin}); mdlibs does not follow it`, `if the registry moved, configure its new URL: mdlibs registry add <name> ${redactUrl(next.toString())}`);
      }
      if (hop >= MAX_REDIRECTS) throw cliError('CLI_REDIRECT_REFUSED', `${redactUrl(req.url)} redirected more than ${MAX_REDIRECTS} times`, 'the registry is misconfigured (redirect loop); tell its operator');
      url = next.toString();
      continue;
    }
    try {
      const body = await readCapped(res, req.maxBytes, url);
      return { status: res.status, url, headers: res.headers, body };
    } catch (e) {
      if (e instanceof Error && e.name === 'MdlibsError') throw e;
      throw networkError(e, url, req.timeoutMs);
    }
  }
}
