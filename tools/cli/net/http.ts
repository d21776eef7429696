/**
 * HTTP for the CLI: a timeout on every request (headers and body), a size cap, redirects
 * followed by hand so a token never leaves its origin (a cross-origin redirect is refused),
 * compressed answers decoded (the cap counts decoded bytes: no decompression bomb), and errors
 * that say what to do.
 */
import type * as Http from 'node:http';
import type { Agent, IncomingHttpHeaders, IncomingMessage, request as httpRequestFn } from 'node:http';
import type * as Https from 'node:https';
import { createRequire } from 'node:module';
import type { Readable, Transform } from 'node:stream';
import { brotliDecompressSync, createBrotliDecompress, createGunzip, createInflate, gunzipSync, inflateSync, type BrotliOptions, type ZlibOptions } from 'node:zlib';
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
  /** Abandons the request (a download nobody needs any more); it then fails with CLI_NETWORK. */
  signal?: AbortSignal | undefined;
}

/** What the CLI reads of response headers. */
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

/**
 * Node's http/https with keep-alive agents, not fetch: in a cold `mdlibs install` of 50
 * libraries (101 requests) fetch cost the loading of undici plus its per-request overhead
 * (bench notes in bench/RESULTS.md). Idle sockets are unref'd by the agent, so they never keep
 * the process alive. node:http (six internal modules) is loaded on the first request, https only
 * for an https URL: a warm install from the lockfile sends none.
 */
const agents = new Map<string, Agent>();
// require, not import(): the CLI bundle runs through node:vm (code-cache.ts), which has no dynamic import
const load = createRequire(import.meta.url);
const MAX_SOCKETS = 16;

function transport(protocol: string): { request: typeof httpRequestFn; agent: Agent } {
  let agent = agents.get(protocol);
  if (protocol === 'http:') {
    const http = load('node:http') as typeof Http;
    if (!agent) agents.set(protocol, (agent = new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })));
    return { request: http.request, agent };
  }
  if (protocol === 'https:') {
    const https = load('node:https') as typeof Https;
    if (!agent) agents.set(protocol, (agent = new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS })));
    return { request: https.request as typeof httpRequestFn, agent };
  }
  throw cliError('CLI_NETWORK', `unsupported URL scheme ${protocol}`, 'registry URLs start with https:// (or http:// for a local registry)');
}

class TimeoutError extends Error {
  override name = 'TimeoutError';
}

function tooLarge(url: string, what: string, maxBytes: number): Error {
  return cliError('CLI_RESPONSE_TOO_LARGE', `${redactUrl(url)} ${what}; the limit is ${maxBytes} bytes`, 'check the registry URL; registry files this large are not expected');
}

function corrupt(url: string, e: unknown): Error {
  return cliError('CLI_BAD_RESPONSE', `${redactUrl(url)} sent a compressed body that does not decode (${e instanceof Error ? e.message : String(e)})`, 'retry; if it persists the registry or a proxy is broken: tell its operator', undefined, e);
}

interface Decoder {
  /** Decodes a whole body in one call (small bodies). */
  whole: (b: Buffer, o: ZlibOptions & BrotliOptions) => Buffer;
  /** A streaming decoder to pipe a body through. */
  stream: () => Transform;
}
// a Map: a header value is not an object key (`constructor` must not find Object's)
const DECODERS = new Map<string, Decoder>([
  ['gzip', { whole: gunzipSync, stream: () => createGunzip() }],
  ['x-gzip', { whole: gunzipSync, stream: () => createGunzip() }],
  ['br', { whole: brotliDecompressSync, stream: () => createBrotliDecompress() }],
  ['deflate', { whole: inflateSync, stream: () => createInflate() }],
]);

/**
 * A compressed body whose Content-Length is at most this is collected whole and decoded in one
 * call: an index file or config.json is a few hundred bytes of brotli, and a streaming decoder
 * per response (zlib handle, Transform stream, pipe) cost more than the decoding itself.
 */
export const SMALL_COMPRESSED_BODY = 256 * 1024;

/**
 * Collects `source` (the response, or a decoder it is piped through) up to `cap` bytes; more
 * fails with `over()`. A decoder's error is a body that does not decode.
 */
function collect(res: IncomingMessage, source: Readable, cap: number, over: () => Error, url: string): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const fail = (e: Error) => {
      if (settled) return;
      settled = true;
      reject(e); // first: destroying emits 'aborted' synchronously, which must not win
      res.destroy();
      if (source !== res) source.destroy();
    };
    source.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (settled) return;
      if (total > cap) return fail(over());
      chunks.push(chunk);
    });
    source.once('end', () => {
      if (settled) return;
      settled = true;
      resolve(Buffer.concat(chunks, total));
    });
    if (source !== res) {
      source.once('error', (e: Error) => fail(corrupt(url, e)));
      res.once('error', fail);
    } else source.once('error', fail);
    res.once('aborted', () => fail(new Error('the connection closed before the whole answer arrived')));
  });
}

/** Reads a body (decoded when the server compressed it) up to `maxBytes` decoded bytes. */
function readCapped(res: IncomingMessage, maxBytes: number, url: string, hasBody: boolean): Promise<Buffer> {
  const len = Number(res.headers['content-length'] ?? '0');
  // a 304 or a HEAD answer keeps the Content-Encoding of the body it stands for, but has none
  const encoding = hasBody ? (res.headers['content-encoding'] ?? 'identity').trim().toLowerCase() : 'identity';
  if (len > maxBytes && encoding === 'identity') {
    res.destroy();
    return Promise.reject(tooLarge(url, `is ${len} bytes`, maxBytes));
  }
  const decoder = encoding === 'identity' ? null : DECODERS.get(encoding);
  if (decoder === undefined) {
    res.destroy();
    return Promise.reject(cliError('CLI_HTTP', `${redactUrl(url)} answered with content-encoding ${encoding.slice(0, 40)}, which mdlibs does not read`, 'the registry is misconfigured; tell its operator'));
  }
  if (decoder && len > 0 && len <= SMALL_COMPRESSED_BODY) {
    const body = collect(res, res, len, () => cliError('CLI_HTTP', `${redactUrl(url)} sent more than its Content-Length`, 'the registry or a proxy is broken; retry, or tell its operator'), url);
    return body.then((b) => {
      try {
        return decoder.whole(b, { maxOutputLength: maxBytes });
      } catch (e) {
        if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(url, 'sent more than that once decoded', maxBytes);
        throw corrupt(url, e);
      }
    });
  }
  return collect(res, decoder ? res.pipe(decoder.stream()) : res, maxBytes, () => tooLarge(url, 'sent more than that', maxBytes), url);
}

interface RawResponse { status: number; headers: IncomingHttpHeaders; body: IncomingMessage }

/**
 * One request. A GET or HEAD sent on a kept-alive socket that the server closed at that moment
 * (ECONNRESET, EPIPE before any answer) is sent once more on a new connection, as Node's docs
 * advise (`request.reusedSocket`); nothing else is retried.
 */
async function send(url: URL, method: string, headers: Record<string, string>, body: string | undefined, deadline: { signal: AbortSignal }, retried = false): Promise<RawResponse> {
  const t = transport(url.protocol);
  return new Promise<RawResponse>((resolve, reject) => {
    const req = t.request(url, { method, headers: body !== undefined ? { ...headers, 'content-length': String(Buffer.byteLength(body)) } : headers, agent: t.agent, signal: deadline.signal }, (res) => {
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: res });
    });
    req.once('error', (e: NodeJS.ErrnoException) => {
      const stale = req.reusedSocket && (e.code === 'ECONNRESET' || e.code === 'EPIPE') && (method === 'GET' || method === 'HEAD');
      if (stale && !retried && !deadline.signal.aborted) resolve(send(url, method, headers, body, deadline, true));
      else reject(e);
    });
    req.end(body);
  });
}

function networkError(e: unknown, url: string, timeoutMs: number): Error {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError' || e.cause instanceof TimeoutError)) {
    return cliError('CLI_TIMEOUT', `${redactUrl(url)} did not answer within ${timeoutMs} ms`, 'check the registry is up, or raise the timeout with --timeout <ms> or MDLIBS_TIMEOUT_MS', undefined, e);
  }
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return cliError('CLI_NETWORK', `could not reach ${redactUrl(url)}: ${cause}`, 'check the registry URL and your network; `mdlibs registry list` shows the configured URL', undefined, e);
}

export async function httpRequest(req: HttpRequest): Promise<HttpResponse> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new TimeoutError(`no answer within ${req.timeoutMs} ms`)), req.timeoutMs);
  const abandon = () => controller.abort(new Error('the request was abandoned'));
  if (req.signal?.aborted) abandon();
  req.signal?.addEventListener('abort', abandon, { once: true });
  try {
    return await follow(req, controller.signal);
  } finally {
    clearTimeout(timer);
    req.signal?.removeEventListener('abort', abandon);
  }
}

/** What a bearer token may hold (printable ASCII without spaces); anything else cannot go in a header. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

async function follow(req: HttpRequest, signal: AbortSignal): Promise<HttpResponse> {
  if (req.token && !TOKEN_CHARS.test(req.token)) {
    // Node would refuse the header ("Invalid character in header content"), reported as a network error
    throw cliError('CLI_AUTH_INVALID', 'the token has characters a token cannot have (spaces, line breaks, control or non-ASCII characters)', 'copy the token again (mdl_ followed by 40 letters and digits) and store it with `mdlibs login`, or fix MDLIBS_TOKEN / --token');
  }
  const origin = new URL(req.url).origin;
  let url = req.url;
  for (let hop = 0; ; hop++) {
    const here = new URL(url);
    const headers: Record<string, string> = { 'user-agent': 'mdlibs-cli', 'accept-encoding': 'br, gzip', ...(req.headers ?? {}) };
    if (req.token && here.origin === origin) headers.authorization = `Bearer ${req.token}`;
    let res: RawResponse;
    try {
      res = await send(here, req.method ?? 'GET', headers, req.body, { signal });
    } catch (e) {
      if (e instanceof Error && e.name === 'MdlibsError') throw e;
      throw networkError(signal.aborted ? signal.reason : e, url, req.timeoutMs);
    }
    if (res.status >= 300 && res.status < 400 && res.status !== 304) {
      res.body.resume();
      const loc = header(res.headers, 'location');
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
      const body = await readCapped(res.body, req.maxBytes, url, res.status !== 204 && res.status !== 304 && (req.method ?? 'GET') !== 'HEAD');
      const raw = res.headers;
      return { status: res.status, url, headers: { get: (name) => header(raw, name) }, body };
    } catch (e) {
      if (e instanceof Error && e.name === 'MdlibsError') throw e;
      throw networkError(signal.aborted ? signal.reason : e, url, req.timeoutMs);
    }
  }
}

function header(h: IncomingHttpHeaders, name: string): string | null {
  const v = h[name.toLowerCase()];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}
