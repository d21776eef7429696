/** Writing responses: JSON bodies, errors in the `{"error":{code,message,details}}` shape, files. */
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { errorBody, type ServerError } from '../errors.js';
import type { FilePlan } from '../static/plan-file.js';

/**
 * writeHead, keeping the `Vary` set before it (CORS sets `Vary: Origin` on the response first):
 * a `vary` in `headers` would replace it, and a shared cache would then give one origin's
 * answer (with its Access-Control-Allow-Origin, or none) to another.
 */
function writeHead(res: ServerResponse, status: number, headers: Record<string, string | number>): void {
  const before = res.getHeader('vary');
  const vary = headers.vary;
  if (before !== undefined && vary !== undefined) {
    const names = `${String(before)}, ${String(vary)}`.split(',').map((v) => v.trim()).filter(Boolean);
    const seen = new Set<string>();
    headers = { ...headers, vary: names.filter((n) => !seen.has(n.toLowerCase()) && seen.add(n.toLowerCase())).join(', ') };
  }
  res.writeHead(status, headers);
}

export interface JsonResult { status: number; body?: unknown; headers?: Record<string, string | number> }

export function sendJson(res: ServerResponse, head: boolean, r: JsonResult): void {
  if (r.status === 204 || r.body === undefined) {
    writeHead(res, r.status, r.headers ?? {});
    res.end();
    return;
  }
  const text = JSON.stringify(r.body);
  writeHead(res, r.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...r.headers });
  res.end(head ? undefined : text);
}

export function sendError(res: ServerResponse, head: boolean, e: ServerError, headers: Record<string, string | number> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = errorBody(e);
  writeHead(res, e.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(head ? undefined : text);
}

export function sendFile(res: ServerResponse, head: boolean, plan: FilePlan, extra: Record<string, string | number> = {}): void {
  writeHead(res, plan.status, { ...plan.headers, ...extra });
  if (head || plan.end < 0) {
    res.end();
    return;
  }
  const { body } = plan.file;
  if (body) {
    res.end(plan.start === 0 && plan.end === body.length - 1 ? body : body.subarray(plan.start, plan.end + 1));
    return;
  }
  const stream = createReadStream(plan.file.path, { start: plan.start, end: plan.end });
  stream.on('error', () => res.destroy());
  res.on('close', () => stream.destroy());
  stream.pipe(res);
}
