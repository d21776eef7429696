/**
 * The server's error codes (SRV-2): one table, each with its HTTP status. Every code is
 * documented in docs/server.md (test/server/docs.test.ts checks it). The JSON shape on the
 * wire is `{"error":{"code","message","details"}}`.
 */
import { MdlibsError } from '../../index-builder/src/errors.js';

export const SERVER_ERRORS = {
  MDL_BAD_REQUEST: { status: 400, text: 'The request is malformed (query parameter, body or path)' },
  MDL_UNAUTHORIZED: { status: 401, text: 'The route needs a token and none was sent' },
  MDL_TOKEN_INVALID: { status: 401, text: 'The token is malformed or unknown' },
  MDL_TOKEN_EXPIRED: { status: 401, text: 'The token has expired' },
  MDL_TOKEN_REVOKED: { status: 401, text: 'The token was revoked' },
  MDL_FORBIDDEN: { status: 403, text: 'The token may not do this (admin action, or a scope it does not hold)' },
  MDL_NOT_FOUND: { status: 404, text: 'No such route, library, version, file, team or token (or you may not see it)' },
  MDL_METHOD_NOT_ALLOWED: { status: 405, text: 'The route exists but not with this method' },
  MDL_REQUEST_TIMEOUT: { status: 408, text: 'The request (headers or body) did not arrive within the server\'s timeout' },
  MDL_PAYLOAD_TOO_LARGE: { status: 413, text: 'The request body is over the limit' },
  MDL_UNSUPPORTED_MEDIA_TYPE: { status: 415, text: 'The request body is not uncompressed application/json' },
  MDL_RANGE_NOT_SATISFIABLE: { status: 416, text: 'The Range header asks for bytes outside the file' },
  MDL_HEADERS_TOO_LARGE: { status: 431, text: 'The request headers are over the limit' },
  MDL_RATE_LIMITED: { status: 429, text: 'Too many requests in this window; retry after `retry_after` seconds' },
  MDL_INTERNAL: { status: 500, text: 'An unexpected server error (logged with the request id)' },
  MDL_UNAVAILABLE: { status: 503, text: 'The store or the tree is not available' },
} as const;

export type ServerErrorCode = keyof typeof SERVER_ERRORS;

export class ServerError extends MdlibsError<ServerErrorCode> {
  get status(): number {
    return SERVER_ERRORS[this.code].status;
  }
}

export const httpError = (code: ServerErrorCode, message: string, details?: Record<string, unknown>): ServerError =>
  new ServerError(code, message, details ? { details } : {});

export const notFound = (): ServerError => httpError('MDL_NOT_FOUND', 'not found');

/** The wire body: only safe fields (never the cause or the stack). */
export function errorBody(e: ServerError): string {
  return JSON.stringify({ error: { code: e.code, message: e.message, details: e.details ?? {} } });
}
