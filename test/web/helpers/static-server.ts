/**
 * A plain static file server (node:http) standing in for GitHub Pages or nginx: files only, no API,
 * `404.html` for missing paths. The tree root is resolved per request (the builder swaps a symlink).
 */
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, sep } from 'node:path';
import { listenLoopback } from '../../helpers/loopback.js';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.tgz': 'application/gzip', '.svg': 'image/svg+xml', '.png': 'image/png',
};

export interface StaticServer {
  url: string;
  /** Paths requested, in order (to assert what the browser fetched). */
  requests: string[];
  close(): Promise<void>;
}

export async function serveStatic(rootLink: string, opts: { basePath?: string; hold?: (path: string) => Promise<void> | undefined } = {}): Promise<StaticServer> {
  const base = opts.basePath ?? '/';
  const requests: string[] = [];
  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(url.pathname);
    await opts.hold?.(url.pathname); // a slow response, for ordering tests
    const root = realpathSync(rootLink);
    const send404 = () => {
      res.writeHead(404, { 'content-type': TYPES['.html'] as string });
      try {
        createReadStream(join(root, '404.html')).pipe(res);
      } catch {
        res.end('not found');
      }
    };
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      send404();
      return;
    }
    if (!path.startsWith(base)) return send404();
    let file = join(root, path.slice(base.length));
    if (!file.startsWith(root + sep) && file !== root) return send404();
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const st = statSync(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-cache' });
      createReadStream(file).pipe(res);
    } catch {
      send404();
    }
  });
  const { port, close } = await listenLoopback(server);
  return {
    url: `http://127.0.0.1:${port}${base}`,
    requests,
    close,
  };
}
