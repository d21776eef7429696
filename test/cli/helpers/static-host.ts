/**
 * A plain static file server (like nginx or GitHub Pages) serving a built tree on
 * 127.0.0.1:0, with ETags, a request log and per-path overrides for hostile behaviour.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { join, normalize, resolve, sep } from 'node:path';
import { listenLoopback } from '../../helpers/loopback.js';

export interface LoggedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  ifNoneMatch: string | undefined;
}

export type Override = (req: IncomingMessage, res: ServerResponse) => unknown;

export interface StaticHost {
  url: string;
  port: number;
  log: LoggedRequest[];
  /** Replace the answer for an exact path (e.g. `/index/@acme/guide.json`). */
  override: (path: string, h: Override | null) => void;
  /** Replace every answer. */
  overrideAll: (h: Override | null) => void;
  close: () => Promise<void>;
}

/** `tls`: serve https with this key and certificate (PEM) instead of http. */
export async function startStaticHost(root: string, tls?: { key: Buffer; cert: Buffer }): Promise<StaticHost> {
  const log: LoggedRequest[] = [];
  const overrides = new Map<string, Override>();
  let all: Override | null = null;
  const handler: RequestListener = (req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    log.push({ method: req.method ?? 'GET', path, authorization: req.headers.authorization, ifNoneMatch: req.headers['if-none-match'] });
    const o = all ?? overrides.get(path);
    if (o) {
      void Promise.resolve(o(req, res)).catch(() => res.destroy());
      return;
    }
    // resolve through the managed symlink on every request
    const base = resolve(root);
    const file = resolve(base, `.${normalize(path)}`);
    if (!file.startsWith(base + sep) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    const body = readFileSync(file);
    const etag = `"${createHash('sha1').update(body).digest('hex')}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    res.writeHead(200, { etag, 'content-length': body.length, 'content-type': file.endsWith('.json') ? 'application/json' : 'application/octet-stream' }).end(body);
  };
  const server: Server = tls ? createTlsServer(tls, handler) : createServer(handler);
  const { port, close } = await listenLoopback(server);
  return {
    url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}/`, port, log,
    override: (p, h) => (h ? overrides.set(p, h) : overrides.delete(p)),
    overrideAll: (h) => {
      all = h;
    },
    close,
  };
}

export const treeFile = (root: string, rel: string): Buffer => readFileSync(join(root, rel));
