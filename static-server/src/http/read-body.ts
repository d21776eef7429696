/**
 * Reads a JSON request body with a size limit (413), a content-type check (415, also for a
 * compressed body: Content-Encoding is not accepted) and strict UTF-8 (400: an invalid byte
 * would otherwise become U+FFFD and be stored).
 */
import type { IncomingMessage } from 'node:http';
import { httpError } from '../errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export async function readJsonBody(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding !== 'identity') throw httpError('MDL_UNSUPPORTED_MEDIA_TYPE', `send the body uncompressed (Content-Encoding: ${encoding.slice(0, 40)} is not accepted)`);
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
  let text: string;
  try {
    text = utf8.decode(Buffer.concat(chunks));
  } catch {
    throw httpError('MDL_BAD_REQUEST', 'the body is not valid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw httpError('MDL_BAD_REQUEST', 'the body is not valid JSON');
  }
}

/** Drains and discards a body we do not read (so keep-alive connections stay usable). */
export function discardBody(req: IncomingMessage): void {
  req.resume();
}
