/** Reads a JSON request body with a size limit (413) and a content-type check (415). */
import type { IncomingMessage } from 'node:http';
import { httpError } from '../errors.js';

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw httpError('MDL_PAYLOAD_TOO_LARGE', `the body is over ${limit} bytes`, { limit });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    if (size > limit) throw httpError('MDL_PAYLOAD_TOO_LARGE', `the body is over ${limit} bytes`, { limit });
    chunks.push(c);
  }
  if (size === 0) return {};
  if (type !== 'application/json') throw httpError('MDL_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw httpError('MDL_BAD_REQUEST', 'the body is not valid JSON');
  }
}

/** Drains and discards a body we do not read (so keep-alive connections stay usable). */
export function discardBody(req: IncomingMessage): void {
  req.resume();
}
