/**
 * Pure HTTP semantics for one file (SRV-1): precompressed variant by Accept-Encoding,
 * conditional GET (If-None-Match, If-Modified-Since), single byte Range (identity encoding
 * only, with If-Range), content type and cache headers. Returns what to send; the caller
 * writes it (after counting a download when `complete`).
 */
import type { IncomingHttpHeaders } from 'node:http';
import { cacheControl, contentType, HTML_CSP } from './content-type.js';
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
  else if (rel.endsWith('.html')) headers['content-security-policy'] = HTML_CSP;
  const base = { file, headers };
  const inm = reqHeaders['if-none-match'];
  const ims = reqHeaders['if-modified-since'];
  if (inm !== undefined ? etagMatches(inm, file.etag) : ims !== undefined && notModifiedSince(ims, file.lastModified)) {
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

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const MON = MONTHS.join('|');
const IMF_FIXDATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${MON}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const RFC850_DATE = new RegExp(`^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${MON})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`);
const ASCTIME_DATE = new RegExp(`^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${MON}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`);

/**
 * An HTTP-date (RFC 9110 5.6.7) in milliseconds, or null when `s` is not one: IMF-fixdate
 * (`Sun, 06 Nov 1994 08:49:37 GMT`) or one of the two obsolete forms (RFC 850, asctime).
 * `Date.parse` is not a check: it takes `3000`, `99999` or `12/31/2099` too (and a client
 * sending one got 304 for every file).
 */
export function parseHttpDate(s: string): number | null {
  let day: string;
  let mon: string;
  let year: number;
  let hms: [string, string, string];
  let m = IMF_FIXDATE.exec(s);
  if (m) {
    [day, mon, year, hms] = [m[1] as string, m[2] as string, Number(m[3]), [m[4], m[5], m[6]] as [string, string, string]];
  } else if ((m = RFC850_DATE.exec(s))) {
    // a two-digit year more than 50 years ahead is the most recent past year with those digits
    const now = new Date().getUTCFullYear();
    year = Math.floor(now / 100) * 100 + Number(m[3]);
    if (year > now + 50) year -= 100;
    [day, mon, hms] = [m[1] as string, m[2] as string, [m[4], m[5], m[6]] as [string, string, string]];
  } else if ((m = ASCTIME_DATE.exec(s))) {
    [mon, day, hms, year] = [m[1] as string, (m[2] as string).trim(), [m[3], m[4], m[5]] as [string, string, string], Number(m[6])];
  } else {
    return null;
  }
  const [d, h, mi, sec, month] = [Number(day), Number(hms[0]), Number(hms[1]), Number(hms[2]), MONTHS.indexOf(mon)];
  if (h > 23 || mi > 59 || sec > 60) return null; // 60: a leap second
  const t = Date.UTC(year, month, d, h, mi, Math.min(sec, 59));
  return new Date(t).getUTCDate() === d ? t : null; // 31 Feb and the like roll over: not a date
}

/** If-Modified-Since holds (304) when it is an HTTP-date at or after the file's; anything else is ignored (RFC 9110 13.1.3). */
function notModifiedSince(header: string, lastModified: string): boolean {
  const since = parseHttpDate(header.trim());
  return since !== null && since >= Date.parse(lastModified);
}

/**
 * One `bytes=` range; null to ignore the header (multi-range or malformed: send the whole file).
 * An empty file has no byte to send in a 206: a suffix range (`-n`, satisfiable per RFC 9110
 * 14.1.2) gets the whole, empty file (200), any other range is unsatisfiable (416).
 */
export function parseRange(h: string, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'unsatisfiable';
    if (size === 0) return null;
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
