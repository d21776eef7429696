/**
 * `npm start` (OPS-1): build the bundled registry-data/ into .mdlibs-out/{public,private}, then
 * serve both with mdlibs-server on localhost (PORT or --port, default 4873) with the embedded
 * SQLite store under .mdlibs-data/, and print the URL. No other service is needed.
 */
import { join } from 'node:path';
import { buildRegistry, loadSiteEmitter } from '../index-builder/src/index.js';
import { formatProblem, isMdlibsError } from '../index-builder/src/errors.js';
import { startServer } from '../static-server/src/index.js';

const root = process.cwd();
const out = join(root, '.mdlibs-out', 'public');
const priv = join(root, '.mdlibs-out', 'private');

function portArg(): number {
  const i = process.argv.indexOf('--port');
  const raw = i >= 0 ? process.argv[i + 1] : process.env.PORT;
  const port = raw === undefined || raw === '' ? 4873 : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`error: port "${raw}" is not a port number (0-65535)\n`);
    process.exit(2);
  }
  return port;
}

const port = portArg();
try {
  const report = await buildRegistry({ registryDir: join(root, 'registry-data'), outDir: out, privateOutDir: priv, progress: true, site: await loadSiteEmitter() });
  process.stdout.write(`built ${report.libraries} libraries, ${report.versions} versions in ${report.durationMs} ms\npublic tree: ${out}\nprivate tree: ${priv}\n`);
} catch (e) {
  if (!isMdlibsError(e)) throw e;
  for (const p of e.problems) process.stderr.write(`${formatProblem(p)}\n`);
  process.stderr.write(`error ${e.code}: ${e.message}\n`);
  process.exit(1);
}

try {
  const server = await startServer({ publicDir: out, privateDir: priv, dataDir: join(root, '.mdlibs-data'), host: process.env.HOST ?? '127.0.0.1', port, logLevel: (process.env.LOG_LEVEL as 'info' | undefined) ?? 'warn' });
  process.stdout.write(
    `\nmdlibs is running at ${server.url}\n` +
    `  web UI:   ${server.url}\n  API:      ${server.url}api/v1/libraries\n  health:   ${server.url}health\n` +
    `  private scopes need a token: node dist/static-server/src/bin.js token create --data-dir .mdlibs-data --owner <user> --scope @<scope>\n` +
    `press Ctrl+C to stop\n`,
  );
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (e) {
  if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    process.stderr.write(`error: port ${port} is already in use; start with PORT=<port> npm start (or npm start -- --port <port>)\n`);
    process.exit(1);
  }
  throw e;
}
