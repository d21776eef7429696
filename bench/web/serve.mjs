// A static file server for the web bench, like a CDN in front of the tree: serves the
// precompressed .br/.gz copy when the browser accepts it, and long cache lifetimes (so a
// reload hits the browser cache: the "warm" case). Loopback only.
import { createReadStream, existsSync, realpathSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, sep } from 'node:path';

const TYPES = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.json': 'application/json', '.svg': 'image/svg+xml' };

export function serveTree(rootLink) {
  const log = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const root = realpathSync(rootLink);
    let file = join(root, decodeURIComponent(url.pathname));
    if (!file.startsWith(root + sep) && file !== root) { res.writeHead(404).end(); return; }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
    } catch { res.writeHead(404).end(); return; }
    if (!existsSync(file)) { res.writeHead(404).end(); return; }
    const accept = String(req.headers['accept-encoding'] ?? '');
    let send = file;
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'public, max-age=3600', vary: 'accept-encoding' };
    if (accept.includes('br') && existsSync(`${file}.br`)) { send = `${file}.br`; headers['content-encoding'] = 'br'; }
    else if (accept.includes('gzip') && existsSync(`${file}.gz`)) { send = `${file}.gz`; headers['content-encoding'] = 'gzip'; }
    const size = statSync(send).size;
    headers['content-length'] = size;
    log.push({ path: url.pathname, bytes: size, encoding: headers['content-encoding'] ?? 'identity' });
    res.writeHead(200, headers);
    createReadStream(send).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ url: `http://127.0.0.1:${server.address().port}/`, log, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) });
  }));
}
