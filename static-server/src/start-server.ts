/** startServer(options): wires config, store, trees, caches and metrics into a node:http server. */
import { createServer, STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import { parseConfig, type ServerConfig, type ServerConfigInput } from './config.js';
import { DenialThrottle } from './audit-throttle.js';
import { DownloadTotals, type Context } from './context.js';
import { errorBody, httpError, type ServerError } from './errors.js';
import { GroupCommit, rateWindowsEndedBefore } from './group-commit.js';
import { createHandler } from './handler.js';
import { createLogger } from './logger.js';
import { createMetrics } from './metrics.js';
import { FileCache } from './static/file-cache.js';
import { openStore } from './store/open-store.js';
import type { Store } from './store/store.js';
import { TreeWatcher } from './tree/tree-watcher.js';

export interface StartOptions extends ServerConfigInput {
  /** Use this store instead of opening one from dataDir/databaseUrl (the caller closes it). */
  store?: Store;
  logger?: Logger;
}

export interface RunningServer {
  url: string;
  port: number;
  config: ServerConfig;
  store: Store;
  server: Server;
  close(): Promise<void>;
}

/** How often expired and revoked tokens past `tokenRetentionDays` are deleted (and once at start). */
const TOKEN_PRUNE_INTERVAL_MS = 3600e3;

/** The error answered to a request node's parser refused or timed out before the handler could. */
function clientErrorFor(err: NodeJS.ErrnoException, config: ServerConfig): ServerError {
  if (err.code === 'HPE_HEADER_OVERFLOW') return httpError('MDL_HEADERS_TOO_LARGE', `the request headers are over ${config.maxHeaderBytes} bytes`);
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return httpError('MDL_REQUEST_TIMEOUT', `the request did not arrive in time: the server waits ${config.headersTimeoutMs} ms for the headers and ${config.requestTimeoutMs} ms for the whole request (headers and body); send the request at once, or check the connection or proxy in between`, { headers_timeout_ms: config.headersTimeoutMs, request_timeout_ms: config.requestTimeoutMs });
  }
  return httpError('MDL_BAD_REQUEST', 'malformed HTTP request');
}

export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { store: given, logger, ...rest } = options;
  const config = parseConfig(rest);
  const log = logger ?? createLogger(config.logLevel);
  const store = given ?? (await openStore(config));
  const files = new FileCache(config.fileCacheMB * 1024 * 1024);
  const replaced = (root: string) => files.dropUnder(root); // a plain folder updated in place
  const publicTree = new TreeWatcher(config.publicDir, 'public', (e) => log.error({ err: e }, 'cannot load the public tree'), replaced);
  const privateTree = config.privateDir ? new TreeWatcher(config.privateDir, 'private', (e) => log.error({ err: e }, 'cannot load the private tree'), replaced) : null;
  const commits = new GroupCommit(store, config.rateLimitWindowSeconds);
  const totals = new DownloadTotals(store);
  commits.onCommitted = (rows) => totals.add(rows);
  const touches = new Map<string, string>();
  const lastTouch = new Map<string, number>();
  const metrics = createMetrics(() => {
    const p = publicTree.current();
    const q = privateTree?.current() ?? null;
    return { libraries: { public: p?.buildInfo.libraries ?? 0, private: q?.buildInfo.libraries ?? 0 }, builtAt: { public: p?.buildInfo.builtAt ?? null, private: q?.buildInfo.builtAt ?? null } };
  });
  const ctx: Context = {
    config, store, publicTree, privateTree, files, commits,
    totals, log, metrics, denials: new DenialThrottle(),
    audit(e) {
      const event = { at: new Date().toISOString(), ...e };
      log.info({ audit: event }, `audit ${e.event}`);
      store.audit(event).catch((err: unknown) => log.error({ err }, 'cannot write the audit log'));
    },
    touch(id) {
      // last use, at minute resolution, written in the background (not on the request path)
      const now = Date.now();
      if (now - (lastTouch.get(id) ?? 0) < 60_000) return;
      lastTouch.set(id, now);
      touches.set(id, new Date(now).toISOString());
    },
  };
  const flushTouches = async () => {
    if (!touches.size) return;
    const batch = new Map(touches);
    touches.clear();
    await store.touchTokens(batch).catch((err: unknown) => log.warn({ err }, 'cannot record token last use'));
  };
  const timer = setInterval(() => {
    void flushTouches();
    void store.pruneRateLimits(rateWindowsEndedBefore(Date.now())).catch(() => undefined);
  }, 5000);
  timer.unref();
  // Expired and revoked token rows are deleted once they are older than the retention, at start
  // and then every hour: one DELETE, cheap and idempotent (replicas sharing PostgreSQL may all
  // run it). A timer rather than each token creation: a registry whose tokens are all made by
  // `mdlibs-server token create`, or that stops minting, still has its rows pruned.
  const pruneTokens = async () => {
    const before = new Date(Date.now() - config.tokenRetentionDays * 86400e3).toISOString();
    try {
      const n = await store.pruneTokens(before);
      if (n) log.info({ pruned: n, before }, `deleted ${n} tokens expired or revoked before ${before}`);
    } catch (err) {
      log.warn({ err }, 'cannot delete expired and revoked tokens');
    }
  };
  await pruneTokens();
  const pruneTimer = setInterval(() => void pruneTokens(), TOKEN_PRUNE_INTERVAL_MS);
  pruneTimer.unref();

  // a server may start before the first build exists (the compose file's one-shot builder runs
  // beside it); it answers 503 until then, and says so once here rather than not at all
  if (!publicTree.current()) log.warn({ publicDir: config.publicDir }, `no build at ${config.publicDir} yet: /health and every request answer 503 until mdlibs-build writes one there`);
  if (privateTree && !privateTree.current()) log.warn({ privateDir: config.privateDir }, `no build at ${config.privateDir ?? ''} yet: private libraries answer 404 until mdlibs-build writes one there (--private-out)`);
  const server = createServer({
    maxHeaderSize: config.maxHeaderBytes, keepAliveTimeout: 65_000, headersTimeout: config.headersTimeoutMs, requestTimeout: config.requestTimeoutMs,
    // node checks the two timeouts every this many ms (30 s by default): a short timeout needs a shorter round
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 4))),
  }, createHandler(ctx));
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    // a response already (partly) written cannot be followed by an error response (node's own rule)
    if (!socket.writable || (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage?.headersSent) return socket.destroy();
    const e = clientErrorFor(err, config);
    const body = errorBody(e);
    socket.end(`HTTP/1.1 ${e.status} ${STATUS_CODES[e.status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = config.publicUrl ?? `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}/`;
  log.info({ url, store: store.kind, publicDir: config.publicDir, privateDir: config.privateDir ?? null }, 'mdlibs-server listening');
  let closed: Promise<void> | null = null;
  return {
    url, port, config, store, server,
    close() {
      closed ??= (async () => {
        clearInterval(timer);
        clearInterval(pruneTimer);
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await flushTouches();
        if (!given) await store.close();
        log.flush?.();
      })();
      return closed;
    },
  };
}
