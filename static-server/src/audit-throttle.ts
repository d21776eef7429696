/**
 * How often one client's refused tokens reach the audit log (SRV-6). Every request with a bad
 * token was one audit row and one log line: 5 s of them at 8,800 req/s from one client wrote
 * 43,874 rows (9 MB of SQLite), so anyone could fill the server's disk. Now the first denial of
 * a (client, reason) pair is written, then at most one a window, carrying how many were not
 * written since (`details.suppressed`); a client is what the rate limit counts as one
 * (clientKey: an IPv6 /64 is one). Pure: the caller gives the time.
 */
export const AUDIT_DENIAL_WINDOW_MS = 60_000;
/** Pairs remembered at once; the oldest is forgotten first (a flood of addresses costs memory, not rows). */
export const AUDIT_DENIAL_KEYS = 10_000;

export class DenialThrottle {
  private readonly seen = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly windowMs = AUDIT_DENIAL_WINDOW_MS, private readonly maxKeys = AUDIT_DENIAL_KEYS) {}

  /** null: do not write this denial; a number: write it, with this many denials left out before it. */
  admit(client: string, reason: string, now: number): number | null {
    const key = `${client}\u0000${reason}`;
    const s = this.seen.get(key);
    if (s && now - s.at < this.windowMs) {
      s.suppressed++;
      return null;
    }
    const suppressed = s?.suppressed ?? 0;
    this.seen.delete(key); // re-inserted last: the map's order is the order of last writes
    this.seen.set(key, { at: now, suppressed: 0 });
    if (this.seen.size > this.maxKeys) this.seen.delete(this.seen.keys().next().value as string);
    return suppressed;
  }
}
