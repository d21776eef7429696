/**
 * Pure HTTP semantics for one file (SRV-1): precompressed variant by Accept-Encoding,
 * conditional GET (If-None-Match, If-Modified-Since), single byte Range (identity encoding
 * only, with If-Range), content type and cache headers. Returns what to send; the caller
 * writes it (after counting a download when `complete`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { cacheControl, contentType } from './content-type.js';
import type { CachedFile, FileCache } from './file-cache.js';

interface KnownPlan { rel: string; isPrivate: boolean; compressible: boolean; plan: FilePlan }

export interface FilePlan {
  status: 200 | 206 | 304 | 416;
  headers: Record<string, string | number>;
  file: CachedFile;
  start: number;
  end: number; // inclusive; -1 for no body
  /** The whole representation is sent (what counts as a download). */
  complete: boolean;
}

function acceptsEncoding(header: string | undefined, enc: string): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().split(';');
    if (name?.trim().toLowerCase() !== enc) continue;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  }
  return false;
}

const etagMatches = (header: string, etag: string): boolean =>
  header.trim() === '*' || header.split(',').some((t) => t.trim().replace(/^W\//, '') === etag);

/**
 * The plain 200 plans (no conditional or Range header: nearly every download) made before, per
 * file sent (a build's files never change): building the header set took ~4 µs of a counted
 * download in the bench:server profile. Their `headers` are frozen: callers copy, never mutate.
 */
const plain = new WeakMap<CachedFile, KnownPlan[]>();

export function planFile(reqHeaders: IncomingHttpHeaders, identity: CachedFile, rel: string, isPrivate: boolean, cache: FileCache, compressible: boolean): FilePlan {
  const simple = reqHeaders['if-none-match'] === undefined && reqHeaders['if-modified-since'] === undefined && reqHeaders.range === undefined;
  let file = identity;
  let encoding: string | null = null;
  if (compressible) {
    const ae = reqHeaders['accept-encoding'];
    const br = acceptsEncoding(ae, 'br') ? cache.variant(identity, 'br') : null;
    const gz = !br && acceptsEncoding(ae, 'gzip') ? cache.variant(identity, 'gz') : null;
    if (br) [file, encoding] = [br, 'br'];
    else if (gz) [file, encoding] = [gz, 'gzip'];
  }
  const known = simple ? plain.get(file)?.find((p) => p.rel === rel && p.isPrivate === isPrivate && p.compressible === compressible) : undefined;
  if (known) return known.plan;
  const headers: Record<string, string | number> = {
    'content-type': contentType(rel), etag: file.etag, 'last-modified': file.lastModified, 'cache-control': cacheControl(rel, isPrivate),
    'x-content-type-options': 'nosniff',
  };
  if (compressible) headers.vary = isPrivate ? 'Accept-Encoding, Authorization' : 'Accept-Encoding';
  else if (isPrivate) headers.vary = 'Authorization';
  if (encoding) headers['content-encoding'] = encoding;
  else headers['accept-ranges'] = 'bytes';
  if (rel.endsWith('.svg')) headers['content-security-policy'] = "default-src 'none'; style-src 'unsafe-inline'; sandbox";
  const base = { file, headers };
  const inm = reqHeaders['if-none-match'];
  const ims = reqHeaders['if-modified-since'];
  if (inm !== undefined ? etagMatches(inm, file.etag) : ims !== undefined && Date.parse(ims) >= Date.parse(file.lastModified)) {
    return { ...base, status: 304, start: 0, end: -1, complete: false };
  }
  const range = reqHeaders.range;
  const ifRange = reqHeaders['if-range'];
  if (range !== undefined && !encoding && (ifRange === undefined || ifRange === file.etag || ifRange === file.lastModified)) {
    const r = parseRange(range, file.size);
    if (r === 'unsatisfiable') {
      return { ...base, headers: { ...headers, 'content-range': `bytes */${file.size}` }, status: 416, start: 0, end: -1, complete: false };
    }
    if (r) {
      const complete = r.start === 0 && r.end === file.size - 1;
      return { ...base, headers: { ...headers, 'content-range': `bytes ${r.start}-${r.end}/${file.size}`, 'content-length': r.end - r.start + 1 }, status: 206, start: r.start, end: r.end, complete };
    }
  }
  const plan: FilePlan = { ...base, headers: { ...headers, 'content-length': file.size }, status: 200, start: 0, end: file.size - 1, complete: true };
  if (simple) {
    Object.freeze(plan.headers);
    const list = plain.get(file) ?? [];
    if (list.length < 8) list.push({ rel, isPrivate, compressible, plan: Object.freeze(plan) });
    plain.set(file, list);
  }
  return plan;
}

/** One `bytes=` range; null to ignore the header (multi-range or malformed: send the whole file). */
export function parseRange(h: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (start > end || start >= size) return 'unsatisfiable';
  }
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end)) return 'unsatisfiable';
  return { start, end };
}
