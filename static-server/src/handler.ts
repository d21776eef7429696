/**
 * The request pipeline: request id, CORS, authentication, then /health, /metrics, /api/v1 or
 * a static file from the public or private tree. Access to a private file is decided from its
 * `@scope` path segment before any lookup, so an unauthorised caller gets exactly the 404 of a
 * missing file. Tarball downloads and API calls pass the group commit (rate limit + count)
 * before a byte is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { accessFor, type Access } from './auth/access.js';
import { authenticate, bearer, type Caller } from './auth/authenticate.js';
import { hashToken, sameHash } from './auth/tokens.js';
import { matchRoute } from './api/router.js';
import type { ApiRequest, DownloadResult } from './api/types.js';
import { View } from './api/view.js';
import type { Context } from './context.js';
import { httpError, notFound, ServerError } from './errors.js';
import { clientKey, forwardedAddress } from './http/client-key.js';
import { discardBody } from './http/read-body.js';
import { sendError, sendFile, sendJson } from './http/respond.js';
import { scrub } from './logger.js';
import { HTML_CSP, isTarball, tarballTarget } from './static/content-type.js';
import { planFile } from './static/plan-file.js';
import { withApiBase } from './static/config-json.js';
import { safePath } from './static/safe-path.js';
import type { Ticket, Verdict } from './group-commit.js';
import type { Freshness } from './store/store.js';
import { health } from './health.js';

let seq = 0;
const PID = process.pid.toString(36);
const REQ_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;

interface Exchange { req: IncomingMessage; res: ServerResponse; head: boolean; id: string; route: string; ip: string; headers: Record<string, string | number> }

export function createHandler(ctx: Context): (req: IncomingMessage, res: ServerResponse) => void {
  const origins = ctx.config.corsOrigins.split(',').map((s) => s.trim()).filter((s) => s && s !== 'none');
  const metricsHash = ctx.config.metricsToken === undefined ? null : hashToken(ctx.config.metricsToken);
  return (req, res) => {
    const started = process.hrtime.bigint();
    const incoming = req.headers['x-request-id'];
    // an id that holds a token (a client that put it in the wrong header) is not logged: a new one is made
    const id = typeof incoming === 'string' && REQ_ID_RE.test(incoming) && scrub(incoming) === incoming ? incoming : `${PID}-${(++seq).toString(36)}`;
    const ip = clientIp(req, ctx.config.trustProxy);
    const x: Exchange = { req, res, head: req.method === 'HEAD', id, route: 'static', ip, headers: {} };
    res.setHeader('x-request-id', id);
    cors(req, res, origins);
    res.on('finish', () => {
      const secs = Number(process.hrtime.bigint() - started) / 1e9;
      ctx.metrics.requests.inc({ route: x.route, method: req.method ?? '', status: res.statusCode });
      ctx.metrics.latency.observe({ route: x.route }, secs);
      if (ctx.log.isLevelEnabled('info')) ctx.log.info({ reqId: id, method: req.method, url: scrub(req.url ?? ''), route: x.route, status: res.statusCode, ms: Math.round(secs * 1e4) / 10, ip }, 'request');
    });
    handle(ctx, x, metricsHash).catch((e: unknown) => fail(ctx, x, e));
  };
}

/**
 * The client's address. Behind the proxy `trustProxy` vouches for, that is the last
 * `X-Forwarded-For` entry: the one the proxy added. The entries before it come from the
 * client, which could put any address there and so escape its rate limit with each request.
 * A port the proxy wrote after the address is dropped (forwardedAddress).
 */
function clientIp(req: IncomingMessage, trustProxy: boolean): string {
  const fwd = req.headers['x-forwarded-for'];
  if (trustProxy && typeof fwd === 'string') return forwardedAddress(fwd.split(',').at(-1) ?? '') || (req.socket.remoteAddress ?? 'unknown');
  return req.socket.remoteAddress ?? 'unknown';
}

function cors(req: IncomingMessage, res: ServerResponse, origins: string[]): void {
  if (!origins.length) return;
  const origin = req.headers.origin;
  if (origins.includes('*')) res.setHeader('access-control-allow-origin', '*');
  else {
    // the answer depends on Origin whether or not this one is allowed (an answer without the
    // header, cached, would otherwise be given to an allowed origin too)
    res.setHeader('vary', 'Origin');
    if (!origin || !origins.includes(origin)) return;
    res.setHeader('access-control-allow-origin', origin);
  }
  res.setHeader('access-control-expose-headers', 'ETag, Content-Range, X-Request-Id, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, Retry-After');
}

function fail(ctx: Context, x: Exchange, e: unknown): void {
  let err: ServerError;
  if (e instanceof ServerError) {
    err = e;
    // no build served yet is a state, said once at start (start-server.ts) and by /health: each
    // request's own log line has its 503; an error with a stack for every request was noise
    const expected = err.code === 'MDL_UNAVAILABLE' && e.cause === undefined;
    if (err.status >= 500 && !expected) ctx.log.error({ reqId: x.id, err: e.cause ?? e }, err.message);
  } else {
    ctx.log.error({ reqId: x.id, err: e }, 'request failed');
    err = httpError('MDL_INTERNAL', `internal error (request id ${x.id})`);
  }
  if (err.code === 'MDL_METHOD_NOT_ALLOWED' && typeof err.details?.allow === 'string') x.headers.allow = err.details.allow;
  if (err.code.startsWith('MDL_TOKEN_') || err.code === 'MDL_UNAUTHORIZED') x.headers['www-authenticate'] = 'Bearer realm="mdlibs"';
  if (err.code === 'MDL_PAYLOAD_TOO_LARGE') x.headers.connection = 'close'; // do not read the rest of a huge body
  else discardBody(x.req);
  if (err.code === 'MDL_NOT_FOUND' && x.route === 'static' && (x.req.headers.accept ?? '').includes('text/html')) {
    const page = notFoundPage(ctx);
    if (page) return void sendJsonless(x, page);
  }
  sendError(x.res, x.head, err, x.headers);
}

function notFoundPage(ctx: Context): Buffer | null {
  const pub = ctx.publicTree.current();
  return pub ? (ctx.files.get(join(pub.root, '404.html'))?.body ?? null) : null;
}

function sendJsonless(x: Exchange, page: Buffer): void {
  x.res.writeHead(404, { ...x.headers, 'content-type': 'text/html; charset=utf-8', 'content-length': page.length, 'cache-control': 'no-store', 'content-security-policy': HTML_CSP, 'x-content-type-options': 'nosniff' });
  x.res.end(x.head ? undefined : page);
}

async function handle(ctx: Context, x: Exchange, metricsHash: string | null): Promise<void> {
  const { req, res } = x;
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : url.slice(q + 1));
  const method = req.method ?? 'GET';
  if (method === 'OPTIONS') {
    x.route = 'preflight';
    res.writeHead(204, { 'access-control-allow-methods': 'GET, HEAD, POST, DELETE, OPTIONS', 'access-control-allow-headers': 'Authorization, Content-Type, If-None-Match, If-Modified-Since, Range, X-Request-Id', 'access-control-max-age': '600' });
    return void res.end();
  }
  if (path === '/health') {
    x.route = '/health';
    if (method !== 'GET' && method !== 'HEAD') throw httpError('MDL_METHOD_NOT_ALLOWED', `${method} is not allowed on /health`, { allow: 'GET, HEAD' });
    const h = await health(ctx);
    return sendJson(res, x.head, { status: h.status === 'ok' ? 200 : 503, body: h });
  }
  if (path === '/metrics') {
    x.route = '/metrics';
    if (method !== 'GET' && method !== 'HEAD') throw httpError('MDL_METHOD_NOT_ALLOWED', `${method} is not allowed on /metrics`, { allow: 'GET, HEAD' });
    if (metricsHash !== null && !sameHash(hashToken(bearer(req.headers.authorization) ?? ''), metricsHash)) {
      throw httpError('MDL_UNAUTHORIZED', '/metrics needs the metrics token: Authorization: Bearer <metricsToken>');
    }
    const text = await ctx.metrics.registry.metrics();
    res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType, 'cache-control': 'no-store' });
    return void res.end(x.head ? undefined : text);
  }
  if (path === '/api/v1' || path.startsWith('/api/v1/')) return api(ctx, x, path, query, method);
  return staticFile(ctx, x, path, method);
}

/**
 * `turn` (a cheaper token lookup, see Store.tokenByHash) only where the request passes the
 * group commit through `commit()` below, which re-checks the token.
 */
async function identify(ctx: Context, x: Exchange, freshness: Freshness): Promise<Caller> {
  try {
    const caller = await authenticate(ctx.store, x.req.headers.authorization, new Date(), freshness);
    if (caller.kind === 'token') ctx.touch(caller.token.id);
    return caller;
  } catch (e) {
    if (e instanceof ServerError) deniedToken(ctx, x, e);
    throw e;
  }
}

function deniedToken(ctx: Context, x: Exchange, e: ServerError): void {
  const suppressed = ctx.denials.admit(clientKey(x.ip), e.code, Date.now()); // an IPv6 /64 is one client here too
  if (suppressed === null) return; // this client's same denial was written less than a minute ago
  ctx.audit({ event: 'token.denied', actor: null, target: null, ip: x.ip, details: { reason: e.code, route: x.route, ...(suppressed ? { suppressed } : {}) } });
}

/** The group commit for one request, with its caller's token re-checked there. */
async function commit(ctx: Context, x: Exchange, caller: Caller, t: Omit<Ticket, 'tokenHash'>): Promise<Verdict> {
  try {
    return await ctx.commits.submit({ ...t, tokenHash: caller.kind === 'token' ? caller.token.hash : null });
  } catch (e) {
    if (e instanceof ServerError && e.code.startsWith('MDL_TOKEN_')) deniedToken(ctx, x, e);
    throw e;
  }
}

function rateTicket(ctx: Context, caller: Caller, ip: string): { key: string | null; limit: number } {
  const limit = caller.kind === 'token' ? ctx.config.rateLimitAuthenticated : ctx.config.rateLimitAnonymous;
  if (limit === 0) return { key: null, limit: 0 };
  return { key: caller.kind === 'token' ? `tok:${caller.token.id}` : clientKey(ip), limit };
}

function applyVerdict(x: Exchange, v: Verdict, limited: boolean): void {
  if (!limited) return;
  x.headers['x-ratelimit-limit'] = v.limit;
  x.headers['x-ratelimit-remaining'] = v.remaining;
  x.headers['x-ratelimit-reset'] = v.reset;
  if (!v.allowed) {
    const retry = Math.max(1, v.reset - Math.floor(Date.now() / 1000));
    x.headers['retry-after'] = retry;
    throw httpError('MDL_RATE_LIMITED', `rate limit of ${v.limit} requests per window reached`, { retry_after: retry, limit: v.limit });
  }
}

function trees(ctx: Context, caller: Caller): { view: View; access: Access } {
  const pub = ctx.publicTree.current();
  if (!pub) throw httpError('MDL_UNAVAILABLE', 'no build is being served yet');
  const priv = ctx.privateTree?.current() ?? null;
  const access = accessFor(caller, priv?.teams ?? null);
  return { view: new View(pub, priv, access), access };
}

async function api(ctx: Context, x: Exchange, path: string, query: URLSearchParams, method: string): Promise<void> {
  x.route = '/api/v1';
  const segs = path.slice('/api/v1'.length).split('/').filter((s, i) => i > 0 || s !== '');
  let decoded: string[];
  try {
    decoded = segs.map((s) => decodeURIComponent(s));
  } catch {
    throw notFound();
  }
  if (decoded.some((s) => s === '' || s.includes('/') || s === '.' || s === '..')) throw notFound();
  const route = matchRoute(decoded, method);
  x.route = `/api/v1${route.name}`;
  const caller = await identify(ctx, x, 'turn');
  if (caller.kind === 'anonymous' && !ctx.config.anonymousRead && route.name !== '/users/me') throw httpError('MDL_UNAUTHORIZED', 'this registry needs a token: Authorization: Bearer mdl_…');
  const rt = rateTicket(ctx, caller, x.ip);
  applyVerdict(x, await commit(ctx, x, caller, { ...rt, download: null }), rt.key !== null);
  const { view, access } = trees(ctx, caller);
  const r: ApiRequest = { method, segs: decoded, query, caller, access, view, ctx, req: x.req, ip: x.ip };
  const result = await route.handler(r, ...route.params);
  if ('download' in result) return download(ctx, x, result);
  if (method !== 'POST') discardBody(x.req);
  sendJson(x.res, x.head, { ...result, headers: { ...x.headers, ...result.headers } });
}

async function download(ctx: Context, x: Exchange, d: DownloadResult): Promise<void> {
  const file = ctx.files.get(join(d.download.root, d.download.rel));
  if (!file) throw notFound();
  const plan = planFile(x.req.headers, file, d.download.rel, d.download.private, ctx.files, false);
  if (!x.head && plan.complete && plan.status !== 304) {
    await ctx.commits.submit({ key: null, limit: 0, download: { library: d.download.library, version: d.download.version } });
    ctx.metrics.downloads.inc({ visibility: d.download.private ? 'private' : 'public' });
  }
  const name = d.download.rel.split('/').pop() as string;
  sendFile(x.res, x.head, plan, { ...x.headers, 'content-disposition': `attachment; filename="${name}"` });
}

async function staticFile(ctx: Context, x: Exchange, path: string, method: string): Promise<void> {
  if (method !== 'GET' && method !== 'HEAD') throw httpError('MDL_METHOD_NOT_ALLOWED', `${method} is not allowed on static files`, { allow: 'GET, HEAD, OPTIONS' });
  discardBody(x.req);
  const sp = safePath(path);
  // a folder path is served its index.html, never a tarball
  const target = sp && !sp.dir ? tarballTarget(sp.rel) : null;
  // a tarball request always passes the group commit (below), which re-checks the token
  const caller = await identify(ctx, x, target ? 'turn' : 'now');
  if (caller.kind === 'anonymous' && !ctx.config.anonymousRead) throw httpError('MDL_UNAUTHORIZED', 'this registry needs a token: Authorization: Bearer mdl_…');
  if (!sp) throw notFound();
  const { view, access } = trees(ctx, caller);
  let tree = view.pub;
  if (sp.scope !== null && access.allPrivate.has(sp.scope)) {
    if (!access.mayReadScope(sp.scope) || !view.priv) throw notFound();
    tree = view.priv;
  }
  const isPrivate = tree !== view.pub;
  let rel = sp.rel;
  const file = sp.dir || rel === '' ? ctx.files.get(join(tree.root, rel, 'index.html')) : ctx.files.get(join(tree.root, rel));
  if (sp.dir || rel === '') rel = rel === '' ? 'index.html' : `${rel}/index.html`;
  else if (!file && ctx.files.get(join(tree.root, rel, 'index.html'))) {
    x.res.writeHead(308, { ...x.headers, location: `${path}/`, 'content-length': 0 });
    return void x.res.end();
  }
  if (!file) throw notFound();
  const served = rel === 'config.json' && !isPrivate ? withApiBase(file) : file;
  const compressible = served === file && !isTarball(rel) && !rel.endsWith('.gz') && !rel.endsWith('.br');
  const plan = planFile(x.req.headers, served, rel, isPrivate, ctx.files, compressible);
  if (target) {
    x.route = 'tarball';
    const rt = rateTicket(ctx, caller, x.ip);
    const counts = !x.head && plan.complete && plan.status !== 304;
    const v = await commit(ctx, x, caller, { ...rt, download: counts ? target : null });
    applyVerdict(x, v, rt.key !== null);
    if (counts) ctx.metrics.downloads.inc({ visibility: isPrivate ? 'private' : 'public' });
  }
  sendFile(x.res, x.head, plan, x.headers);
}
