/** Writing responses: JSON bodies, errors in the `{"error":{code,message,details}}` shape, files. */
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { errorBody, type ServerError } from '../errors.js';
import type { FilePlan } from '../static/plan-file.js';

export interface JsonResult { status: number; body?: unknown; headers?: Record<string, string | number> }

export function sendJson(res: ServerResponse, head: boolean, r: JsonResult): void {
  if (r.status === 204 || r.body === undefined) {
    res.writeHead(r.status, r.headers ?? {});
    res.end();
    return;
  }
  const text = JSON.stringify(r.body);
  res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...r.headers });
  res.end(head ? undefined : text);
}

export function sendError(res: ServerResponse, head: boolean, e: ServerError, headers: Record<string, string | number> = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = errorBody(e);
  res.writeHead(e.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(head ? undefined : text);
}

export function sendFile(res: ServerResponse, head: boolean, plan: FilePlan, extra: Record<string, string | number> = {}): void {
  res.writeHead(plan.status, { ...plan.headers, ...extra });
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
