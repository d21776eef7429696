/** The shapes API handlers take and return (handlers return data; the server writes it). */
import type { IncomingMessage } from 'node:http';
import type { Access } from '../auth/access.js';
import type { Caller } from '../auth/authenticate.js';
import type { Context } from '../context.js';
import type { JsonResult } from '../http/respond.js';
import type { View } from './view.js';

export interface ApiRequest {
  method: string;
  /** Path segments after /api/v1, percent-decoded. */
  segs: string[];
  query: URLSearchParams;
  caller: Caller;
  access: Access;
  view: View;
  ctx: Context;
  req: IncomingMessage;
  ip: string;
}

/** A tarball to send (and count) instead of JSON. */
export interface DownloadResult { download: { library: string; version: string; root: string; rel: string; private: boolean } }

export type ApiResult = JsonResult | DownloadResult;

export const ok = (body: unknown, status = 200): JsonResult => ({ status, body });
