/**
 * Tokens (SRV-3): `mdl_` + 40 base62 characters (~238 bits), shown once; the store keeps
 * only the sha256. A presented token is hashed, looked up by hash, and the stored hash is
 * compared with timingSafeEqual (SEC-4). Revocation takes effect at once on every replica
 * sharing the store (docs/server.md: how the SQLite store's token cache stays current).
 */
import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { httpError } from '../errors.js';
import type { Store, TokenRecord } from '../store/store.js';

export const TOKEN_PREFIX = 'mdl_';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const TOKEN_RE = /^mdl_[A-Za-z0-9]{40}$/;
const OWNER_RE = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/;
const SCOPE_RE = /^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])?$/;

export function newSecret(): string {
  let s = TOKEN_PREFIX;
  for (let i = 0; i < 40; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export const hashToken = (secret: string): string => createHash('sha256').update(secret).digest('hex');

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The longest expiry a token can be given (`never` aside): 100 years. */
export const MAX_EXPIRY_MS = 100 * 365 * 86400e3;

/**
 * `90d`, `12h`, `30m`, `1y`, or `never`; returns milliseconds or null for never. An expiry of
 * zero (a token dead at birth, shown once for nothing) or over 100 years (past what a date can
 * hold, for large counts) is refused.
 */
export function parseExpiry(s: string): number | null {
  if (s === 'never') return null;
  const m = /^(\d{1,6})([mhdy])$/.exec(s);
  if (!m) throw httpError('MDL_BAD_REQUEST', `expiry "${s.slice(0, 20)}" is not like 90d, 12h, 30m, 1y or never`, { field: 'expires_in' });
  const unit = { m: 60e3, h: 3600e3, d: 86400e3, y: 365 * 86400e3 }[m[2] as 'm' | 'h' | 'd' | 'y'];
  const ms = Number(m[1]) * unit;
  if (ms === 0 || ms > MAX_EXPIRY_MS) throw httpError('MDL_BAD_REQUEST', `expiry "${s}" is out of range: give 1m to 100y, or never`, { field: 'expires_in' });
  return ms;
}

/**
 * What a token name may not hold: control characters (C0 and C1: U+0085 ends a line, U+009B
 * starts a terminal escape), line and paragraph separators, lone surrogates, and the bidi
 * marks, embeddings, overrides and isolates (U+202E shows the rest of a `token list` line
 * reversed). Other format characters stay (an emoji's zero-width joiner).
 */
const NAME_UNPRINTABLE = /[\p{Cc}\p{Zl}\p{Zp}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

export const normalizeScope = (s: string): string => (s.startsWith('@') ? s.slice(1) : s);

export interface IssueInput {
  owner: string; name?: string; scopes?: readonly string[]; admin?: boolean; expiresIn?: string | number | null; now?: Date;
  /** Refuse (403 MDL_FORBIDDEN) when the owner already has this many active tokens; counted and inserted atomically. */
  maxActive?: number;
}
export interface IssuedToken { secret: string; token: TokenRecord }

/** Mints a token and stores its hash. `expiresIn`: `90d`-style string, milliseconds, or null (never). Default 90d. */
export async function issueToken(store: Store, input: IssueInput): Promise<IssuedToken> {
  if (!OWNER_RE.test(input.owner)) throw httpError('MDL_BAD_REQUEST', 'owner must be a Git-host username (letters, digits, hyphens, up to 39 characters)', { field: 'owner' });
  const scopes = [...new Set((input.scopes ?? []).map(normalizeScope))].sort();
  const bad = scopes.find((s) => !SCOPE_RE.test(s));
  if (bad !== undefined) throw httpError('MDL_BAD_REQUEST', 'scopes must be scope names like @acme', { field: 'scopes' });
  const name = (input.name ?? 'token').trim();
  if (!name || name.length > 100 || NAME_UNPRINTABLE.test(name)) throw httpError('MDL_BAD_REQUEST', 'name must be 1-100 printable characters', { field: 'name' });
  const now = input.now ?? new Date();
  const ms = input.expiresIn === undefined ? parseExpiry('90d') : typeof input.expiresIn === 'string' ? parseExpiry(input.expiresIn) : input.expiresIn;
  const secret = newSecret();
  const token: TokenRecord = {
    id: `tok_${randomBytes(8).toString('hex')}`, hash: hashToken(secret), name, owner: input.owner, scopes, admin: input.admin ?? false,
    createdAt: now.toISOString(), expiresAt: ms === null ? null : new Date(now.getTime() + ms).toISOString(), lastUsedAt: null, revokedAt: null,
  };
  if (input.maxActive === undefined) {
    await store.insertToken(token);
  } else {
    const active = await store.insertTokenCapped(token, input.maxActive, token.createdAt);
    if (active !== null) {
      throw httpError('MDL_FORBIDDEN', `${input.owner} has ${active} active tokens, the most one owner may have through the API; revoke some first (DELETE /api/v1/auth/tokens/:id)`, { active, limit: input.maxActive });
    }
  }
  return { secret, token };
}

export type TokenState = 'active' | 'expired' | 'revoked';

/** Whether a token can be used at `nowMs`; a revoked token is `revoked` even once it has expired too. */
export function tokenState(t: TokenRecord, nowMs: number): TokenState {
  if (t.revokedAt !== null) return 'revoked';
  return t.expiresAt !== null && Date.parse(t.expiresAt) <= nowMs ? 'expired' : 'active';
}

/** The public view of a token (never the hash), with its state at `now`. */
export function tokenView(t: TokenRecord, now: Date = new Date()): Record<string, unknown> {
  return { id: t.id, name: t.name, owner: t.owner, scopes: t.scopes.map((s) => `@${s}`), admin: t.admin, created_at: t.createdAt, expires_at: t.expiresAt, last_used_at: t.lastUsedAt, revoked_at: t.revokedAt, state: tokenState(t, now.getTime()) };
}
