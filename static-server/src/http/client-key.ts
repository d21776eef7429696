/**
 * Whom an anonymous rate limit counts (SRV-5): an IPv4 address, or an IPv6 /64 network. One
 * IPv6 host is handed a whole /64 by its provider and may use any address in it: counted per
 * address, it could change address with each request and never reach the limit (and each new
 * address is one more row in the store's rate-limit table for the window). Pure.
 */
import { isIPv4, isIPv6 } from 'node:net';

/** The 8 groups of an IPv6 address, or null (a trailing dotted IPv4 part counts as two groups). */
function groups(ip: string): number[] | null {
  const zone = ip.indexOf('%');
  let s = zone < 0 ? ip : ip.slice(0, zone);
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  if (v4) {
    const b = v4.slice(1).map(Number) as [number, number, number, number];
    s = `${s.slice(0, v4.index)}${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head = '', tail, extra] = s.split('::');
  if (extra !== undefined) return null;
  const h = head ? head.split(':') : [];
  const t = tail === undefined ? [] : tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - h.length - t.length;
  if (fill < 0 || (tail === undefined && h.length !== 8)) return null;
  const all = [...h, ...Array<string>(fill).fill('0'), ...t].map((g) => Number.parseInt(g, 16));
  return all.length === 8 && all.every((g) => g >= 0 && g <= 0xffff) ? all : null;
}

/**
 * The address in one X-Forwarded-For entry. Some proxies write the client's port too
 * (`203.0.113.7:40001`, `[2001:db8::1]:40001`; Azure's do): kept, each new connection of one
 * client was a new rate-limit key, a new budget. Anything else is returned trimmed, as given.
 */
export function forwardedAddress(entry: string): string {
  const s = entry.trim();
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(s);
  if (v4 && isIPv4(v4[1] as string)) return v4[1] as string;
  const v6 = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(s);
  if (v6 && isIPv6(v6[1] as string)) return v6[1] as string;
  return s;
}

/** `ip:<v4>` for IPv4 (and IPv4-mapped IPv6), `ip6:<first 4 groups>::/64` for IPv6, else `ip:<as given>`. */
export function clientKey(ip: string): string {
  if (isIPv4(ip)) return `ip:${ip}`;
  if (!isIPv6(ip)) return `ip:${ip}`;
  const g = groups(ip);
  if (!g) return `ip:${ip}`;
  const [, , , , , g5, g6 = 0, g7 = 0] = g;
  if (g.slice(0, 5).every((x) => x === 0) && g5 === 0xffff) return `ip:${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`;
  return `ip6:${g.slice(0, 4).map((x) => x.toString(16)).join(':')}::/64`;
}
